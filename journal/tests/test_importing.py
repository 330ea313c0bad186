"""The import/export services: samples, idempotency, conflicts, refusals, round trips, speed."""

import json
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from journal import exporting, importing, services
from journal.logs import parse_json, parse_markdown, parse_upload, write_json, write_markdown
from journal.logs.data import EntryData, LinkData, LogData, RoundData
from journal.models import Entry, Link, Round, Tag
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent / "samples"

# file name → (title, start, rule, [(date, day, number of links)])
EXPECTED = {
    "community-log-en.md": (
        "100 Days Of Code - Log",
        date(2024, 3, 4),
        "official",
        [(date(2024, 3, 4), 1, 1), (date(2024, 3, 5), 2, 2), (date(2024, 3, 7), 3, 1)],
    ),
    "rapid-r1.md": (
        "#100DaysOfCode Log - Round 1 - Ada",
        date(2017, 7, 17),
        "official",
        [(date(2017, 7, 17), 1, 0), (date(2017, 7, 18), 2, 0), (date(2017, 7, 19), 3, 0)],
    ),
    "registro-es.md": (
        "100 días de código - diario",
        date(2024, 1, 8),
        "official",
        [(date(2024, 1, 8), 1, 1), (date(2024, 1, 9), 2, 2)],
    ),
}


def counts():
    """Rows of every table an import or a deletion touches."""
    return {
        "users": User.objects.count(),
        "rounds": Round.objects.count(),
        "entries": Entry.objects.count(),
        "links": Link.objects.count(),
        "tags": Tag.objects.count(),
        "entry_tags": Entry.tags.through.objects.count(),
    }


def snapshot(user):
    """Everything of ``user`` plus the round versions (which every write bumps)."""
    return write_json(exporting.export_user(user)), list(
        Round.objects.filter(user=user).values_list("number", "version", "updated_at")
    )


def sample(name):
    path = SAMPLES / name
    return parse_upload(path.read_bytes(), filename=name)


def entry(d, day=None, progress="Coded.", **fields):
    return EntryData(date=d, day=day, progress=progress, **fields)


def one_round(*entries, **fields):
    fields.setdefault("start_date", min(e.date for e in entries) if entries else date(2024, 1, 1))
    return LogData(rounds=[RoundData(entries=list(entries), **fields)])


# --- samples ------------------------------------------------------------------------------


def test_the_samples_folder_holds_the_expected_samples():
    assert sorted(p.name for p in SAMPLES.glob("*.md") if p.name != "README.md") == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_importing_a_sample_creates_its_round_and_entries(user, name):
    title, start, rule, days = EXPECTED[name]
    result = importing.apply_import(user, sample(name))

    assert len(result.created_rounds) == 1
    round = Round.objects.get(user=user)
    assert (round.title, round.start_date, round.rule, round.visibility) == (title, start, rule, "private")
    entries = list(round.entries.order_by("date").prefetch_related("links"))
    assert [(e.date, e.day, len(e.links.all())) for e in entries] == days
    assert all(e.progress and e.progress_html.startswith("<p>") for e in entries)
    assert result.created == len(days) and result.skipped == 0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_re_importing_a_sample_changes_nothing(user, name):
    importing.apply_import(user, sample(name))
    before_rows, before = counts(), snapshot(user)

    plan = importing.plan_import(user, sample(name))
    assert plan.ok and not plan.has_changes
    result = importing.apply_import(user, sample(name))

    assert not result.changed and result.skipped == len(EXPECTED[name][3])
    assert counts() == before_rows
    assert snapshot(user) == before


def test_the_community_sample_keeps_labels_and_thoughts(user):
    importing.apply_import(user, sample("community-log-en.md"))
    day2 = Entry.objects.get(round__user=user, day=2)
    assert day2.thoughts.startswith("Template inheritance is neat.")
    assert [(link.label, link.url) for link in day2.links.all()] == [
        ("List view", "https://example.com/me/reading-list/pull/1"),
        ("Detail view", "https://example.com/me/reading-list/pull/2"),
    ]


def test_the_rapid_sample_keeps_its_round_number_when_free(user, other_user):
    importing.apply_import(user, sample("rapid-r1.md"))
    assert Round.objects.get(user=user).number == 1
    make_round(other_user)
    make_round(other_user)
    importing.apply_import(other_user, sample("rapid-r1.md"))
    assert sorted(Round.objects.filter(user=other_user).values_list("number", flat=True)) == [1, 2, 3]


def test_a_sample_goes_to_the_next_round_number(user):
    make_round(user)
    result = importing.apply_import(user, sample("community-log-en.md"))
    assert result.rounds[0].number == 2


# --- where a round goes, idempotency, conflicts -------------------------------------------


def test_a_longer_version_of_an_imported_log_adds_only_the_new_days(user):
    days = [entry(date(2024, 1, 1) + timedelta(days=i), i + 1, f"Day {i + 1}.") for i in range(5)]
    importing.apply_import(user, one_round(*days[:3], title="My log"))
    result = importing.apply_import(user, one_round(*days, title="My log"))

    assert (result.created, result.skipped, len(result.created_rounds)) == (2, 3, 0)
    assert Round.objects.filter(user=user).count() == 1
    assert list(Entry.objects.filter(round__user=user).values_list("day", flat=True)) == [1, 2, 3, 4, 5]


def test_an_untitled_log_is_recognised_by_its_identical_days(user):
    text = "## Day 1\nFirst.\n\n## Day 2\nSecond.\n"
    importing.apply_import(user, LogData(rounds=[parse_markdown(text, start=date(2024, 5, 1))]))
    importing.apply_import(user, LogData(rounds=[parse_markdown(text, start=date(2024, 5, 1))]))
    assert Round.objects.filter(user=user).count() == 1
    assert Entry.objects.filter(round__user=user).count() == 2


def test_a_different_log_starting_another_day_becomes_a_new_round(user):
    importing.apply_import(user, one_round(entry(date(2024, 1, 1), 1), title="A"))
    importing.apply_import(user, one_round(entry(date(2024, 2, 1), 1), title="A"))
    assert Round.objects.filter(user=user).count() == 2


def test_a_conflict_changes_nothing_and_is_reported(user):
    importing.apply_import(user, sample("community-log-en.md"))
    mine = Entry.objects.get(round__user=user, day=2)
    services.update_entry(mine, progress="I rewrote this on the site.")
    before_rows, before = counts(), snapshot(user)

    plan = importing.plan_import(user, sample("community-log-en.md"))
    assert [(e.date, e.differences) for e in plan.conflicts] == [(date(2024, 3, 5), ["progress"])]
    assert not plan.ok
    with pytest.raises(importing.ImportRefused, match="2024-03-05"):
        importing.apply_import(user, sample("community-log-en.md"))

    assert counts() == before_rows
    assert snapshot(user) == before


def test_replace_overwrites_only_the_conflicting_days(user):
    importing.apply_import(user, sample("community-log-en.md"))
    round = Round.objects.get(user=user)
    services.update_entry(Entry.objects.get(round=round, day=2), progress="Mine.", tags=["mine"])
    untouched = Entry.objects.get(round=round, day=1)
    version = Round.objects.get(pk=round.pk).version

    result = importing.apply_import(user, sample("community-log-en.md"), replace=True)

    assert (result.replaced, result.skipped, result.created) == (1, 2, 0)
    day2 = Entry.objects.get(round=round, day=2)
    assert day2.progress == "Added a list view and a detail view with templates."
    assert list(day2.tags.all()) == [] and day2.links.count() == 2
    assert Entry.objects.get(round=round, day=1).pk == untouched.pk
    assert Round.objects.get(pk=round.pk).version > version
    assert not Tag.objects.filter(name="mine", entries__isnull=False).exists()


def test_importing_into_an_existing_round_renumbers_and_bumps_its_version(user):
    round = make_round(user, days_ago=30)
    start = round.start_date
    log(round, 20, 10)
    version = Round.objects.get(pk=round.pk).version
    earlier = start + timedelta(days=2)

    result = importing.apply_import(
        user, one_round(entry(earlier, 1, "Earlier day.")), round_number=round.number
    )

    assert result.rounds[0].pk == round.pk and result.created == 1
    assert list(round.entries.order_by("date").values_list("day", flat=True)) == [1, 2, 3]
    assert Round.objects.get(pk=round.pk).version == version + 1


# --- refusals leave the database untouched ------------------------------------------------


def _future():
    return date.today() + timedelta(days=5)


REFUSALS = {
    "unknown round": (lambda r: one_round(entry(date(2024, 1, 1))), {"round_number": 9}, "no round 9"),
    "before the round starts": (
        lambda r: one_round(entry(r.start_date - timedelta(days=3), line=7)),
        {"round_number": 1},
        "line 7: ",
    ),
    "two rounds into one": (
        lambda r: LogData(
            rounds=[
                RoundData(start_date=date(2024, 1, 1), entries=[entry(date(2024, 1, 1))]),
                RoundData(start_date=date(2024, 2, 1), entries=[entry(date(2024, 2, 1))]),
            ]
        ),
        {"round_number": 1},
        "2 rounds",
    ),
    "a day that has not happened": (lambda r: one_round(entry(_future(), line=3)), {}, "line 3: "),
    "a calendar day after the finish": (
        lambda r: one_round(
            entry(date(2024, 1, 1), 1), entry(date(2024, 1, 20), 20, line=9), rule="calendar", target=10
        ),
        {},
        "line 9: ",
    ),
    "more days than the target": (
        lambda r: one_round(entry(date(2024, 1, 1), 1), entry(date(2024, 1, 2), 2), target=1),
        {},
        "more than its target",
    ),
    "a link that is not a web address": (
        lambda r: one_round(entry(date(2024, 1, 1), links=[LinkData("javascript:alert(1)")], line=4)),
        {},
        "line 4: not a web address",
    ),
    "an undated log": (lambda r: one_round(entry(None, 1, line=2), start_date=None), {}, "no dates"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_import_leaves_the_database_untouched(user, other_user, case):
    build, options, reason = REFUSALS[case]
    round = make_round(user, days_ago=30)
    log(round, 20, 10, tags=["kept"], links=[services.LinkInput("https://example.com/x")])
    importing.apply_import(other_user, sample("community-log-en.md"))
    before_rows, before = counts(), snapshot(user)

    plan = importing.plan_import(user, build(round), **options)
    assert not plan.ok
    with pytest.raises(importing.ImportRefused) as refused:
        importing.apply_import(user, build(round), **options)

    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)
    assert counts() == before_rows
    assert snapshot(user) == before


def test_a_failure_half_way_writes_nothing(user, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    before = counts()
    monkeypatch.setattr(Link.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        importing.apply_import(user, sample("community-log-en.md"))
    assert counts() == before


def test_an_upper_case_scheme_is_stored_in_lower_case_and_re_imports_identically(user):
    data = one_round(entry(date(2024, 1, 1), 1, links=[LinkData("HTTPS://Example.com/A", "A")]))
    importing.apply_import(user, data)
    assert Link.objects.get().url == "https://Example.com/A"
    assert not importing.apply_import(user, data).changed


@pytest.mark.parametrize(
    "url", ['https://example.com/a"b', "https://example.com/<script>", "ftp://example.com/"]
)
def test_links_follow_the_same_rule_as_the_web_form(user, url):
    plan = importing.plan_import(user, one_round(entry(date(2024, 1, 1), 1, links=[LinkData(url)], line=6)))
    assert [str(p) for p in plan.problems] == [f"line 6: not a web address (http:// or https://): {url}"]


def test_too_many_links_are_kept_to_ten_with_a_warning(user):
    links = [LinkData(f"https://example.com/{i}") for i in range(12)]
    plan = importing.plan_import(user, one_round(entry(date(2024, 1, 1), 1, links=links, line=5)))
    assert plan.ok and "line 5: " in str(plan.warnings[0])
    importing.apply_import(user, plan)
    assert Link.objects.count() == 10


# --- profile and JSON restore -------------------------------------------------------------


def test_a_backup_restores_numbers_and_profile_into_an_empty_account(user, other_user):
    make_round(user, days_ago=50, title="First")
    r2 = make_round(user, days_ago=40, title="Second")
    r3 = make_round(user, days_ago=20, title="Third", rule="calendar")
    log(r2, 39, 38)
    log(r3, 19, 15)
    Round.objects.filter(user=user, number=1).delete()
    User.objects.filter(pk=user.pk).update(time_zone="Europe/Madrid", language="es", rollover_hour=3)
    user.refresh_from_db()

    importing.apply_import(other_user, parse_json(write_json(exporting.export_user(user))))

    other_user.refresh_from_db()
    assert sorted(Round.objects.filter(user=other_user).values_list("number", "title")) == [
        (2, "Second"),
        (3, "Third"),
    ]
    assert (other_user.time_zone, other_user.language, other_user.rollover_hour) == ("Europe/Madrid", "es", 3)
    assert other_user.handle == "grace"


def test_an_account_with_rounds_keeps_its_profile(user, other_user):
    make_round(other_user)
    document = exporting.export_user(user)
    document.profile["time_zone"] = "Asia/Tokyo"
    document.rounds = [RoundData(start_date=date(2024, 1, 1), entries=[entry(date(2024, 1, 1), 1)])]
    plan = importing.plan_import(other_user, document)
    assert plan.profile == {}
    importing.apply_import(other_user, document)
    other_user.refresh_from_db()
    assert other_user.time_zone == "UTC"


# --- export -------------------------------------------------------------------------------


def test_export_user_costs_four_queries_whatever_the_rows(user, django_assert_num_queries):
    for days_ago in (40, 20):
        round = make_round(user, days_ago=days_ago)
        log(round, days_ago - 1, days_ago - 2, tags=["a", "b"], links=[services.LinkInput("https://e.com/")])
    # rounds, entries, tags, links
    with django_assert_num_queries(4):
        data = exporting.export_user(user)
    assert [len(r.entries) for r in data.rounds] == [2, 2]
    assert data.rounds[0].entries[0].tags == ["a", "b"]
    # entries, tags, links
    with django_assert_num_queries(3):
        exporting.export_round(round)


def test_export_selected_gives_one_json_document_per_owner(user, other_user):
    make_round(user)
    make_round(other_user)
    name, body, content_type = exporting.export_selected(Round.objects.filter(user=user), "json")
    assert name.endswith(".json") and content_type.startswith("application/json")
    assert [r.number for r in parse_json(body.decode()).rounds] == [1]
    name, body, content_type = exporting.export_selected(Round.objects.all(), "json")
    assert name.endswith(".zip") and content_type == "application/zip"


# --- round trips (hypothesis, on the database) --------------------------------------------

SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85")
    | st.just("\n"),
    max_size=60,
).map(lambda s: "\n".join(line.strip() for line in s.split("\n")).strip())
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzñé0123456789ÁZ💯.,!?'", min_size=1, max_size=10)
SENTENCE = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
PARAGRAPHS = st.lists(SENTENCE, min_size=1, max_size=3).map("\n\n".join)
TAG = st.from_regex(r"\A[a-z][a-z0-9]{0,8}\Z")
LINK = st.builds(
    services.LinkInput,
    url=st.from_regex(r"\Ahttps://example\.com/[a-z0-9]{1,8}(/[a-z0-9]{1,8})?\Z"),
    label=st.one_of(st.just(""), SENTENCE.map(lambda s: s[:100].strip())),
)


@st.composite
def generated_rounds(draw, text=SAFE_TEXT, title=SAFE_TEXT):
    rule = draw(st.sampled_from(["official", "calendar"]))
    start = draw(st.dates(min_value=date(2015, 1, 1), max_value=date(2024, 6, 1)))
    offsets = sorted(draw(st.sets(st.integers(0, 120), min_size=1, max_size=8)))
    if rule == "calendar":
        offsets[0] = 0  # a calendar round read from Markdown starts on its first entry's day
    needed = offsets[-1] + 1 if rule == "calendar" else len(offsets)
    target = draw(st.integers(needed, 366))
    entries = [
        {
            "date": start + timedelta(days=offset),
            "title": draw(title).replace("\n", " ")[:120].strip(),
            "progress": draw(text) or "Coded.",
            "thoughts": draw(text),
            "minutes": draw(st.none() | st.integers(0, 1440)),
            "tags": draw(st.lists(TAG, max_size=4, unique=True)),
            "links": draw(st.lists(LINK, max_size=3)),
        }
        for offset in offsets
    ]
    return {
        "round": {
            "start_date": start,
            "title": draw(title).replace("\n", " ")[:120].strip(),
            "target": target,
            "rule": rule,
            "visibility": draw(st.sampled_from(["public", "unlisted", "private"])),
            "description": draw(text),
        },
        "entries": entries,
    }


_users = iter(range(10**6))


def _store(generated):
    """A new participant with the generated round, written through the app's services."""
    n = next(_users)
    owner = User.objects.create_user(
        email=f"gen{n}@example.com", handle=f"gen{n}", display_name="Gen", time_zone="America/Lima"
    )
    round = services.start_round(owner, **generated["round"])
    for e in generated["entries"]:
        services.create_entry(round, today=date(2025, 1, 1), **e)
    return owner


def _fresh_user():
    n = next(_users)
    return User.objects.create_user(email=f"new{n}@example.com", handle=f"new{n}")


def _without_handle(text):
    document = json.loads(text)
    document["profile"].pop("handle")
    return document


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_rounds())
def test_json_export_then_import_into_an_empty_account_gives_the_same_document(generated):
    with transaction.atomic():
        owner = _store(generated)
        exported = write_json(exporting.export_user(owner))
        newcomer = _fresh_user()
        importing.apply_import(newcomer, parse_json(exported))
        newcomer.refresh_from_db()
        assert _without_handle(write_json(exporting.export_user(newcomer))) == _without_handle(exported)
        transaction.set_rollback(True)


def _comparable(round_data):
    return [
        (e.date, e.day, e.progress, e.thoughts, [(link.url, link.label) for link in e.links], sorted(e.tags))
        for e in round_data.entries
    ]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_rounds(text=PARAGRAPHS, title=SENTENCE), st.sampled_from(["en", "es"]))
def test_markdown_export_then_import_gives_the_same_days(generated, lang):
    with transaction.atomic():
        owner = _store(generated)
        original = exporting.export_round(Round.objects.get(user=owner))
        text = write_markdown(original, lang=lang)
        newcomer = _fresh_user()
        importing.apply_import(newcomer, LogData(rounds=[parse_markdown(text)]))
        again = exporting.export_round(Round.objects.get(user=newcomer))
        assert _comparable(again) == _comparable(original)
        transaction.set_rollback(True)


# --- speed --------------------------------------------------------------------------------


def _log_of(days):
    start = date(2023, 1, 1)
    return LogData(
        rounds=[
            RoundData(
                title="A whole year",
                start_date=start,
                target=366,
                entries=[
                    entry(
                        start + timedelta(days=i),
                        i + 1,
                        f"Day {i + 1}: worked on **the app** and read `docs`.\n\n- one\n- two",
                        thoughts="Keep going.",
                        links=[LinkData(f"https://example.com/{i}", "commit")],
                        tags=["python", f"week{i // 7}"],
                        minutes=60,
                    )
                    for i in range(days)
                ],
            )
        ]
    )


def test_a_366_day_log_imports_well_under_a_second_of_database_work(user, capsys):
    data = _log_of(366)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = importing.apply_import(user, data)
        elapsed = time.perf_counter() - started
    database = sum(float(q["time"]) for q in queries.captured_queries)
    assert result.created == 366
    assert Entry.objects.filter(round__user=user).count() == 366
    assert Link.objects.count() == 366 and Entry.tags.through.objects.count() == 732
    with capsys.disabled():
        print(
            f"\n366-day import on {connection.vendor}: {len(queries)} queries, "
            f"{database * 1000:.0f} ms in the database, {elapsed * 1000:.0f} ms in all"
        )
    assert database < 1.0
    assert elapsed < 10.0  # generous: Markdown rendering is CPU work, and CI machines are slow
    assert len(queries) < 30


def test_a_366_day_markdown_log_reads_and_imports_in_under_two_seconds(user):
    """From the file's bytes to the rows: parse, plan and write, on the test database."""
    first = date(2024, 1, 1)
    text = "# A leap year of code\n\nStarted on January 1, 2024.\n\n" + "".join(
        f"### Day {n}: {(first + timedelta(days=n - 1)):%B %d, %Y}\n\n"
        f"**Today's Progress**: Day {n}: refactored the parser, wrote tests 🧪\n\n"
        f"**Thoughts**: Slow and steady.\n\n**Link(s) to work**\n1. [commit](https://example.com/c/{n})\n\n"
        for n in range(1, 367)
    )
    started = time.perf_counter()
    result = importing.apply_import(user, parse_upload(text.encode(), "log.md"))
    elapsed = time.perf_counter() - started
    assert result.created == 366
    assert Round.objects.get(user=user).entries.count() == 366
    assert elapsed < 2.0, f"{elapsed:.2f} s"

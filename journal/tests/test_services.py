"""Writes in journal.services keep the stored day numbers, tags, links and HTML consistent."""

from datetime import UTC, date, datetime, timedelta

import pytest

from journal import clock, limits, rules, services
from journal.models import Entry, Link, Round, Tag

pytestmark = pytest.mark.django_db

S = date(2025, 1, 1)
TODAY = date(2025, 1, 20)


def jan(day):
    return date(2025, 1, day)


def stored(round):
    """The day numbers as stored, by date."""
    return dict(Entry.objects.filter(round=round).order_by("date").values_list("date", "day"))


def assert_consistent(round):
    round = Round.objects.get(pk=round.pk)
    days = stored(round)
    assert days == rules.day_numbers(days, round.start_date, round.rule)


def version(round):
    return Round.objects.values_list("version", flat=True).get(pk=round.pk)


def log(round, day, **extra):
    extra.setdefault("progress", f"Worked on day {day}.")
    return services.create_entry(round, date=jan(day), today=TODAY, **extra)


@pytest.fixture
def official(user):
    return services.start_round(user, start_date=S)


@pytest.fixture
def calendar(user):
    return services.start_round(user, start_date=S, rule=rules.CALENDAR)


# --- Day numbers stay derived ---


def test_it_numbers_a_new_official_entry_by_its_position(official):
    assert log(official, 1).day == 1
    assert log(official, 4).day == 2
    assert stored(official) == {jan(1): 1, jan(4): 2}


def test_it_renumbers_later_entries_on_an_official_backfill(official):
    for day in (1, 3, 4):
        log(official, day)
    backfill = log(official, 2)
    assert backfill.day == 2
    assert stored(official) == {jan(1): 1, jan(2): 2, jan(3): 3, jan(4): 4}


def test_it_lets_a_late_joiner_backfill_the_start_of_an_official_round(official):
    joined = log(official, 10)
    assert joined.day == 1
    for day in range(1, 10):
        log(official, day)
    joined.refresh_from_db()
    assert joined.day == 10
    assert_consistent(official)


def test_it_numbers_calendar_entries_by_their_offset(calendar):
    for day in (4, 1, 7):
        log(calendar, day)
    log(calendar, 2)
    assert stored(calendar) == {jan(1): 1, jan(2): 2, jan(4): 4, jan(7): 7}


def test_it_renumbers_later_entries_when_one_is_deleted(official):
    entries = {day: log(official, day) for day in (1, 2, 3, 5)}
    services.delete_entry(entries[2])
    assert stored(official) == {jan(1): 1, jan(3): 2, jan(5): 3}


def test_it_keeps_calendar_numbers_when_an_entry_is_deleted(calendar):
    entries = {day: log(calendar, day) for day in (1, 2, 3, 5)}
    services.delete_entry(entries[2])
    assert stored(calendar) == {jan(1): 1, jan(3): 3, jan(5): 5}


def test_it_renumbers_when_an_entry_moves_to_another_date(official):
    entries = {day: log(official, day) for day in (1, 3, 5)}
    moved = services.update_entry(entries[5], date=jan(2), today=TODAY)
    assert moved.day == 2
    assert stored(official) == {jan(1): 1, jan(2): 2, jan(3): 3}


def test_it_renumbers_when_the_rule_changes_to_calendar_and_back(official):
    for day in (1, 3, 6):
        log(official, day)
    services.update_round(official, rule=rules.CALENDAR)
    assert stored(official) == {jan(1): 1, jan(3): 3, jan(6): 6}
    services.update_round(official, rule=rules.OFFICIAL)
    assert stored(official) == {jan(1): 1, jan(3): 2, jan(6): 3}


def test_it_renumbers_calendar_entries_when_the_start_date_moves(calendar):
    for day in (3, 5):
        log(calendar, day)
    services.update_round(calendar, start_date=jan(2))
    assert stored(calendar) == {jan(3): 2, jan(5): 4}


def test_it_refuses_a_start_date_after_an_existing_entry(official):
    log(official, 2)
    with pytest.raises(services.RuleError) as caught:
        services.update_round(official, start_date=jan(3))
    assert caught.value.code == "settings"
    assert Round.objects.get(pk=official.pk).start_date == S
    assert stored(official) == {jan(2): 1}


def test_it_refuses_a_calendar_rule_that_would_leave_entries_after_the_finish(official):
    official = services.update_round(official, target=5)
    for day in (1, 6):
        log(official, day)
    with pytest.raises(services.RuleError) as caught:
        services.update_round(official, rule=rules.CALENDAR)
    assert caught.value.code == "settings"
    official.refresh_from_db()
    assert official.rule == rules.OFFICIAL
    assert stored(official) == {jan(1): 1, jan(6): 2}


def test_it_refuses_a_target_below_the_number_of_entries(official):
    for day in (1, 2, 3):
        log(official, day)
    with pytest.raises(services.RuleError) as caught:
        services.update_round(official, target=2)
    assert caught.value.code == "settings"
    assert Round.objects.get(pk=official.pk).target == 100


@pytest.mark.parametrize("target", [0, 367])
def test_it_refuses_a_target_outside_1_to_366_when_editing_a_round(official, target):
    with pytest.raises(services.RuleError) as caught:
        services.update_round(official, target=target)
    assert caught.value.code == "target"
    assert Round.objects.get(pk=official.pk).target == 100


def test_it_accepts_round_settings_that_keep_every_entry(official):
    log(official, 2)
    round = services.update_round(official, start_date=jan(2), target=1, title="Short one")
    assert (round.start_date, round.target, round.title) == (jan(2), 1, "Short one")
    assert stored(round) == {jan(2): 1}


# --- Dates the rules refuse ---


@pytest.mark.parametrize(
    ("day", "code"),
    [(21, "future"), (0, "before_start")],
)
def test_it_refuses_a_date_the_rules_do_not_allow(official, day, code):
    d = S + timedelta(days=day - 1)
    with pytest.raises(services.RuleError) as caught:
        services.create_entry(official, date=d, progress="x", today=TODAY)
    assert caught.value.code == code
    assert caught.value.field == "date"
    assert caught.value.message
    assert not Entry.objects.exists()


def test_it_refuses_a_second_entry_for_the_same_date(official):
    log(official, 3)
    with pytest.raises(services.RuleError) as caught:
        log(official, 3)
    assert caught.value.code == "duplicate"
    assert Entry.objects.count() == 1


def test_it_refuses_to_move_an_entry_onto_a_logged_date(official):
    log(official, 3)
    other = log(official, 4)
    with pytest.raises(services.RuleError) as caught:
        services.update_entry(other, date=jan(3), today=TODAY)
    assert caught.value.code == "duplicate"
    assert stored(official) == {jan(3): 1, jan(4): 2}


def test_it_refuses_to_move_an_entry_into_the_future(official):
    entry = log(official, 3)
    with pytest.raises(services.RuleError) as caught:
        services.update_entry(entry, date=jan(21), today=TODAY)
    assert caught.value.code == "future"
    entry.refresh_from_db()
    assert entry.date == jan(3)


def test_it_lets_an_entry_keep_its_own_date_when_edited(official):
    entry = log(official, 3)
    services.update_entry(entry, date=jan(3), progress="Edited.", today=TODAY)
    entry.refresh_from_db()
    assert entry.progress == "Edited."


def test_it_refuses_a_date_after_the_calendar_finish(user):
    round = services.start_round(user, start_date=S, rule=rules.CALENDAR, target=5)
    with pytest.raises(services.RuleError) as caught:
        log(round, 6)
    assert caught.value.code == "after_finish"


def test_it_refuses_an_entry_once_an_official_round_is_complete(user):
    round = services.start_round(user, start_date=S, target=2)
    log(round, 1)
    log(round, 2)
    with pytest.raises(services.RuleError) as caught:
        log(round, 3)
    assert caught.value.code == "round_complete"


def test_it_uses_the_owners_local_today_when_none_is_given(make_user):
    # At 10:30 UTC it is already tomorrow in Kiritimati (+14).
    user = make_user("kiri@example.com", handle="kiri", time_zone="Pacific/Kiritimati")
    now = datetime(2025, 1, 1, 10, 30, tzinfo=UTC)
    assert clock.today_for(user, now) == jan(2)
    user.rollover_hour = 1
    assert clock.today_for(user, now) == jan(1)


# --- Tags, links, Markdown ---


def test_it_normalises_tags():
    assert limits.normalize_tags("#Python, python  DJANGO,#django ,") == ["python", "django"]
    assert limits.normalize_tags(["#Web Dev", "web-dev", "  "]) == ["web-dev"]
    assert limits.normalize_tags(None) == []


def test_it_stores_normalised_tags_once(official):
    first = log(official, 1, tags="#Python, python DJANGO")
    second = log(official, 2, tags=["django", "#CSS"])
    assert sorted(first.tags.values_list("name", flat=True)) == ["django", "python"]
    assert sorted(second.tags.values_list("name", flat=True)) == ["css", "django"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["css", "django", "python"]


def test_it_replaces_tags_on_update_and_keeps_them_when_not_given(official):
    entry = log(official, 1, tags="python")
    services.update_entry(entry, tags="#Rust")
    assert list(entry.tags.values_list("name", flat=True)) == ["rust"]
    services.update_entry(entry, title="No tag change")
    assert list(entry.tags.values_list("name", flat=True)) == ["rust"]


def test_it_stores_links_in_the_order_given(official):
    entry = log(
        official,
        1,
        links=[
            services.LinkInput("https://example.com/b", " Second? no, first "),
            {"url": "https://example.com/a"},
            services.LinkInput("   "),
            services.LinkInput("https://example.com/c", "third"),
        ],
    )
    rows = list(Link.objects.filter(entry=entry).values_list("url", "label"))
    assert rows == [
        ("https://example.com/b", "Second? no, first"),
        ("https://example.com/a", ""),
        ("https://example.com/c", "third"),
    ]
    assert [link.url for link in entry.links.all()] == [row[0] for row in rows]


def test_it_replaces_links_on_update(official):
    entry = log(official, 1, links=[services.LinkInput("https://example.com/old")])
    services.update_entry(entry, links=[services.LinkInput("https://example.com/new")])
    assert list(entry.links.values_list("url", flat=True)) == ["https://example.com/new"]


def test_it_renders_markdown_when_saving(official):
    entry = log(official, 1, progress="Learned **decorators**.", thoughts="_Slowly_.")
    assert "<strong>decorators</strong>" in entry.progress_html
    assert "<em>Slowly</em>" in entry.thoughts_html


def test_it_escapes_a_script_payload(official):
    entry = log(official, 1, progress="<script>alert(1)</script>", thoughts="<img src=x onerror=alert(1)>")
    assert "<script" not in entry.progress_html
    assert "&lt;script&gt;" in entry.progress_html
    assert "<img" not in entry.thoughts_html


def test_it_removes_javascript_links(official):
    entry = log(official, 1, progress="[click](javascript:alert(1)) and [ok](https://example.com)")
    assert "javascript:" not in entry.progress_html
    assert '<a href="https://example.com" rel="nofollow noopener ugc">ok</a>' in entry.progress_html


def test_it_renders_again_when_the_progress_changes(official):
    entry = log(official, 1, progress="plain")
    entry = services.update_entry(entry, progress="now **bold**")
    entry.refresh_from_db()
    assert "<strong>bold</strong>" in entry.progress_html


# --- Versions and rounds ---


def test_it_bumps_the_round_version_on_every_write(official):
    seen = [version(official)]
    entry = log(official, 1)
    seen.append(version(official))
    services.update_entry(entry, title="Edited")
    seen.append(version(official))
    services.delete_entry(entry)
    seen.append(version(official))
    services.update_round(official, title="Renamed")
    seen.append(version(official))
    assert seen == sorted(set(seen))  # strictly increasing


def test_it_does_not_bump_the_version_of_a_refused_write(official):
    log(official, 1)
    before = version(official)
    with pytest.raises(services.RuleError):
        log(official, 1)
    assert version(official) == before


def test_it_numbers_rounds_consecutively_per_user(user, other_user):
    first = services.start_round(user, start_date=S)
    second = services.start_round(user, start_date=jan(10))
    theirs = services.start_round(other_user, start_date=S)
    assert (first.number, second.number, theirs.number) == (1, 2, 1)


def test_it_gives_a_new_round_the_default_title(user):
    services.start_round(user, start_date=S)
    round = services.start_round(user, start_date=S)
    assert round.title == "#100DaysOfCode R2"
    assert services.start_round(user, start_date=S, title="Mine").title == "Mine"


def test_it_starts_a_round_with_the_documented_defaults(user):
    round = services.start_round(user, start_date=S)
    round.refresh_from_db()
    assert (round.target, round.rule, round.visibility) == (100, rules.OFFICIAL, Round.Visibility.PRIVATE)


def test_it_refuses_a_round_number_the_user_already_has(user):
    services.start_round(user, start_date=S)
    with pytest.raises(services.RuleError) as caught:
        services.start_round(user, start_date=S, number=1)
    assert caught.value.code == "number_taken"


@pytest.mark.parametrize("target", [0, 367])
def test_it_refuses_a_target_outside_1_to_366_when_starting_a_round(user, target):
    with pytest.raises(services.RuleError) as caught:
        services.start_round(user, start_date=S, target=target)
    assert caught.value.code == "target"
    assert not Round.objects.exists()


def test_an_upper_case_link_scheme_is_stored_in_lower_case(user):
    from journal.tests.factories import log, make_round

    round = make_round(user)
    entry = log(round, 1, links=[services.LinkInput(url="HTTPS://example.com/A", label="x")])
    assert entry.links.get().url == "https://example.com/A"

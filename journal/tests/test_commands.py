"""import_log and export_log: output, exit codes, one-line errors, dry runs, round trips."""

import json
import os
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from journal import exporting, services
from journal.logs import parse_markdown
from journal.models import Entry, Round
from journal.tests.factories import log, make_round
from journal.tests.test_importing import SAMPLES, counts, snapshot

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
COMMUNITY = str(SAMPLES / "community-log-en.md")


def run(*args, **options):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# --- import_log ---------------------------------------------------------------------------


def test_import_log_imports_a_sample_and_says_so(user):
    out, _err = run("import_log", COMMUNITY, user="ADA@example.com")
    assert "new round 1" in out
    assert "Imported" in out and "3 days created" in out
    assert list(Entry.objects.filter(round__user=user).values_list("day", flat=True)) == [1, 2, 3]


def test_import_log_twice_changes_nothing_the_second_time(user):
    run("import_log", COMMUNITY, user=user.email)
    before_rows, before = counts(), snapshot(user)
    out, _err = run("import_log", COMMUNITY, user=user.email)
    assert "Nothing to import" in out
    assert counts() == before_rows and snapshot(user) == before


def test_import_log_dry_run_writes_nothing(user):
    before = counts()
    out, _err = run("import_log", COMMUNITY, user=user.email, dry_run=True, verbosity=2)
    assert "3 to create" in out and "2024-03-05 day 2: create" in out
    assert "Dry run: nothing was written." in out
    assert counts() == before


def test_import_log_quiet_with_verbosity_zero(user):
    out, _err = run("import_log", COMMUNITY, user=user.email, verbosity=0)
    assert out == ""
    assert Entry.objects.count() == 3


def test_import_log_refuses_conflicts_unless_told_to_replace(user):
    run("import_log", COMMUNITY, user=user.email)
    services.update_entry(Entry.objects.get(day=3), thoughts="Changed on the site.")
    before_rows, before = counts(), snapshot(user)

    with pytest.raises(CommandError, match=r"1 day already has a different entry \(2024-03-07\).*--replace"):
        run("import_log", COMMUNITY, user=user.email)
    assert counts() == before_rows and snapshot(user) == before

    out, _err = run("import_log", COMMUNITY, user=user.email, replace=True)
    assert "1 replaced" in out
    assert Entry.objects.get(day=3).thoughts == "Never miss two days in a row. Noted."


def test_import_log_into_an_existing_round(user, tmp_path):
    round = make_round(user, days_ago=3)
    log(round, 2)
    path = tmp_path / "undated.md"
    path.write_text("## Day 1\nFirst.\n\n## Day 2\nSecond.\n")
    with pytest.raises(CommandError, match="no dates: give the start date"):
        run("import_log", str(path), user=user.email, round="1")
    out, _err = run(
        "import_log", str(path), user=user.email, round="1", start=round.start_date.isoformat(), replace=True
    )
    assert "round 1" in out
    assert Round.objects.filter(user=user).count() == 1
    assert round.entries.count() == 2


@pytest.mark.parametrize(
    "options, message",
    [
        ({"user": "nobody@example.com"}, "No user with the email address 'nobody@example.com'."),
        ({"user": "ada@example.com", "round": "7"}, "you have no round 7"),
        ({"user": "ada@example.com", "round": "seven"}, "--round must be a round number"),
        ({"user": "ada@example.com", "start": "2024-02-30"}, "--start must be a date like 2024-03-04"),
    ],
)
def test_import_log_user_mistakes_are_one_line_command_errors(user, options, message):
    before = counts()
    with pytest.raises(CommandError) as error:
        run("import_log", COMMUNITY, **options)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert counts() == before


def _manage(*args):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="hundreddays.test_settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["import_log", "/no/such/log.md", "--user", "a@b.c"],
            "Cannot read /no/such/log.md: No such file or directory.",
        ),
        (["import_log", str(SAMPLES), "--user", "a@b.c"], "Cannot read"),
        (["import_log", COMMUNITY, "--user", "a@b.c", "--start", "tomorrow"], "--start must be a date"),
        (["import_log", "BROKEN", "--user", "a@b.c"], "line 5: day 1 appears twice (first on line 3)"),
        (["export_log", "--user", "a@b.c", "--format", "pdf"], "--format must be md or json, not 'pdf'."),
        (["export_log", "--user", "a@b.c", "--lang", "fr"], "--lang must be en or es, not 'fr'."),
    ],
)
def test_command_errors_exit_non_zero_with_one_line_and_no_traceback(tmp_path, args, message):
    if "BROKEN" in args:
        broken = tmp_path / "broken.md"
        broken.write_text("# Log\n\n## Day 1\nOne.\n## Day 1\nAgain.\n")
        args = [str(broken) if a == "BROKEN" else a for a in args]
    result = _manage(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["import_log", "export_log", "send_reminders"])
def test_every_command_has_help(command):
    result = _manage(command, "--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout and len(result.stdout) > 400


# --- export_log ---------------------------------------------------------------------------


def test_export_log_md_reads_back_to_the_same_entries(user):
    run("import_log", COMMUNITY, user=user.email)
    out, _err = run("export_log", user=user.email, round="1", format="md")
    assert out.startswith("# 100 Days Of Code - Log\n")
    again = parse_markdown(out)
    original = parse_markdown((SAMPLES / "community-log-en.md").read_text())

    def key(r):
        return [
            (e.date, e.day, e.progress, e.thoughts, [(x.url, x.label) for x in e.links]) for e in r.entries
        ]

    assert key(again) == key(original)


def test_export_log_md_in_spanish(user):
    run("import_log", COMMUNITY, user=user.email)
    out, _err = run("export_log", user=user.email, format="md", lang="es")
    assert "### Día 1: 4 de marzo de 2024 (lunes)" in out
    assert "**Progreso de hoy**:" in out


def test_export_log_md_needs_a_round_when_there_are_several(user):
    make_round(user, days_ago=20)
    make_round(user, days_ago=5)
    with pytest.raises(CommandError, match=r"add --round N .* has rounds 1, 2"):
        run("export_log", user=user.email, format="md")
    with pytest.raises(CommandError, match="has no round 9"):
        run("export_log", user=user.email, round="9")


def test_export_log_json_to_a_file(user, tmp_path):
    run("import_log", COMMUNITY, user=user.email)
    target = tmp_path / "out.json"
    out, _err = run("export_log", user=user.email, output=str(target))
    assert "Wrote 1 rounds, 3 days" in out
    document = json.loads(target.read_text())
    assert document["format"] == "hundreddays" and document["version"] == 1
    assert [e["date"] for e in document["rounds"][0]["entries"]] == ["2024-03-04", "2024-03-05", "2024-03-07"]


def test_export_log_to_an_unwritable_place_is_one_line(user):
    with pytest.raises(CommandError, match="Cannot write /no/such/dir/out.json"):
        run("export_log", user=user.email, output="/no/such/dir/out.json")


def test_json_export_imports_into_another_account_identically(user, other_user, tmp_path):
    run("import_log", COMMUNITY, user=user.email)
    run("import_log", str(SAMPLES / "registro-es.md"), user=user.email)
    first = tmp_path / "ada.json"
    run("export_log", user=user.email, output=str(first))
    run("import_log", str(first), user=other_user.email)
    second = tmp_path / "grace.json"
    run("export_log", user=other_user.email, output=str(second))

    def without_handle(path):
        document = json.loads(path.read_text())
        del document["profile"]["handle"]
        return document

    assert without_handle(first) == without_handle(second)
    assert exporting.export_user(other_user).rounds[1].entries[0].date == date(2024, 1, 8)


# --- rerender_markdown --------------------------------------------------------------------


@pytest.fixture
def stored_with_old_html(user):
    """A public round and two entries whose HTML is what the old renderer (nl2br) stored."""
    from django.core.cache import cache

    from journal import pagecache

    cache.clear()
    pagecache.LOCAL.clear()
    round = make_round(user, days_ago=5, visibility="public")
    services.update_round(round, description="Learning **Django**")
    first = log(round, 2, progress="Today:\n- set up the repo\n- ~~fixed~~ the bug")
    second = log(round, 1, progress="Plain words.")
    Entry.objects.filter(pk=first.pk).update(
        progress_html="<p>Today:<br />\n- set up the repo<br />\n- ~~fixed~~ the bug</p>"
    )
    Round.objects.filter(pk=round.pk).update(description_html="<p>old <strong>Django</strong></p>")
    yield round, first, second
    cache.clear()
    pagecache.LOCAL.clear()


def test_rerender_markdown_renders_stored_html_again_and_a_second_run_changes_nothing(stored_with_old_html):
    round, first, second = stored_with_old_html
    version = Round.objects.get(pk=round.pk).version
    out, err = run("rerender_markdown", batch_size=1)
    assert "entries: 1/2 read, 1 to change" in out  # progress, batch by batch
    assert "Changed 1 round descriptions and 1 entries" in out and not err
    first.refresh_from_db()
    assert (
        first.progress_html
        == "<p>Today:</p>\n<ul>\n<li>set up the repo</li>\n<li><del>fixed</del> the bug</li>\n</ul>"
    )
    assert Round.objects.get(pk=round.pk).description_html == "<p>Learning <strong>Django</strong></p>"
    assert Round.objects.get(pk=round.pk).version > version  # new ETags

    out, _err = run("rerender_markdown")
    assert "Changed 0 round descriptions and 0 entries" in out


def test_rerender_markdown_dry_run_counts_and_writes_nothing(stored_with_old_html):
    round, first, _second = stored_with_old_html
    out, _err = run("rerender_markdown", dry_run=True, verbosity=0)
    assert out.startswith("Would change 1 round descriptions and 1 entries")
    first.refresh_from_db()
    assert "<br />" in first.progress_html


def test_after_rerender_markdown_cached_pages_show_the_new_html(redis_cache, stored_with_old_html, client):
    round, first, _second = stored_with_old_html
    url = first.get_absolute_url()
    assert "~~fixed~~" in client.get(url).content.decode()  # the old HTML, now cached
    Entry.objects.filter(pk=first.pk).update(progress_html="<p>changed behind the cache's back</p>")
    assert "~~fixed~~" in client.get(url).content.decode()  # served from the cache
    run("rerender_markdown", verbosity=0)
    assert "<del>fixed</del>" in client.get(url).content.decode()


def test_rerender_markdown_names_a_text_it_refuses_and_exits_non_zero(stored_with_old_html):
    _round, _first, second = stored_with_old_html
    Entry.objects.filter(pk=second.pk).update(progress="> " * 3_000 + "older than the limits")
    with pytest.raises(CommandError, match="1 texts are refused by the renderer and keep their old HTML"):
        run("rerender_markdown", verbosity=0)
    first = Entry.objects.get(pk=_first.pk)
    assert "<del>fixed</del>" in first.progress_html  # the rest was re-rendered


def test_rerender_markdown_refuses_a_batch_size_below_one():
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        run("rerender_markdown", batch_size=0)


CORPUS = Path(__file__).resolve().parent / "samples" / "corpus"


def test_import_log_dry_run_prints_how_the_file_was_read(user):
    before = counts()
    out, _err = run("import_log", str(CORPUS / "14-links-as-text.md"), user=user.email, dry_run=True)
    assert "Links kept as text or dropped:" in out
    assert "line 29: the image “![screenshot](assets/day3.png)” is not on the web: dropped" in out
    assert "line 13: “[Back to top](#days)” only links within the page: dropped" in out
    assert counts() == before


def test_import_log_says_when_both_date_orders_fit_and_takes_the_one_given(user):
    path = str(CORPUS / "06-ambiguous-order.md")
    out, _err = run("import_log", path, user=user.email, dry_run=True)
    assert "fit both month/day/year and day/month/year: read as dmy; pass --date-order mdy" in out
    assert "2022-11-01 to 2022-11-07" in out
    run("import_log", path, user=user.email, date_order="mdy")
    round = Round.objects.get(user=user)
    assert round.start_date == date(2022, 1, 11)

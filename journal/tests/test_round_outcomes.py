"""Rounds that are over tell the truth on every page (product.md §2, after the worked example).

A broken round freezes on its break date, a calendar round past its finish is finished,
"completed" means n = T, percentages are floor(100·n/T): the dashboard, the journal (owner
and public), the rounds list, the profile, the permalink header, the stats page, the badge
and the Atom feed all say the same for the same round and instant. "Today" is frozen on
2026-12-01 (noon UTC) by patching ``django.utils.timezone.now``, the clock every "today" is
read from.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from journal import importing, pagecache, rules, services
from journal.models import Entry, Round
from journal.tests.test_data_views import COMMUNITY, confirm, upload
from journal.tests.test_importing import sample

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
SVG = "{http://www.w3.org/2000/svg}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    cache.clear()
    pagecache.LOCAL.clear()
    yield
    cache.clear()
    pagecache.LOCAL.clear()


def seed(user, start, dates, *, target=100, rule="official", visibility="public", title="Reading list"):
    """A round with entries on ``dates``, numbered by the rules, written in bulk."""
    round = services.start_round(
        user, start_date=start, target=target, rule=rule, visibility=visibility, title=title
    )
    numbers = rules.day_numbers(dates, start, rule)
    Entry.objects.bulk_create(
        Entry(
            round=round,
            date=d,
            day=numbers[d],
            progress=f"Worked on day {numbers[d]}.",
            progress_html="<p>x</p>",
        )
        for d in dates
    )
    return round


def text(response) -> str:
    """The page's visible text on one line (tags dropped, spaces collapsed)."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def badge(client, round):
    response = client.get(f"/@{round.user.handle}/r{round.number}/badge.svg")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return root, [t.text for t in root.iter(f"{SVG}text")]


def feed_subtitle(client, round) -> str:
    response = client.get(f"/@{round.user.handle}/r{round.number}/feed/")
    assert response.status_code == 200
    return ElementTree.fromstring(response.content).find(f"{ATOM}subtitle").text


def pages(user, round):
    """Every HTML page that prints the round's figures, as (name, text) for the owner and a reader."""
    owner = Client()
    owner.force_login(user)
    reader = Client()
    base = f"/@{user.handle}/r{round.number}/"
    first = round.entries.order_by("date").first()
    out = {
        "dashboard": text(owner.get("/")),
        "journal (owner)": text(owner.get(base)),
        "journal (public)": text(reader.get(base)),
        "rounds list": text(owner.get("/rounds/")),
        "profile": text(reader.get(f"/@{user.handle}/")),
        "stats": text(reader.get(f"{base}stats/")),
    }
    if first is not None:
        out["permalink"] = text(reader.get(f"{base}{first.date.isoformat()}/"))
    return out


# --- the spec's example: S = 2024-03-04, entries Mar 4, 5, 7, today 2026-12-01 ---------------


@pytest.fixture
def imported(user):
    """The community log imported as it is (official rule), made public."""
    importing.apply_import(user, sample("community-log-en.md"))
    round = Round.objects.get(user=user)
    Round.objects.filter(pk=round.pk).update(visibility="public")
    round.refresh_from_db()
    return round


def test_the_imported_spec_example_is_broken_on_march_9_2024_after_3_days_everywhere(user, imported):
    for name, page in pages(user, imported).items():
        assert "Broke on March 9, 2024 after 3 days" in page, name
        assert "Day 4 of 100" not in page, name
        assert "Projected finish" not in page, name
        assert "2027" not in page, name
    owner_pages = pages(user, imported)
    for name in ("dashboard", "journal (owner)", "journal (public)"):
        page = owner_pages[name]
        assert "Missed days 3 " in page, name
        assert "Current streak 0 days" in page, name
        assert "Broke on March 9, 2024" in page, name
        assert "This round is broken." in page, name
    assert "broken" in owner_pages["rounds list"] and "broken" in owner_pages["profile"]


def test_the_broken_rounds_grid_shows_3_missed_days_and_where_it_broke(auth_client, imported):
    body = auth_client.get("/").content.decode()
    grid = body[body.index('<ol class="grid is-broken"') : body.index("</ol>", body.index('<ol class="grid'))]
    assert grid.count('<li class="logged">') == 3
    assert grid.count('<li class="missed') == 3
    assert grid.count('<li class="missed break"') == 1
    assert "March 9, 2024: missed, the second day in a row: the round broke here" in grid
    assert '<li class="today"' not in grid and '<li class="future"' not in grid


def test_the_broken_round_offers_the_next_round_to_its_owner_only(user, imported):
    owner = Client()
    owner.force_login(user)
    for path in ("/", "/@ada/r1/"):
        body = owner.get(path).content.decode()
        assert '<a class="button primary" href="/rounds/new/">Start round 2</a>' in body, path
    dashboard = owner.get("/").content.decode()
    assert 'id="id_progress"' not in dashboard  # no "Log today" form into a round that is over
    assert "Backfill a missed day" in dashboard
    assert "Start round 2" not in Client().get("/@ada/r1/").content.decode()


def test_the_next_round_offer_counts_past_rounds_and_stays_off_an_old_round(user, imported):
    later = seed(user, date(2026, 11, 1), [date(2026, 11, 1)], title="Second go")
    owner = Client()
    owner.force_login(user)
    # R2 is the current round now (broken too, Nov 3): the offer is R3, and R1's page no longer offers it.
    assert "Start round 3" in owner.get("/").content.decode()
    assert "Start round" not in text(owner.get("/@ada/r1/")).replace("Start a new round", "")
    assert later.number == 2


def test_the_broken_rounds_badge_says_broke_at_3_of_100_and_looks_it(client, imported):
    root, texts = badge(client, imported)
    assert "broke at 3/100" in texts
    count = next(t for t in root.iter(f"{SVG}text") if t.text == "broke at 3/100")
    assert count.get("fill") == "#b42318"
    title = root.find(f"{SVG}title").text
    assert "Broke on March 9, 2024 after 3 days (3%), 3 missed." in title
    rects = list(root.iter(f"{SVG}rect"))
    assert rects[0].get("stroke") == "#b42318"  # the frame
    cells = rects[1:]
    assert len(cells) == 6  # Mar 4 .. Mar 9, not 999 days
    assert sum(r.get("fill") == "#8c959f" for r in cells) == 3  # logged days, greyed
    assert sum(r.get("fill") == "#d1242f" for r in cells) == 1  # the day it broke, solid


def test_the_broken_rounds_feed_says_how_it_ended(client, imported):
    assert feed_subtitle(client, imported).endswith("Broke on March 9, 2024 after 3 days (3%), 3 missed.")


def test_the_broken_round_stays_frozen_as_the_months_pass(monkeypatch, user, imported):
    before = pages(user, imported)
    monkeypatch.setattr(timezone, "now", lambda: NOW + timedelta(days=400))
    cache.clear()
    pagecache.LOCAL.clear()
    after = pages(user, imported)
    for name in before:
        figures = re.findall(r"Broke on [^.]*? days|Missed days \d+|\d+%", before[name])
        assert figures == re.findall(r"Broke on [^.]*? days|Missed days \d+|\d+%", after[name]), name


# --- broken, then backfilled -----------------------------------------------------------------


def test_a_backfill_before_the_break_unbreaks_the_round_on_every_page(user, client):
    start = date(2026, 11, 24)
    round = seed(user, start, [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 27)])
    owner = Client()
    owner.force_login(user)
    assert "Broke on Nov. 29, 2026 after 3 days" in text(owner.get("/"))
    assert "broke at 3/100" in badge(client, round)[1]

    for day in (28, 29, 30):
        response = owner.post(
            f"/log/?round={round.number}",
            {"round": round.number, "date": f"2026-11-{day}", "progress": "Backfill."},
        )
        assert response.status_code == 302, response.content.decode()[:500]

    for name, page in pages(user, round).items():
        assert "Broke on" not in page, name
    dashboard = text(owner.get("/"))
    assert "Day 7 of 100 · 6 logged · 6%" in dashboard
    assert "Missed days 1 " in dashboard
    assert "Projected finish March 4, 2027" in dashboard  # today + (100 - 6 - 1) days
    assert "Current streak 4 days" in dashboard
    assert 'id="id_progress"' in owner.get("/").content.decode()  # "Log today" is back
    assert "6/100" in badge(client, round)[1]
    assert feed_subtitle(client, round).endswith("Day 7 of 100: 6 logged (6%), 1 missed.")


# --- calendar rounds past their finish: finished (n < T) and completed (n = T) ---------------


def test_a_calendar_round_past_its_finish_with_87_of_100_is_finished(user, client):
    start = date(2026, 7, 1)  # finish: October 8, 2026
    every = [start + timedelta(days=i) for i in range(100)]
    dates = [d for i, d in enumerate(every) if i % 8 != 7][:87]
    round = seed(user, start, dates, rule="calendar")
    for name, page in pages(user, round).items():
        assert "Finished on Oct. 8, 2026: 87 of 100 days logged" in page, name
        assert "Round completed!" not in page and "Completed on" not in page, name
    owner = Client()
    owner.force_login(user)
    dashboard = text(owner.get("/"))
    assert "87%" in dashboard and "Missed days 13 " in dashboard and "This round is finished." in dashboard
    assert "Start round 2" in dashboard
    root, texts = badge(client, round)
    assert "finished 87/100" in texts
    assert feed_subtitle(client, round).endswith(
        "Finished on Oct. 8, 2026: 87 of 100 days logged (87%), 13 missed."
    )


def test_a_calendar_round_with_all_100_days_is_completed(user, client):
    start = date(2026, 7, 1)
    round = seed(user, start, [start + timedelta(days=i) for i in range(100)], rule="calendar")
    for name, page in pages(user, round).items():
        assert "Completed on Oct. 8, 2026: 100 of 100 days logged" in page, name
    owner = Client()
    owner.force_login(user)
    dashboard = text(owner.get("/"))
    assert "Round completed!" in dashboard and "100%" in dashboard and "Start round 2" in dashboard
    root, texts = badge(client, round)
    assert "completed 100/100" in texts
    assert next(iter(root.iter(f"{SVG}rect"))).get("stroke") == "#1a7f37"


# --- percentages: floor(100·n/T), never floating point ----------------------------------------


@pytest.mark.parametrize(
    ("n", "target", "expected"),
    [(29, 100, 29), (57, 100, 57), (58, 100, 58), (29, 50, 58), (87, 150, 58), (203, 350, 58)],
)
def test_the_pages_show_integer_percentages(user, n, target, expected):
    start = TODAY - timedelta(days=n - 1)
    round = seed(user, start, [start + timedelta(days=i) for i in range(n)], target=target)
    owner = Client()
    owner.force_login(user)
    for path in ("/", f"/@ada/r{round.number}/"):
        page = text(owner.get(path))
        assert f"Day {n} of {target} · {n} logged · {expected}%" in page, path
    assert f"{n} logged · {expected}%" in text(owner.get("/rounds/"))
    assert f"({expected}%)" in feed_subtitle(Client(), round)


# --- the import preview and import_log say what each round becomes today ---------------------


def test_the_preview_says_the_round_would_be_broken_and_offers_the_calendar_rule(auth_client):
    page = text(upload(auth_client))
    assert "Today it becomes: Broke on March 9, 2024 after 3 days (broken, 3 missed days)." in page
    assert (
        "As it is (official rule): Broke on March 9, 2024 after 3 days; 3 missed days (fewer missed days)"
        in page
    )
    assert "Under the calendar rule: Finished on June 11, 2024: 3 of 100 days logged; 97 missed days" in page
    body = upload(auth_client).content.decode()
    assert 'name="rule-0" id="rule-0-official" value="official" checked' in body
    assert 'form="import-confirm"' in body and 'id="import-confirm"' in body


def test_confirming_the_calendar_rule_imports_a_finished_round(auth_client, user):
    preview = upload(auth_client)
    response = confirm(auth_client, preview, **{"rule-0": "calendar"})
    assert response.status_code == 302
    round = Round.objects.get(user=user)
    assert round.rule == "calendar"
    assert list(round.entries.order_by("date").values_list("day", flat=True)) == [1, 2, 4]
    assert "Finished on June 11, 2024: 3 of 100 days logged" in text(auth_client.get("/"))


def test_confirming_as_it_is_imports_the_broken_official_round(auth_client, user):
    response = confirm(auth_client, upload(auth_client), **{"rule-0": "official"})
    assert response.status_code == 302
    assert Round.objects.get(user=user).rule == "official"


def test_a_rule_that_is_not_a_rule_is_refused_and_imports_nothing(auth_client, user):
    response = confirm(auth_client, upload(auth_client), **{"rule-0": "lunar"})
    assert response.status_code == 400
    assert "Choose how each round counts" in response.content.decode()
    assert not Round.objects.filter(user=user).exists()


def test_the_preview_of_a_recent_log_says_day_n_and_offers_no_choice(auth_client):
    recent = (
        COMMUNITY.decode()
        .replace("March 4, 2024", "November 28, 2026")
        .replace("March 5, 2024", "November 29, 2026")
        .replace("March 7, 2024", "December 1, 2026")
    )
    page = text(upload(auth_client, recent.encode()))
    assert "Today it becomes: Day 3 of 100 (active)." in page
    assert "How should this round count?" not in page


def test_import_log_dry_run_says_what_the_round_becomes_and_how_to_choose(user, tmp_path):
    path = tmp_path / "log.md"
    path.write_bytes(COMMUNITY)
    out = StringIO()
    call_command("import_log", str(path), "--user", user.email, "--dry-run", stdout=out)
    output = out.getvalue()
    assert "today: Broke on March 9, 2024 after 3 days (broken, 3 missed)" in output
    assert (
        "under the calendar rule it would be: Finished on June 11, 2024: 3 of 100 days logged (97 missed); "
        "pass --rule calendar to import it that way"
    ) in output
    assert not Round.objects.filter(user=user).exists()


def test_import_log_rule_calendar_imports_a_finished_round(user, tmp_path):
    path = tmp_path / "log.md"
    path.write_bytes(COMMUNITY)
    out = StringIO()
    call_command("import_log", str(path), "--user", user.email, "--rule", "calendar", stdout=out)
    assert "today: Finished on June 11, 2024: 3 of 100 days logged (finished, 97 missed)" in out.getvalue()
    assert Round.objects.get(user=user).rule == "calendar"


def test_import_log_refuses_an_unknown_rule(user, tmp_path):
    path = tmp_path / "log.md"
    path.write_bytes(COMMUNITY)
    with pytest.raises(Exception, match="invalid choice"):
        call_command("import_log", str(path), "--user", user.email, "--rule", "lunar", stdout=StringIO())
    assert not Round.objects.filter(user=user).exists()

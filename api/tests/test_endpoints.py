from datetime import timedelta

import pytest

from journal import selectors
from journal.clock import today_for
from journal.models import Entry
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    return body


def test_me_says_who_the_token_belongs_to(api, user):
    response = api.get("/me")
    assert response.status_code == 200
    body = response.json()
    assert body["handle"] == "ada"
    assert body["token"] == {"name": "laptop", "scopes": ["read", "write"], "expires_at": None}
    assert body["today"] == today_for(user).isoformat()


def test_round_figures_are_the_dashboards(api, user):
    round = make_round(user, days_ago=5)
    log(round, 5, 4, 2, 1)
    body = api.get(f"/rounds/{round.number}").json()
    summary = selectors.round_summary(round)
    assert body["summary"]["day"] == summary.day == 5
    assert body["summary"]["current_streak"] == summary.current_streak == 2
    assert body["summary"]["missed"] == 1
    assert body["summary"]["percent"] == 4
    assert body["summary"]["status"] == "active"


def test_rounds_lists_mine_with_the_current_one(api, user, other_user):
    make_round(user, days_ago=50)
    make_round(user, days_ago=3)
    make_round(other_user)
    body = api.get("/rounds").json()
    assert [r["number"] for r in body["items"]] == [2, 1]
    assert body["current"] == 2


def test_put_creates_then_replaces_and_is_idempotent(api, user):
    round = make_round(user, days_ago=5)
    day = (today_for(user) - timedelta(days=2)).isoformat()
    data = {
        "progress": "Parsed **dates** <script>alert(1)</script>",
        "links": [{"url": "https://github.com/ada/parser", "label": "repo"}],
        "tags": ["Python", "#parsing"],
        "minutes": 75,
    }
    first = api.put(f"/rounds/1/entries/{day}", data)
    assert first.status_code == 201, first.content
    again = api.put(f"/rounds/1/entries/{day}", data)
    assert again.status_code == 200
    body = again.json()
    assert body["day"] == 1 and sorted(body["tags"]) == ["parsing", "python"]
    assert "<script>" not in body["progress_html"] and "<strong>dates</strong>" in body["progress_html"]
    assert body["links"] == [{"url": "https://github.com/ada/parser", "label": "repo"}]
    assert Entry.objects.filter(round=round).count() == 1
    replaced = api.put(f"/rounds/1/entries/{day}", {"progress": "Only this."}).json()
    assert replaced["links"] == [] and replaced["tags"] == [] and replaced["minutes"] is None


def test_put_refuses_a_future_date_with_the_forms_message(api, user):
    make_round(user, days_ago=5)
    tomorrow = (today_for(user) + timedelta(days=1)).isoformat()
    body = problem(api.put(f"/rounds/1/entries/{tomorrow}", {"progress": "Time travel"}), 422)
    assert body["errors"] == [{"field": "date", "message": "You can't log a day that hasn't happened yet."}]
    assert not Entry.objects.exists()


def test_post_today_creates_then_409_then_appends(api, user):
    round = make_round(user, days_ago=3)
    created = api.post("/today", {"progress": "- Fix the parser"})
    assert created.status_code == 201, created.content
    assert created.json()["date"] == today_for(user).isoformat()
    body = problem(api.post("/today", {"progress": "again"}), 409)
    assert body["errors"][0]["field"] == "date"
    appended = api.post("/today", {"progress": "- Add tests", "mode": "append", "tags": ["git"]})
    assert appended.status_code == 200
    entry = Entry.objects.get(round=round)
    assert entry.progress == "- Fix the parser\n- Add tests"
    assert entry.progress_html.count("<li>") == 2


def test_entries_page_with_a_cursor_and_since(api, user):
    round = make_round(user, days_ago=9)
    log(round, *range(9, -1, -1))
    first = api.get("/rounds/1/entries?limit=4").json()
    assert [e["day"] for e in first["items"]] == [1, 2, 3, 4]
    second = api.get(f"/rounds/1/entries?limit=4&cursor={first['next']}").json()
    assert [e["day"] for e in second["items"]] == [5, 6, 7, 8]
    third = api.get(f"/rounds/1/entries?limit=4&cursor={second['next']}").json()
    assert [e["day"] for e in third["items"]] == [9, 10] and third["next"] is None
    since = (today_for(user) - timedelta(days=1)).isoformat()
    assert [e["day"] for e in api.get(f"/rounds/1/entries?since={since}").json()["items"]] == [9, 10]
    problem(api.get("/rounds/1/entries?cursor=nonsense"), 400)


def test_delete_renumbers(api, user):
    round = make_round(user, days_ago=3)
    log(round, 3, 2, 1)
    day = (today_for(user) - timedelta(days=3)).isoformat()
    assert api.delete(f"/rounds/1/entries/{day}").status_code == 204
    assert list(round.entries.values_list("day", flat=True)) == [1, 2]
    problem(api.delete(f"/rounds/1/entries/{day}"), 404)


def test_another_users_round_is_a_404(api, other_user):
    make_round(other_user, visibility="private")
    make_round(other_user, visibility="public")
    problem(api.get("/rounds/1"), 404)
    problem(api.get("/rounds/2/entries"), 404)


def test_unknown_paths_and_methods_are_problems(api):
    problem(api.get("/nope"), 404)
    problem(api.post("/me", {}), 405)


def test_a_round_without_entries_has_its_figures_too(api, user):
    make_round(user, days_ago=0, target=30)
    summary = api.get("/rounds/1").json()["summary"]
    assert (summary["logged"], summary["day"], summary["target"], summary["logged_today"]) == (
        0,
        1,
        30,
        False,
    )

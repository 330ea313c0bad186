from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journal.clock import today_for
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_the_challenge_and_latest_public_entries(client, user, other_user):
    public = make_round(user, visibility="public")
    log(public, 0, progress="Public **work**")
    private = make_round(other_user, visibility="private")
    log(private, 0, progress="Secret diary")
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Code every day for 100 days" in body
    assert "Public <strong>work</strong>" in body
    assert "Secret diary" not in body


def test_a_new_participant_is_asked_to_start_a_round(auth_client):
    response = auth_client.get("/")
    assert "Start your round" in response.content.decode()


def test_the_dashboard_shows_the_day_streak_and_grid(auth_client, user):
    round = make_round(user, days_ago=4)
    log(round, 4, 3, 1)  # missed 2 days ago, today not logged yet
    body = auth_client.get("/").content.decode()
    assert "Day 4 of 100" in body  # three logged, today would be the fourth
    assert "Log today" in body
    assert "missed" in body
    assert body.count('<li class="logged">') == 3
    assert '<li class="today"' in body


def test_the_dashboard_warns_when_yesterday_was_missed(auth_client, user):
    round = make_round(user, days_ago=3)
    log(round, 3, 2)
    body = auth_client.get("/").content.decode()
    assert "Yesterday was missed." in body
    assert "one more missed day breaks the round" in body


def test_a_broken_round_says_so_and_offers_the_next_round(auth_client, user):
    round = make_round(user, days_ago=5)
    log(round, 5, 4)
    body = auth_client.get("/").content.decode()
    assert "This round is broken." in body
    assert "Start round 2" in body


def test_logging_today_hides_the_form(auth_client, user):
    round = make_round(user, days_ago=1)
    log(round, 1, 0)
    body = auth_client.get("/").content.decode()
    assert "Today is logged" in body
    assert "Day 2 of 100" in body
    assert 'name="progress"' not in body


@pytest.mark.parametrize("entries", [5, 60])
def test_the_dashboard_query_budget_does_not_grow_with_entries(auth_client, user, entries):
    round = make_round(user, days_ago=entries + 1)
    log(round, *range(entries + 1, 1, -1), tags="python django", links=[{"url": "https://example.com"}])
    auth_client.get("/")  # warm: session and user loaded once
    with CaptureQueriesContext(connection) as ctx:
        response = auth_client.get("/")
    assert response.status_code == 200
    # session, user, latest round, its dates, latest 5 entries, their tags, their links
    assert len(ctx.captured_queries) <= 8, [q["sql"] for q in ctx.captured_queries]


def test_the_dashboard_uses_the_users_local_date(auth_client, user, settings):
    user.time_zone = "Pacific/Kiritimati"
    user.save()
    round = make_round(user, days_ago=0)
    assert round.start_date == today_for(user)
    body = auth_client.get("/").content.decode()
    assert "Day 1 of 100" in body
    assert today_for(user) - timedelta(days=1) != round.start_date

from datetime import timedelta

import pytest

from journal.clock import today_for
from journal.models import Entry, Round
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


def test_my_rounds_lists_only_mine(auth_client, user, other_user):
    make_round(user, title="Mine")
    make_round(other_user, title="Theirs")
    body = auth_client.get("/rounds/").content.decode()
    assert "Mine" in body and "Theirs" not in body


def test_my_rounds_needs_sign_in_and_get(anon_client, auth_client):
    assert anon_client.get("/rounds/")["Location"].startswith("/accounts/login/")
    assert auth_client.post("/rounds/").status_code == 405


def test_starting_a_round_numbers_it_and_defaults_the_title(auth_client, user):
    response = auth_client.get("/rounds/new/")
    assert response.status_code == 200
    assert "Start round 1" in response.content.decode()
    data = {
        "start_date": today_for(user).isoformat(),
        "target": 100,
        "rule": "official",
        "visibility": "private",
        "title": "",
    }
    assert auth_client.post("/rounds/new/", data).status_code == 302
    assert auth_client.post("/rounds/new/", data).status_code == 302
    assert list(Round.objects.values_list("number", "title").order_by("number")) == [
        (1, "#100DaysOfCode R1"),
        (2, "#100DaysOfCode R2"),
    ]


@pytest.mark.parametrize("target", [0, 367, "abc"])
def test_a_bad_target_re_renders_with_an_error(auth_client, user, target):
    data = {
        "start_date": today_for(user).isoformat(),
        "target": target,
        "rule": "official",
        "visibility": "private",
    }
    response = auth_client.post("/rounds/new/", data)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Round.objects.exists()


def test_round_settings_owner_other_anonymous_and_method(auth_client, other_client, anon_client, user):
    round = make_round(user)
    url = f"/rounds/{round.number}/settings/"
    assert auth_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 404
    assert anon_client.get(url)["Location"].startswith("/accounts/login/")
    assert auth_client.put(url).status_code == 405


def test_changing_the_rule_renumbers_the_entries(auth_client, user):
    round = make_round(user, days_ago=5)
    log(round, 5, 3, 1)
    data = {
        "title": round.title,
        "start_date": round.start_date.isoformat(),
        "target": 100,
        "rule": "calendar",
        "visibility": "public",
        "description": "",
    }
    assert auth_client.post(f"/rounds/{round.number}/settings/", data).status_code == 302
    assert list(Entry.objects.order_by("date").values_list("day", flat=True)) == [1, 3, 5]


def test_a_start_date_after_existing_entries_is_refused(auth_client, user):
    round = make_round(user, days_ago=5)
    log(round, 5)
    data = {
        "title": round.title,
        "start_date": (today_for(user) - timedelta(days=1)).isoformat(),
        "target": 100,
        "rule": "official",
        "visibility": "public",
    }
    response = auth_client.post(f"/rounds/{round.number}/settings/", data)
    assert response.status_code == 200
    assert "dated before" in response.content.decode()
    round.refresh_from_db()
    assert round.start_date == today_for(user) - timedelta(days=5)


def test_deleting_a_round_asks_then_deletes(auth_client, other_client, anon_client, user):
    round = make_round(user)
    log(round, 1)
    url = f"/rounds/{round.number}/delete/"
    assert other_client.post(url).status_code == 404
    assert anon_client.post(url)["Location"].startswith("/accounts/login/")
    assert auth_client.put(url).status_code == 405
    assert "Its 1 entry is deleted" in auth_client.get(url).content.decode()
    assert auth_client.post(url).status_code == 302
    assert not Round.objects.exists() and not Entry.objects.exists()

from datetime import timedelta

import pytest

from journal.clock import today_for
from journal.models import Entry
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def round(user):
    return make_round(user, days_ago=5, visibility="private")


def _post_entry(client, round, **data):
    data.setdefault("progress", "Wrote tests")
    data.setdefault("date", today_for(round.user).isoformat())
    data["round"] = round.number
    return client.post("/log/", data)


# --- create ---------------------------------------------------------------


def test_the_owner_can_open_the_log_form_with_today_as_default(auth_client, round):
    response = auth_client.get("/log/")
    assert response.status_code == 200
    assert f'value="{today_for(round.user).isoformat()}"' in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, round):
    response = client.get("/log/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_log_form_refuses_other_methods(auth_client, round):
    assert auth_client.put("/log/").status_code == 405


def test_another_users_round_is_a_404(other_client, round):
    assert other_client.get(f"/log/?round={round.number}").status_code == 404
    response = other_client.post("/log/", {"round": round.number, "progress": "x", "date": "2020-01-01"})
    assert response.status_code == 404
    assert not Entry.objects.exists()


def test_logging_today_creates_day_one_and_shows_it(auth_client, round, user):
    round.start_date = today_for(user)
    round.save()
    response = _post_entry(
        auth_client,
        round,
        progress="**Bold** start",
        tags="Python, #django",
        links="Repo https://example.com/repo",
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.day == 1
    assert [t.name for t in entry.tags.all()] == ["django", "python"]
    assert entry.links.get().label == "Repo"
    page = auth_client.get(response["Location"])
    assert "<strong>Bold</strong> start" in page.content.decode()
    assert "Day 1 of 100" in page.content.decode()


def test_it_refuses_a_future_date(auth_client, round, user):
    tomorrow = today_for(user) + timedelta(days=1)
    response = _post_entry(auth_client, round, date=tomorrow.isoformat())
    assert response.status_code == 400
    assert "hasn&#x27;t happened yet" in response.content.decode()
    assert not Entry.objects.exists()


def test_it_refuses_a_date_before_the_start(auth_client, round):
    response = _post_entry(auth_client, round, date=(round.start_date - timedelta(days=1)).isoformat())
    assert response.status_code == 400
    assert "This round starts on" in response.content.decode()
    assert not Entry.objects.exists()


def test_a_second_entry_for_the_same_date_is_a_form_error_not_a_500(auth_client, round):
    assert _post_entry(auth_client, round).status_code == 302
    response = _post_entry(auth_client, round)
    assert response.status_code == 400
    assert "already logged" in response.content.decode()
    assert Entry.objects.count() == 1


def test_a_backfill_renumbers_the_later_days(auth_client, round, user):
    log(round, 3, 1)
    response = _post_entry(auth_client, round, date=(today_for(user) - timedelta(days=2)).isoformat())
    assert response.status_code == 302
    assert list(Entry.objects.order_by("date").values_list("day", flat=True)) == [1, 2, 3]


def test_a_bad_link_is_explained(auth_client, round):
    response = _post_entry(auth_client, round, links="javascript:alert(1)")
    assert response.status_code == 400
    assert "not a web address" in response.content.decode()
    assert not Entry.objects.exists()


def test_an_empty_progress_is_refused(auth_client, round):
    response = _post_entry(auth_client, round, progress="")
    assert response.status_code == 400
    assert not Entry.objects.exists()


# --- edit -----------------------------------------------------------------


def _edit_url(entry):
    return f"/rounds/{entry.round.number}/{entry.date.isoformat()}/edit/"


def test_the_owner_edits_an_entry(auth_client, round):
    entry = log(round, 2)
    response = auth_client.get(_edit_url(entry))
    assert response.status_code == 200
    assert "Worked on it." in response.content.decode()
    response = auth_client.post(
        _edit_url(entry), {"date": entry.date.isoformat(), "progress": "Changed _it_", "round": round.number}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.progress_html == "<p>Changed <em>it</em></p>"


def test_another_user_cannot_edit(other_client, round):
    entry = log(round, 2)
    assert other_client.get(_edit_url(entry)).status_code == 404
    assert (
        other_client.post(
            _edit_url(entry), {"date": entry.date.isoformat(), "progress": "hacked"}
        ).status_code
        == 404
    )
    entry.refresh_from_db()
    assert entry.progress == "Worked on it."


def test_editing_needs_sign_in(client, round):
    entry = log(round, 2)
    assert client.get(_edit_url(entry))["Location"].startswith("/accounts/login/")


def test_editing_refuses_other_methods(auth_client, round):
    entry = log(round, 2)
    assert auth_client.delete(_edit_url(entry)).status_code == 405


def test_moving_an_entry_onto_a_logged_date_is_refused(auth_client, round):
    first, second = log(round, 3, 2)
    response = auth_client.post(_edit_url(second), {"date": first.date.isoformat(), "progress": "x"})
    assert response.status_code == 400
    assert "already logged" in response.content.decode()


# --- delete ---------------------------------------------------------------


def _delete_url(entry):
    return f"/rounds/{entry.round.number}/{entry.date.isoformat()}/delete/"


def test_delete_asks_first_then_deletes_on_post_and_renumbers(auth_client, round):
    first, second, third = log(round, 4, 3, 2)
    response = auth_client.get(_delete_url(second))
    assert response.status_code == 200
    assert "Delete day 2" in response.content.decode()
    assert Entry.objects.count() == 3
    assert auth_client.post(_delete_url(second)).status_code == 302
    third.refresh_from_db()
    assert third.day == 2
    assert Entry.objects.count() == 2


def test_another_user_cannot_delete(other_client, round):
    entry = log(round, 2)
    assert other_client.post(_delete_url(entry)).status_code == 404
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_delete_needs_sign_in(client, round):
    entry = log(round, 2)
    assert client.post(_delete_url(entry))["Location"].startswith("/accounts/login/")
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_delete_refuses_other_methods(auth_client, round):
    entry = log(round, 2)
    assert auth_client.put(_delete_url(entry)).status_code == 405


def test_the_date_field_keeps_iso_dates_in_spanish(auth_client, round, user):
    # <input type=date> only understands YYYY-MM-DD: a localized value would show empty.
    user.language = "es"
    user.save()
    body = auth_client.get("/log/").content.decode()
    assert f'value="{today_for(user).isoformat()}"' in body
    response = _post_entry(auth_client, round)
    assert response.status_code == 302


def test_the_dashboard_shows_the_round_that_started_last(auth_client, user):
    current = make_round(user, days_ago=3, title="Current")
    log(current, 3, 2, 1)
    old = make_round(user, days_ago=900, title="Imported old log")
    log(old, 900, 899)
    assert old.number > current.number
    body = auth_client.get("/").content.decode()
    assert "Current" in body and "Imported old log" not in body


def test_a_broken_rounds_grid_stops_where_it_broke(auth_client, user):
    round = make_round(user, days_ago=400, title="Abandoned")
    log(round, 400, 399)
    body = auth_client.get(f"/@{user.handle}/r{round.number}/").content.decode()
    assert "This round is broken." in body
    assert body.count('<li class="missed') == 2
    assert body.count('<li class="missed break"') == 1

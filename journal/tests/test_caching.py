import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journal import caching, services
from journal.models import Round
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _round(user):
    return Round.objects.select_related("user").get(user=user)


def test_an_edited_entry_shows_on_the_dashboard_at_once(auth_client, user):
    round = make_round(user, days_ago=3)
    entry = log(round, 1, progress="First **draft**")
    assert "First <strong>draft</strong>" in auth_client.get("/").content.decode()  # cached now

    services.update_entry(entry, progress="Second *version*")

    body = auth_client.get("/").content.decode()
    assert "Second <em>version</em>" in body
    assert "First" not in body


def test_logging_today_hides_the_form_at_once(auth_client, user):
    round = make_round(user, days_ago=2)
    log(round, 2, 1)
    assert 'name="progress"' in auth_client.get("/").content.decode()

    log(round, 0)

    body = auth_client.get("/").content.decode()
    assert 'name="progress"' not in body
    assert "Today is logged" in body


def test_a_deleted_entry_leaves_the_dashboard_at_once(auth_client, user):
    round = make_round(user, days_ago=2)
    entry = log(round, 1, progress="Soon gone")
    assert "Soon gone" in auth_client.get("/").content.decode()

    services.delete_entry(entry)

    assert "Soon gone" not in auth_client.get("/").content.decode()


def test_a_new_handle_changes_the_links_at_once(auth_client, user):
    round = make_round(user, days_ago=2)
    log(round, 1)
    assert "/@ada/r1/" in auth_client.get("/").content.decode()

    user.handle = "lovelace"
    user.save()

    body = auth_client.get("/").content.decode()
    assert "/@lovelace/r1/" in body
    assert "/@ada/" not in body


def test_the_cached_page_holds_no_csrf_token_and_each_response_gets_one(auth_client, user):
    round = make_round(user, days_ago=2)
    log(round, 1)
    body = auth_client.get("/").content.decode()
    assert caching.CSRF_PLACEHOLDER not in body
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert len(tokens) >= 2  # the log-today form, sign out, language
    user = get_user_model().objects.get(pk=user.pk)
    key = caching.journal_fragment_key(
        _round(user), "en", True, kind="dashboard", extra=(user.pk, user.email, "/")
    )
    cached = cache.get(key)
    assert cached is not None
    assert caching.CSRF_PLACEHOLDER in cached
    assert not any(token in cached for token in tokens)


def test_a_waiting_message_is_shown_on_a_cached_page(auth_client, user, rf):
    round = make_round(user, days_ago=2)
    log(round, 1)
    auth_client.get("/")  # cached
    auth_client.cookies["messages"] = CookieStorage(rf.get("/"))._encode(
        [Message(20, "Hello from the server")]
    )
    assert "Hello from the server" in auth_client.get("/").content.decode()


def test_a_cached_dashboard_costs_four_queries_whatever_the_entries(auth_client, user):
    round = make_round(user, days_ago=70)
    log(round, *range(70, 0, -1), tags="python", links=[{"url": "https://example.com"}])
    auth_client.get("/")  # fills the cache
    with CaptureQueriesContext(connection) as ctx:
        response = auth_client.get("/")
    assert response.status_code == 200
    # session, user, latest round (+user), the cached page (database cache)
    assert len(ctx.captured_queries) <= 4, [q["sql"] for q in ctx.captured_queries]


def test_the_key_changes_with_version_day_language_and_viewer(user):
    round = make_round(user, days_ago=2)
    round = _round(user)
    today = services.today_for(user)
    key = caching.journal_fragment_key(round, "en", False, today=today)
    assert key == caching.journal_fragment_key(round, "en", False, today=today)
    assert key != caching.journal_fragment_key(round, "es", False, today=today)
    assert key != caching.journal_fragment_key(round, "en", True, today=today)
    assert key != caching.journal_fragment_key(round, "en", False, today=today + timedelta(days=1))
    assert key != caching.journal_fragment_key(round, "en", False, today=today, kind="entry")
    log(round, 1)
    assert key != caching.journal_fragment_key(_round(user), "en", False, today=today)


def test_the_visitor_home_shows_an_edit_a_new_name_and_a_hidden_round_at_once(client, user):
    round = make_round(user, days_ago=3, visibility="public")
    entry = log(round, 1, progress="Public *draft*")
    assert "Public <em>draft</em>" in client.get("/").content.decode()  # cached now

    services.update_entry(entry, progress="Public **final**")
    assert "Public <strong>final</strong>" in client.get("/").content.decode()

    user.display_name = "Ada Lovelace"
    user.save()
    assert "Ada Lovelace" in client.get("/").content.decode()

    services.update_round(_round(user), visibility="private")
    assert "Public <strong>final</strong>" not in client.get("/").content.decode()


def test_a_cached_visitor_home_costs_two_queries(client, user):
    round = make_round(user, days_ago=8, visibility="public")
    log(round, *range(8, 0, -1), tags="python", links=[{"url": "https://example.com"}])
    client.get("/")  # fills the cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    assert b"Latest public entries" in response.content
    # latest public entries (+round+user), the cached page (database cache)
    assert len(ctx.captured_queries) <= 2, [q["sql"] for q in ctx.captured_queries]

"""The signed-in user read from Redis (REDIS_URL set): no SQL, and every change seen at once."""

import pytest
from django.core.cache import cache

from journal.tests import budget
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _redis(redis_cache):
    """Redis as the cache and the session cache, as with REDIS_URL set (conftest.py)."""


def _dashboard(client):
    response, ctx = budget.request(client, "/")  # the home answers 200 signed in or not
    return response, [q["sql"] for q in ctx.captured_queries]


def test_a_kept_dashboard_costs_no_sql_at_all(auth_client, user):
    round = make_round(user, days_ago=30)
    log(round, *range(30, 0, -1), tags="python")
    auth_client.get("/")
    auth_client.get("/")
    response, queries = _dashboard(auth_client)
    assert response.status_code == 200 and b"Day 31 of 100" in response.content
    assert queries == []  # session, user, tokens and page all come from the cache


def test_a_new_password_signs_out_the_other_sessions_at_once(client, auth_client, user):
    assert _dashboard(auth_client)[0].status_code == 200
    user.set_password("a brand new passphrase")
    user.save()
    response, _queries = _dashboard(auth_client)
    assert b"Sign in with Google" in response.content or b"Sign in" in response.content
    assert b"Log today" not in response.content


def test_a_deactivated_user_is_signed_out_at_once(auth_client, user):
    assert b"Start your round" in _dashboard(auth_client)[0].content
    user.is_active = False
    user.save()
    assert b"Start your round" not in _dashboard(auth_client)[0].content


def test_a_new_language_shows_at_once(auth_client, user):
    make_round(user, days_ago=1)  # active: "Log today" shows (three unlogged days would break it)
    assert 'lang="en"' in _dashboard(auth_client)[0].content.decode()
    user.language = "es"
    user.save()
    body = _dashboard(auth_client)[0].content.decode()
    assert 'lang="es"' in body and "Registra hoy" in body


def test_one_redis_client_serves_every_call():
    backend = cache._cache
    assert backend.get_client("a") is backend.get_client("b")
    cache.set("k", 1)
    assert cache.get("k") == 1

"""Problem details for every error under /api/, rate limits, token states and query budgets."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import services
from api.models import Token
from journal.models import Entry
from journal.tests.budget import statements
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nope", "Basic YWRhOnB3", "Bearer hd_" + "x" * 43])
def test_no_valid_token_is_a_401_problem(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/me", **extra)
    problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_expired_token_or_an_inactive_user_is_a_401(client, user):
    _t, expired = services.create_token(user, name="old", expires_at=timezone.now() - timedelta(seconds=1))
    problem(client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {expired}"), 401)
    _t, raw = services.create_token(user, name="fine")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    user.is_active = False
    user.save()
    problem(client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}"), 401)


def test_djangos_own_error_pages_are_problems_under_the_api(api, client):
    body = problem(client.get("/api/v1/no/such/thing"), 404)
    assert body["type"] == "about:blank"
    problem(client.get("/api/v2/me"), 404)
    # A POST carrying the session cookie to a page outside the API keeps its HTML page.
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_malformed_json_is_a_400_and_a_wrong_shape_a_422_naming_the_fields(api, user):
    make_round(user, days_ago=1)
    problem(api.post("/today", "{not json"), 400)
    body = problem(api.post("/today", {"progress": "", "minutes": 2000, "links": [{"label": "x"}]}), 422)
    assert {e["field"] for e in body["errors"]} == {"progress", "minutes", "links.0.url"}
    body = problem(api.post("/today", {"progress": "x", "links": [{"url": "ftp://example.com/x"}]}), 422)
    assert body["errors"][0]["field"] == "links"
    assert not Entry.objects.exists()


def test_a_body_over_the_limit_is_a_413_problem(api, user, settings):
    make_round(user, days_ago=1)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = problem(api.post("/today", {"progress": "x" * 20_000}), 413)
    assert body["type"] == "urn:hundreddays:problem:too-large"
    assert not Entry.objects.exists()


def test_an_unexpected_error_is_a_500_problem_and_is_logged(api, user, caplog):
    make_round(user, days_ago=1)
    with mock.patch("api.endpoints.selectors.round_summary", side_effect=RuntimeError("boom")):
        body = problem(api.get("/rounds/1"), 500)
    assert "boom" not in body["detail"]
    assert "API error on GET /api/v1/rounds/1" in caplog.text


def test_the_rate_limit_is_a_429_with_retry_after(api, user, settings):
    cache.clear()
    settings.API_READS_PER_MINUTE = 3
    for _ in range(3):
        assert api.get("/me").status_code == 200
    response = api.get("/me")
    body = problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 61
    assert body["type"] == "urn:hundreddays:problem:rate-limited"
    # Writes count apart: a writer is not starved by its own reads.
    make_round(user, days_ago=1)
    assert api.post("/today", {"progress": "Still logged"}).status_code == 201


def test_the_rate_limit_lets_requests_through_when_the_cache_fails(api, settings):
    settings.API_READS_PER_MINUTE = 1
    with mock.patch("api.ratelimit.cache.incr", side_effect=ConnectionError("cache down")):
        for _ in range(3):
            assert api.get("/me").status_code == 200


def test_a_rule_of_the_challenge_is_a_422_with_the_forms_message(api, user):
    round = make_round(user, days_ago=1, target=1)
    log(round, 1)
    body = problem(api.post("/today", {"progress": "One more"}), 422)
    assert body["detail"] == "This round is complete: all 1 days are logged."


def test_no_round_yet_is_a_409(api):
    body = problem(api.post("/today", {"progress": "Day one"}), 409)
    assert body["detail"] == "Start a round first."


def test_messages_follow_the_users_language(api, user):
    user.language = "es"
    user.save()
    body = problem(api.post("/today", {"progress": "Día uno"}), 409)
    assert body["detail"] == "Primero empieza una ronda."


def test_last_used_is_written_at_most_once_a_minute(api, user):
    with CaptureQueriesContext(connection) as first:
        api.get("/me")
    with CaptureQueriesContext(connection) as second:
        api.get("/me")
    writes = [q for q in statements(first) if q.startswith("UPDATE")]
    assert len(writes) == 1 and "api_token" in writes[0]
    assert not [q for q in statements(second) if q.startswith("UPDATE") and "api_token" in q]
    assert Token.objects.get().last_used_at is not None


def test_query_budgets(redis_cache, api, user):
    # Every statement, with the cache in Redis as production runs it (the rate limit's counter
    # is then no SQL).
    round = make_round(user, days_ago=30)
    log(round, *range(30, 0, -1), tags=["python"])
    api.get("/me")  # last_used_at written
    budgets = {
        "/me": 1,  # the token with its user
        "/rounds": 3,  # token, rounds, their dates
        # token, round with its dates (PostgreSQL: one hand-written query; SQLite: round, dates)
        "/rounds/1": 2 if connection.vendor == "postgresql" else 3,
        "/rounds/1/entries?limit=100": 5,  # token, round, entries, tags, links
        f"/rounds/1/entries/{round.start_date.isoformat()}": 5,
    }
    for path, budget in budgets.items():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(path).status_code == 200
        assert len(statements(ctx)) == budget, (path, statements(ctx))


def test_the_hand_written_token_query_loads_the_same_token_and_user_as_the_orm(user):
    token, raw = services.create_token(user, name="same", can_write=True)
    loaded = services.authenticate(raw)
    expected = Token.objects.select_related("user").get(pk=token.pk)
    for field in Token._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    for field in type(user)._meta.concrete_fields:
        assert getattr(loaded.user, field.attname) == getattr(expected.user, field.attname), field.name
    assert loaded.user.is_authenticated and not loaded._state.adding

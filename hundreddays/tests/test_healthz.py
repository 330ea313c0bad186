from unittest import mock

import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_it_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_unreachable(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_it_refuses_post(client):
    assert client.post("/healthz").status_code == 405


def test_readyz_reports_the_database_and_the_cache(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_says_degraded_when_the_cache_does_not_answer(client, db, settings):
    # Nothing listens on port 1: every cache call fails at once.
    settings.CACHES = {
        "default": {"BACKEND": "hundreddays.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["cache"] == "degraded" and body["error"]
    assert client.get("/healthz").status_code == 200

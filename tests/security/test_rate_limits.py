"""Rate limits: allauth's, kept in the shared cache, and the admin has no sign-in of its own."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LIMITED = "Too many failed login attempts"


@pytest.fixture
def user(user, confirmed):
    """Ada signs in with her password: her address is confirmed."""
    return confirmed(user)


def attempt(client, email, password="wrong password", **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def refused(response):
    return response.status_code == 429 or LIMITED in response.content.decode()


def test_the_limits_are_on_and_the_cache_is_shared_between_processes():
    assert settings.ACCOUNT_RATE_LIMITS is not False
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"].startswith("10/m/ip")
    backend = settings.CACHES["default"]["BACKEND"]
    # Every gunicorn worker must see the same counters: the database or Redis, never per-process memory
    # (both wrapped so that an unreachable cache fails the limits open, never the sign-in).
    assert backend in ("hundreddays.cache.DatabaseCache", "hundreddays.cache.RedisCache"), backend


def test_the_11th_failed_sign_in_within_a_minute_is_refused(user):
    client = Client()
    # Ten different addresses (the per-address limit is lower): the per-client limit is what counts.
    for n in range(10):
        response = attempt(client, f"guess{n}@example.com")
        assert response.status_code == 200 and not refused(response), n
    assert refused(attempt(client, "guess10@example.com"))
    # Even the right password is refused now, for this client.
    assert refused(attempt(client, user.email, PASSWORD))
    assert client.session.get("_auth_user_id") is None
    # The counter is in the cache that all workers share.
    assert any(key.startswith(":1:allauth:rl:allauth.account:login_failed") for key in _cache_keys())


def _cache_keys():
    from django.db import connection

    table = settings.CACHES["default"].get("LOCATION")
    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key FROM {connection.ops.quote_name(table)}")  # noqa: S608
            return [row[0] for row in cursor.fetchall()]
    return [key.decode() for key in cache._cache.get_client().keys("*")]  # Redis


def test_a_forged_x_forwarded_for_does_not_reset_the_count(user):
    client = Client()
    for n in range(10):
        attempt(client, f"guess{n}@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert refused(attempt(client, "guess10@example.com", HTTP_X_FORWARDED_FOR="198.51.100.7"))


def test_one_address_is_limited_after_five_failures_from_anywhere(user):
    for n in range(5):
        attempt(Client(REMOTE_ADDR=f"192.0.2.{n}"), user.email)
    assert refused(attempt(Client(REMOTE_ADDR="192.0.2.99"), user.email, PASSWORD))


def test_the_admin_has_no_password_form_of_its_own(make_user):
    """Its sign-in sends to allauth's, so the same limits apply; a POST there checks no password."""
    staff = make_user("boss@example.com", is_staff=True, is_superuser=True, handle="boss")
    client = Client()
    response = client.post(
        f"/{settings.ADMIN_URL}login/", {"username": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.session.get("_auth_user_id") is None  # no password was checked, right or wrong
    login = response["Location"]
    for n in range(10):
        client.post(login, {"login": f"guess{n}@example.com", "password": "wrong"})
    assert refused(client.post(login, {"login": staff.email, "password": PASSWORD}))
    assert client.get(f"/{settings.ADMIN_URL}").status_code == 302


def test_the_staff_member_gets_in_when_not_limited(make_user, confirmed):
    staff = confirmed(make_user("boss@example.com", is_staff=True, is_superuser=True, handle="boss"))
    client = Client()
    login = client.get(f"/{settings.ADMIN_URL}login/")["Location"]
    response = client.post(login, {"login": staff.email, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/{settings.ADMIN_URL}"


def test_password_reset_requests_are_limited(user):
    client = Client()
    statuses = [client.post("/accounts/password/reset/", {"email": user.email}).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]

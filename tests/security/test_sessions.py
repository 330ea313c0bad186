"""Sessions: production cookies, a new session key at sign-in, and sign-out that really ends it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
COOKIE_SETTINGS = (
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_DOMAIN",
    "CSRF_COOKIE_PATH",
    "LANGUAGE_COOKIE_NAME",
)


@pytest.fixture
def user(user, confirmed):
    """Ada signs in with her password: her address is confirmed."""
    return confirmed(user)


def production_settings(**extra_env) -> dict:
    """hundreddays.settings as production imports it: a fresh interpreter with a production environment."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "production-like-test-key-" + "x1y2z3" * 10,
        "DJANGO_ALLOWED_HOSTS": "hundreddays.example.com",
        **extra_env,
    }
    code = (
        "import json, hundreddays.settings as s; from django.conf import global_settings as g; "
        f"print(json.dumps({{k: getattr(s, k, getattr(g, k)) for k in {COOKIE_SETTINGS!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def production():
    return production_settings()


def test_production_cookies_are_host_only_secure_and_lax(production):
    assert production["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert production["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert production["SESSION_COOKIE_SECURE"] is True and production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == production["CSRF_COOKIE_SAMESITE"] == "Lax"
    # __Host- cookies must have no Domain and Path=/, or browsers drop them.
    assert production["SESSION_COOKIE_DOMAIN"] is None and production["CSRF_COOKIE_DOMAIN"] is None
    assert production["SESSION_COOKIE_PATH"] == production["CSRF_COOKIE_PATH"] == "/"


def test_behind_a_proxy_that_redirects_the_cookies_stay_the_same():
    """DJANGO_SECURE_SSL_REDIRECT=false (the proxy redirects) changes nothing about the cookies."""
    assert production_settings(DJANGO_SECURE_SSL_REDIRECT="false") == production_settings()


def sign_in(client, email="ada@example.com", password=PASSWORD, secure=False, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password, **extra}, secure=secure)


def test_the_cookies_a_browser_gets_in_production(production, user, settings):
    """What the Set-Cookie headers say, with the production cookie settings, over HTTPS."""
    for name in ("SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE"):
        setattr(settings, name, production[name])
    client = Client()
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies[production["CSRF_COOKIE_NAME"]]
    response = sign_in(client, secure=True)
    assert response.status_code == 302
    session = response.cookies[production["SESSION_COOKIE_NAME"]]
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
    assert session["httponly"] is True
    language = client.post("/account/language/", {"language": "es"}, secure=True).cookies[
        settings.LANGUAGE_COOKIE_NAME
    ]
    assert language["secure"] is True and language["httponly"] is True and language["samesite"] == "Lax"


def session_cookie(client):
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


def test_the_session_key_changes_at_sign_in(user):
    client = Client()
    # A session the visitor (or someone who planted the cookie) already had.
    planted = SessionStore()
    planted["cart"] = "anything"
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert sign_in(client).status_code == 302
    after = session_cookie(client)
    assert after and after != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()
    # Whoever kept the planted cookie is not signed in.
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert attacker.get("/account/")["Location"].startswith("/accounts/login/")


def test_the_session_key_changes_even_without_an_earlier_session(user):
    first, second = Client(), Client()
    sign_in(first)
    sign_in(second)
    assert session_cookie(first) != session_cookie(second)


def test_sign_out_ends_the_session_on_the_server(user):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert sign_in(client, csrfmiddlewaretoken=token).status_code == 302
    old = session_cookie(client)
    assert client.get("/account/").status_code == 200
    token = client.cookies[settings.CSRF_COOKIE_NAME].value  # rotated at sign-in
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=old).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old
    assert replay.get("/account/")["Location"].startswith("/accounts/login/")
    home = replay.get("/").content.decode()
    assert 'action="/accounts/logout/"' not in home and 'href="/accounts/login/"' in home


def test_sign_out_needs_a_post_with_a_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/accounts/logout/")  # a page asking to confirm; a link cannot sign anyone out
    assert client.post("/accounts/logout/").status_code == 403
    assert client.get("/account/").status_code == 200


def test_a_password_change_signs_out_the_other_sessions(user):
    laptop, phone = Client(), Client()
    sign_in(laptop)
    sign_in(phone)
    response = laptop.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a brand new passphrase 42",
            "password2": "a brand new passphrase 42",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/")["Location"].startswith("/accounts/login/")

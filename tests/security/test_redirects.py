"""Open redirects: a ``next`` that points to another host is ignored everywhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from accounts.tests.fake_google import fake_google, fake_google_server  # noqa: F401

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
ELSEWHERE = [
    "https://evil.example/",
    "http://evil.example/path",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https:/evil.example",
    " //evil.example",
    "\t//evil.example",
    "/%2F%2Fevil.example",
    "https://testserver@evil.example/",
    "https://testserver.evil.example/",
    "javascript:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
]


def assert_stays_here(response, where):
    assert response.status_code in (301, 302, 303), f"{where}: {response.status_code}"
    location = response["Location"]
    assert url_has_allowed_host_and_scheme(location, {"testserver"}, require_https=False), (where, location)
    parts = urlsplit(location)
    assert parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver"), (where, location)
    # A path on this site ("/%2F%2Fevil.example" is one: a 404 here), never one a browser reads as a host.
    assert not location.lstrip().replace("\\", "/").startswith("//"), (where, location)
    return location


@pytest.mark.parametrize("target", ELSEWHERE)
def test_sign_in(user, target):
    response = Client().post("/accounts/login/", {"login": user.email, "password": PASSWORD, "next": target})
    assert_stays_here(response, "sign-in (form field)")
    response = Client().post("/accounts/login/?next=" + target, {"login": user.email, "password": PASSWORD})
    assert_stays_here(response, "sign-in (query string)")


@pytest.mark.parametrize("target", ELSEWHERE)
def test_sign_in_page_for_someone_already_signed_in(auth_client, target):
    assert_stays_here(auth_client.get("/accounts/login/", {"next": target}), "sign-in page, signed in")


@pytest.mark.parametrize("target", ELSEWHERE)
def test_sign_up(db, target):
    response = Client().post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD, "next": target},
    )
    assert_stays_here(response, "sign-up")
    assert User.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize("target", ELSEWHERE)
def test_sign_out(auth_client, target):
    assert_stays_here(auth_client.post("/accounts/logout/", {"next": target}), "sign-out")
    assert auth_client.get("/account/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("target", ELSEWHERE)
@pytest.mark.parametrize("signed_in", [False, True])
def test_language_switch(client, user, target, signed_in):
    if signed_in:
        client.force_login(user)
    for language in ("es", "nope"):
        response = client.post("/account/language/", {"language": language, "next": target})
        assert_stays_here(response, "language switch")


def test_the_language_switch_keeps_a_local_next():
    response = Client().post("/account/language/", {"language": "es", "next": "/explore/?page=2"})
    assert response["Location"] == "/explore/?page=2"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_admin_sign_in(user, target):
    client = Client()
    response = client.get("/admin/login/", {"next": target})
    location = assert_stays_here(response, "admin sign-in")
    # On to allauth's sign-in, which ignores the foreign next in its turn.
    response = client.post(location, {"login": user.email, "password": PASSWORD})
    assert_stays_here(response, "admin sign-in, then allauth")


@pytest.mark.parametrize("target", ELSEWHERE[:6])
def test_the_google_sign_in_start_and_its_return(client, fake_google, target):  # noqa: F811
    """next= on the Google button: the round trip through (a fake) Google ends on this site."""
    start = client.post("/accounts/google/login/", {"next": target})
    assert start.status_code == 302
    assert start["Location"].startswith(fake_google.authorize_url + "?")
    callback = fake_google.approve(start["Location"])
    final = client.get(callback)
    assert_stays_here(final, "Google sign-in")
    assert client.session.get("_auth_user_id")
    # The same, with next= in the query string of the start URL.
    client.logout()
    start = client.post("/accounts/google/login/?next=" + target)
    assert_stays_here(client.get(fake_google.approve(start["Location"])), "Google sign-in (query string)")

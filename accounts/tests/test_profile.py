"""The profile settings page (/account/) and the language switch (/account/language/)."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
LANGUAGE = reverse("accounts:set-language")


def valid(**changes):
    data = {
        "display_name": "Ada L.",
        "handle": "ada",
        "time_zone": "UTC",
        "rollover_hour": "0",
        "language": "",
        "reminders": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def saved_fields(user):
    user = User.objects.get(pk=user.pk)
    return (user.display_name, user.handle, user.time_zone, user.rollover_hour, user.language, user.reminders)


# --- The four tests every view gets ---


def test_the_owner_sees_their_settings(auth_client, user):
    response = auth_client.get(PROFILE)
    assert response.status_code == 200
    assert response.context["form"].instance == user
    assert b"ada@example.com" in response.content
    assert b'value="ada"' in response.content


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert f"next={PROFILE}" in response["Location"]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_refuses_other_methods(auth_client, method):
    assert getattr(auth_client, method)(PROFILE).status_code == 405


def test_it_never_shows_another_users_data(auth_client, other_user):
    other_user.display_name = "Grace Hopper"
    other_user.time_zone = "Pacific/Kiritimati"
    other_user.save()
    content = auth_client.get(PROFILE).content.decode()
    assert "grace@example.com" not in content
    assert "Grace Hopper" not in content
    assert 'value="grace"' not in content
    assert 'value="Pacific/Kiritimati" selected' not in content


# --- Saving ---


def test_it_saves_the_settings(auth_client, user):
    response = auth_client.post(
        PROFILE,
        valid(
            display_name="Ada Lovelace",
            handle="Lovelace",
            time_zone="Europe/Madrid",
            rollover_hour="3",
            language="es",
            reminders=None,
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert saved_fields(user) == ("Ada Lovelace", "lovelace", "Europe/Madrid", 3, "es", False)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_it_confirms_the_save(auth_client):
    response = auth_client.post(PROFILE, valid(language="en"), follow=True)
    assert response.redirect_chain == [(PROFILE, 302)]
    assert [str(m) for m in response.context["messages"]] == ["Your settings are saved."]


def test_it_keeps_the_owners_own_handle(auth_client, user):
    assert auth_client.post(PROFILE, valid(handle="ada", display_name="Same handle")).status_code == 302
    assert saved_fields(user)[:2] == ("Same handle", "ada")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"handle": "grace"}, "handle"),  # taken
        ({"handle": "GRACE"}, "handle"),  # taken, in another case
        ({"handle": "no spaces!"}, "handle"),
        ({"handle": "-dash-first"}, "handle"),
        ({"handle": "admin"}, "handle"),  # reserved
        ({"handle": ""}, "handle"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"rollover_hour": "9"}, "rollover_hour"),
        ({"rollover_hour": "-1"}, "rollover_hour"),
        ({"language": "fr"}, "language"),
    ],
)
def test_it_shows_an_error_and_changes_nothing(auth_client, user, other_user, changes, field):
    before = saved_fields(user)
    response = auth_client.post(PROFILE, valid(display_name="Changed", **changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert form.errors[field][0] in response.content.decode()
    assert saved_fields(user) == before
    assert saved_fields(other_user)[1] == "grace"


def test_it_says_a_taken_handle_is_taken(auth_client, other_user):
    response = auth_client.post(PROFILE, valid(handle="grace"))
    assert response.context["form"].errors["handle"] == ["This handle is taken."]


# --- The language switch ---


def test_the_language_switch_refuses_get(auth_client):
    assert auth_client.get(LANGUAGE).status_code == 405


def test_the_language_switch_saves_the_language_of_a_signed_in_user(auth_client, user):
    response = auth_client.post(LANGUAGE, {"language": "es", "next": "/rounds/"})
    assert response.status_code == 302
    assert response["Location"] == "/rounds/"
    assert User.objects.get(pk=user.pk).language == "es"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_the_language_switch_sets_only_a_cookie_for_a_visitor(client, user):
    response = client.post(LANGUAGE, {"language": "es", "next": "/explore/"})
    assert response["Location"] == "/explore/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert User.objects.get(pk=user.pk).language == ""


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
    ],
)
def test_the_language_switch_ignores_a_next_on_another_host(auth_client, next_url):
    response = auth_client.post(LANGUAGE, {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_language_switch_ignores_an_unknown_language(auth_client, user):
    response = auth_client.post(LANGUAGE, {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# --- The CSRF check: on what is saved, not on a visitor's own cookie ---


def test_a_visitor_reads_public_pages_without_a_token_or_a_cookie_and_switches_language(user):
    from django.test import Client

    from journal.tests.factories import log, make_round

    log(make_round(user, days_ago=3), 1, progress="Read the *docs*.")
    visitor = Client(enforce_csrf_checks=True)
    for path in ("/@ada/", "/@ada/r1/", "/explore/", "/@ada/r1/stats/"):
        page = visitor.get(path)
        assert page.status_code == 200
        assert "csrfmiddlewaretoken" not in page.content.decode(), path
        assert not page.cookies, (path, list(page.cookies))
        assert f'action="{LANGUAGE}"' in page.content.decode()
    response = visitor.post(LANGUAGE, {"language": "es", "next": "/explore/"})  # the footer's form
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "Últimas entradas públicas" in visitor.get("/explore/").content.decode()


def test_signed_in_the_language_switch_needs_the_token(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/rounds/")
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()  # the footer's form has it
    refused = client.post(LANGUAGE, {"language": "es", "next": "/rounds/"})
    assert refused.status_code == 403
    assert User.objects.get(pk=user.pk).language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in refused.cookies
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    saved = client.post(LANGUAGE, {"language": "es", "next": "/rounds/", "csrfmiddlewaretoken": token})
    assert saved.status_code == 302
    assert User.objects.get(pk=user.pk).language == "es"

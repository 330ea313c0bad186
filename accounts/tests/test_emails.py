"""Every email: the site's name and domain from settings, a text and an HTML part, the reader's language."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_NAME = "Hundred Days"
    settings.SITE_URL = "https://hundreddays.example"
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Hundred Days] "


def parts(message):
    html = [content for content, kind in message.alternatives if kind == "text/html"]
    assert len(html) == 1, "one HTML part"
    return message.body, html[0]


def visible(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    "lang, subject, greeting",
    [
        ("en", "[Hundred Days] Please Confirm Your Email Address", "Hello from Hundred Days!"),
        (
            "es",
            "[Hundred Days] Por favor, confirme su dirección de correo electrónico",
            "¡Hola de parte de Hundred Days!",
        ),
    ],
)
def test_the_sign_up_confirmation_names_the_site_from_settings(client, lang, subject, greeting):
    client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == subject
    assert message.to == ["new@example.com"]
    text, html = parts(message)
    for part in (text, visible(html)):
        assert greeting in part
        assert "hundreddays.example" in part
        assert "127.0.0.1" not in part and "testserver" not in part
    assert f'<html lang="{lang}">' in html
    link = re.search(r"https://hundreddays\.example/accounts/confirm-email/\S+/", text)[0]
    assert f'href="{link}"' in html


@pytest.mark.parametrize("lang, words", [("en", "Password Reset"), ("es", "contraseña")])
def test_a_password_reset_in_the_users_language_has_both_parts(client, make_user, lang, words):
    make_user("ada@example.com", handle="ada", language=lang)
    client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("[Hundred Days] ")
    assert words.lower() in message.subject.lower()
    text, html = parts(message)
    link = re.search(r"https://hundreddays\.example/accounts/password/reset/key/\S+/", text)[0]
    assert f'href="{link}"' in html
    assert f'<html lang="{lang}">' in html

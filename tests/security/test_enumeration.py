"""Sign-up does not tell anyone whether an address has an account.

The finding: signing up with a registered address answered "A user is already registered with
this email address". With allauth's enumeration prevention and mandatory verification, a known
and an unknown address now get the same answer (the "we sent you an email" page), and the
owner of the known address gets an email saying someone tried, with the way to reset the
password. Checked in English and in Spanish.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def sign_up(email, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}, follow=True
    )
    # The page repeats the address that was typed ("Confirmation email sent to …"): that alone may differ.
    page = TOKEN.sub("", response.content.decode()).replace(email, "EMAIL")
    return response.redirect_chain, response.status_code, page


@pytest.mark.parametrize(
    ("language", "sent", "subject"),
    [
        ("en", "We have sent an email to you for verification", "Account Already Exists"),
        ("es", "Le hemos enviado un correo electrónico para su verificación", "La cuenta ya existe"),
    ],
)
def test_a_known_and_an_unknown_address_get_the_same_answer(user, language, sent, subject):
    assert settings.ACCOUNT_PREVENT_ENUMERATION is True
    assert settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    known = sign_up(user.email, language)
    unknown = sign_up("someone.new@example.com", language)
    assert known == unknown
    chain, status, page = known
    assert status == 200 and chain[-1][0] == "/accounts/confirm-email/"
    assert sent in page
    assert "already" not in page.lower() and "ya existe" not in page.lower()
    # Nothing new for the known address; the unknown one is a new, unconfirmed account.
    assert User.objects.filter(email__iexact=user.email).count() == 1
    assert User.objects.filter(email="someone.new@example.com").exists()
    # Each address got one email: the owner a warning with the reset link, the newcomer a confirmation.
    to_owner = [m for m in mail.outbox if m.to == [user.email]]
    to_new = [m for m in mail.outbox if m.to == ["someone.new@example.com"]]
    assert len(to_owner) == 1 and len(to_new) == 1
    assert subject in to_owner[0].subject
    assert "/accounts/password/reset/" in to_owner[0].body
    assert "/accounts/confirm-email/" in to_new[0].body


def test_an_unconfirmed_account_cannot_sign_in_until_its_address_is_confirmed():
    sign_up("newcomer@example.com", "en")
    client = Client()
    response = client.post("/accounts/login/", {"login": "newcomer@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert client.session.get("_auth_user_id") is None

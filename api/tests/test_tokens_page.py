import re
from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import MAX_TOKENS_PER_USER, Token, digest
from api.services import create_token

pytestmark = pytest.mark.django_db


def created_token(response):
    return re.search(r'id="token-value" type="text" readonly value="(hd_[\w-]+)"', response.content.decode())[
        1
    ]


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(auth_client, user):
    response = auth_client.post(
        "/account/tokens/", {"name": "laptop", "scopes": ["read", "write"], "expires": "90"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = created_token(response)
    assert len(raw) == 46 and raw.startswith("hd_")
    token = Token.objects.get(user=user)
    assert token.digest == digest(raw) and raw not in str(Token.objects.values().get())
    assert token.scopes == ["read", "write"]
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    again = auth_client.get("/account/tokens/").content.decode()
    assert raw not in again and "laptop" in again and f"{raw[:8]}…" in again


def test_a_token_needs_a_name_and_a_scope(auth_client):
    response = auth_client.post("/account/tokens/", {"name": "  ", "expires": "never"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page and "Choose at least one scope." in page
    assert not Token.objects.exists()


def test_at_most_twenty_active_tokens(auth_client, user):
    for i in range(MAX_TOKENS_PER_USER):
        create_token(user, name=f"t{i}")
    response = auth_client.post("/account/tokens/", {"name": "one more", "scopes": ["read"], "expires": "30"})
    assert response.status_code == 400
    assert "You already have 20 active tokens; revoke one first." in response.content.decode()
    token = Token.objects.filter(user=user).first()
    auth_client.post(f"/account/tokens/{token.pk}/revoke/")
    response = auth_client.post("/account/tokens/", {"name": "one more", "scopes": ["read"], "expires": "30"})
    assert response.status_code == 200 and created_token(response)


def test_revoking_asks_first_then_the_token_stops_working(auth_client, user, client):
    token, raw = create_token(user, name="ci job")
    page = auth_client.get(f"/account/tokens/{token.pk}/revoke/")
    assert page.status_code == 200 and "Revoke the token “ci job”?" in page.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # a GET changes nothing
    response = auth_client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert auth_client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert "Revoked" in auth_client.get("/account/tokens/").content.decode()


def test_the_page_shows_when_a_token_was_last_used(auth_client, user, client):
    token, raw = create_token(user, name="hook")
    assert "never used" in auth_client.get("/account/tokens/").content.decode()
    client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "last used 0\xa0minutes ago" in auth_client.get("/account/tokens/").content.decode()


def test_the_tokens_page_in_spanish(auth_client, user):
    user.language = "es"
    user.save()
    create_token(user, name="portátil")
    page = auth_client.get("/account/tokens/").content.decode()
    assert "Tokens de la API" in page and "Crear token" in page and "Revocar" in page

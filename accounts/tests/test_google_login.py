"""Sign-in with Google, end to end through allauth, against the fake Google on 127.0.0.1."""

import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.tests.fake_google import DEFAULT_PROFILE, s256

pytestmark = pytest.mark.django_db

User = get_user_model()

GOOGLE_LOGIN = "/accounts/google/login/"
CALLBACK = "http://testserver/accounts/google/login/callback/"
GOOGLE_EMAIL = DEFAULT_PROFILE["email"]
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def email_verification_optional(settings):
    # The project's default; the environment may change it, these tests describe the default.
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"


def start_google_login(client, fake):
    """Press "Sign in with Google": return the authorization URL allauth sends the browser to."""
    response = client.post(GOOGLE_LOGIN)
    assert response.status_code == 302
    assert response["Location"].startswith(fake.authorize_url + "?")
    return response["Location"]


def sign_in_with_google(client, fake):
    """The whole round trip: our login view, Google's consent, our callback. Returns the callback response."""
    callback_url = fake.approve(start_google_login(client, fake))
    assert callback_url.startswith(CALLBACK + "?")
    return client.get(callback_url)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def existing_user(make_user, verified):
    user = make_user(GOOGLE_EMAIL, password=PASSWORD, display_name="Countess")
    if verified is not None:
        EmailAddress.objects.create(user=user, email=GOOGLE_EMAIL, verified=verified, primary=True)
    return user


def assert_google_was_not_connected(client, user):
    assert User.objects.count() == 1
    assert not SocialAccount.objects.exists()
    assert signed_in_user_id(client) is None
    user.refresh_from_db()
    assert user.check_password(PASSWORD), "the existing user's password must stay as it was"


# --- A new user ----------------------------------------------------------------


def test_the_google_button_sends_the_browser_to_google_with_pkce_and_state(client, fake_google):
    page = client.get("/accounts/login/").content.decode()
    assert f'action="{GOOGLE_LOGIN}"' in page
    assert "Sign in with Google" in page

    params = parse_qs(urlsplit(start_google_login(client, fake_google)).query)

    assert params["client_id"] == [fake_google.client_id]
    assert params["redirect_uri"] == [CALLBACK]
    assert params["response_type"] == ["code"]
    assert {"openid", "profile", "email"} <= set(params["scope"][0].split())
    assert params["state"][0]
    assert params["code_challenge_method"] == ["S256"]
    assert len(params["code_challenge"][0]) == 43  # base64url of a SHA-256 digest, unpadded


def test_a_new_google_user_gets_an_account_and_lands_on_the_dashboard(client, fake_google):
    authorize_url = start_google_login(client, fake_google)
    sent = parse_qs(urlsplit(authorize_url).query)
    callback_url = fake_google.approve(authorize_url)
    back = parse_qs(urlsplit(callback_url).query)
    assert back["state"] == sent["state"]
    assert back["code"][0]

    response = client.get(callback_url)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get()
    assert user.email == GOOGLE_EMAIL
    assert user.display_name == "Ada Lovelace"
    assert user.avatar_url == DEFAULT_PROFILE["picture"]
    assert not user.has_usable_password()
    assert signed_in_user_id(client) == str(user.pk)
    account = SocialAccount.objects.get()
    assert (account.user, account.provider, account.uid) == (user, "google", DEFAULT_PROFILE["sub"])
    # Google vouched for the address, so it counts as verified here too.
    assert EmailAddress.objects.get(user=user).verified
    assert "Start your round" in client.get("/").content.decode()

    # allauth exchanged the code once, with the verifier matching the challenge it sent.
    (token_request,) = fake_google.requests_to("/token")
    assert token_request.form["code"] == back["code"][0]
    assert token_request.form["redirect_uri"] == CALLBACK
    assert s256(token_request.form["code_verifier"]) == sent["code_challenge"][0]


def test_the_consent_page_names_the_app_and_the_account_it_will_share(client, fake_google):
    fake_google.set_profile(email="grace@example.com", name="Grace Hopper")

    page = requests.get(start_google_login(client, fake_google)).text

    assert "Hundred Days" in page
    assert "grace@example.com" in page
    assert "Grace Hopper" in page
    assert "Continue" in page


def test_without_a_picture_allauth_asks_userinfo_and_the_avatar_stays_empty(client, fake_google):
    fake_google.set_profile(name="Grace Hopper", picture=None)

    sign_in_with_google(client, fake_google)

    user = User.objects.get()
    assert (user.display_name, user.avatar_url) == ("Grace Hopper", "")
    # The id_token had no picture, so allauth asked the userinfo endpoint with the access token.
    (userinfo,) = fake_google.requests_to("/userinfo")
    assert userinfo.headers["Authorization"].startswith("Bearer ya29.fake-")


def test_a_picture_not_served_over_https_is_not_used_as_avatar(client, fake_google):
    fake_google.set_profile(picture="http://example.com/ada.png")

    sign_in_with_google(client, fake_google)

    assert User.objects.get().avatar_url == ""


def test_cancelling_on_google_creates_nobody(client, fake_google):
    response = client.get(fake_google.deny(start_google_login(client, fake_google)), follow=True)

    assert response.status_code == 200
    assert "Login Cancelled" in response.content.decode()
    assert not User.objects.exists()
    assert signed_in_user_id(client) is None


# --- Returning users -----------------------------------------------------------


def test_signing_in_again_with_the_same_google_account_reuses_the_user(client, fake_google):
    sign_in_with_google(client, fake_google)
    user = User.objects.get()
    # Google may report a new address for the same account (same sub): still the same user.
    fake_google.set_profile(email="ada@example.org")
    other_browser = Client()

    response = sign_in_with_google(other_browser, fake_google)

    assert response.status_code == 302
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1
    assert signed_in_user_id(other_browser) == str(user.pk)


def test_google_connects_to_an_existing_user_whose_address_is_verified_here(client, fake_google, make_user):
    user = existing_user(make_user, verified=True)

    response = sign_in_with_google(client, fake_google)

    assert response.status_code == 302
    assert User.objects.count() == 1
    assert SocialAccount.objects.get().user == user
    assert signed_in_user_id(client) == str(user.pk)
    user.refresh_from_db()
    assert user.display_name == "Countess", "Google must not overwrite the name chosen here"
    assert user.check_password(PASSWORD), "a verified account keeps its password"


@pytest.mark.parametrize("verified_here", [False, None], ids=["unverified-address", "no-address-record"])
def test_google_does_not_take_over_an_account_whose_address_is_not_verified_here(
    client, fake_google, make_user, verified_here
):
    user = existing_user(make_user, verified=verified_here)

    response = sign_in_with_google(client, fake_google)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert_google_was_not_connected(client, user)
    page = client.get(response["Location"]).content.decode()
    assert f"An account with {GOOGLE_EMAIL} already exists" in page
    assert "Sign in with your email and password" in page
    assert 'href="/accounts/login/?next=/accounts/3rdparty/"' in page  # then connect Google there

    # Insisting on the address does not help either.
    page = client.post(response["Location"], {"email": GOOGLE_EMAIL}).content.decode()
    assert "An account already exists with this email address" in page
    assert_google_was_not_connected(client, user)


def test_the_advice_works_sign_in_by_email_then_connect_google(client, fake_google, make_user):
    user = existing_user(make_user, verified=False)
    client.post("/accounts/login/", {"login": GOOGLE_EMAIL, "password": PASSWORD})
    assert signed_in_user_id(client) == str(user.pk)

    # The "Connect" button on the Connected accounts page.
    response = client.post(GOOGLE_LOGIN + "?process=connect")
    response = client.get(fake_google.approve(response["Location"]))

    assert response["Location"] == "/accounts/3rdparty/"
    assert SocialAccount.objects.get().user == user
    other_browser = Client()
    sign_in_with_google(other_browser, fake_google)
    assert signed_in_user_id(other_browser) == str(user.pk)
    assert User.objects.count() == 1


@pytest.mark.parametrize("verified_here", [True, False])
def test_an_address_google_has_not_verified_never_connects_to_an_existing_user(
    client, fake_google, make_user, verified_here
):
    user = existing_user(make_user, verified=verified_here)
    fake_google.set_profile(email_verified=False)

    response = sign_in_with_google(client, fake_google)

    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert_google_was_not_connected(client, user)


# --- Refused callbacks ---------------------------------------------------------


@pytest.mark.parametrize("state", ["forged-state", None], ids=["bad-state", "missing-state"])
def test_a_callback_without_the_state_we_issued_is_refused(client, fake_google, state):
    callback_url = fake_google.approve(start_google_login(client, fake_google))
    code = parse_qs(urlsplit(callback_url).query)["code"][0]
    query = {"code": code} if state is None else {"code": code, "state": state}

    response = client.get("/accounts/google/login/callback/", query)

    assert response.status_code == 401
    assert "Third-Party Login Failure" in response.content.decode()
    assert not User.objects.exists()
    assert signed_in_user_id(client) is None
    assert not fake_google.requests_to("/token"), "the code must not even be exchanged"


def test_a_callback_started_in_another_browser_is_refused(client, fake_google):
    # Someone lures a victim to their own callback URL to sign the victim into the attacker's account.
    callback_url = fake_google.approve(start_google_login(Client(), fake_google))

    response = client.get(callback_url)

    assert "Third-Party Login Failure" in response.content.decode()
    assert not User.objects.exists()
    assert signed_in_user_id(client) is None


def test_a_code_stolen_from_someone_else_cannot_be_redeemed_in_another_session(client, fake_google):
    # The attacker pastes the victim's code into their own callback, with their own valid state:
    # allauth sends the attacker's PKCE verifier, which does not match the victim's challenge.
    victim_callback = fake_google.approve(start_google_login(Client(), fake_google))
    stolen_code = parse_qs(urlsplit(victim_callback).query)["code"][0]
    attacker_state = parse_qs(urlsplit(start_google_login(client, fake_google)).query)["state"][0]

    response = client.get("/accounts/google/login/callback/", {"code": stolen_code, "state": attacker_state})

    assert response.status_code == 401
    assert "Third-Party Login Failure" in response.content.decode()
    assert not User.objects.exists()
    assert signed_in_user_id(client) is None
    (token_request,) = fake_google.requests_to("/token")
    assert token_request.form["code"] == stolen_code


@pytest.mark.parametrize(
    "claims",
    [{"aud": "someone-else.apps.googleusercontent.com"}, {"iss": "https://evil.example"}, {"exp": 1}],
    ids=["wrong-audience", "wrong-issuer", "expired"],
)
def test_an_id_token_for_someone_else_or_expired_is_refused(client, fake_google, claims):
    fake_google.set_id_token_claims(**claims)

    response = sign_in_with_google(client, fake_google)

    assert response.status_code == 401
    assert "Third-Party Login Failure" in response.content.decode()
    assert not User.objects.exists()
    assert signed_in_user_id(client) is None


# --- Google One Tap (the id_token posted by Google's script, checked against /certs) ---


def post_one_tap(client, credential):
    client.cookies["g_csrf_token"] = "double-submit"
    return client.post(
        "/accounts/google/login/token/", {"credential": credential, "g_csrf_token": "double-submit"}
    )


def test_a_one_tap_credential_signed_with_googles_published_key_signs_in(client, fake_google):
    response = post_one_tap(client, fake_google.issue_id_token())

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(User.objects.get(email=GOOGLE_EMAIL).pk)
    assert fake_google.requests_to("/certs")


def test_a_one_tap_credential_signed_with_another_key_is_refused(client, fake_google):
    genuine = fake_google.issue_id_token()
    claims = jwt.decode(genuine, options={"verify_signature": False})
    their_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {**claims, "iat": int(time.time())},
        their_key,
        algorithm="RS256",
        headers={"kid": fake_google.kid},
    )

    response = post_one_tap(client, forged)

    assert "Third-Party Login Failure" in response.content.decode()
    assert not User.objects.exists()
    assert signed_in_user_id(client) is None


# --- Without Google ------------------------------------------------------------


@pytest.fixture
def google_not_configured(settings):
    providers = {**settings.SOCIALACCOUNT_PROVIDERS}
    providers["google"] = {**providers["google"], "APPS": []}
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.GOOGLE_CLIENT_ID = ""
    settings.GOOGLE_CLIENT_SECRET = ""


def test_without_google_configured_the_sign_in_page_says_so_and_email_sign_in_works(
    client, google_not_configured
):
    page = client.get("/accounts/login/").content.decode()
    # No banner that names the host's settings to a visitor; no Google button either.
    assert "GOOGLE_CLIENT" not in page
    assert "not configured" not in page
    assert GOOGLE_LOGIN not in page
    assert "Sign in with Google" not in page
    home = client.get("/").content.decode()
    assert "GOOGLE_CLIENT" not in home and "not configured" not in home and "Sign in with Google" not in home

    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    client.post("/accounts/logout/")
    assert signed_in_user_id(client) is None

    response = client.post("/accounts/login/", {"login": "new@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(user.pk)


def test_without_google_configured_the_google_urls_lead_back_to_sign_in_with_a_calm_note(
    client, google_not_configured
):
    for response in (
        client.get(GOOGLE_LOGIN),
        client.post(GOOGLE_LOGIN),
        client.get("/accounts/google/login/callback/", {"code": "x", "state": "y"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert "Sign-in with Google isn&#x27;t available on this site. Sign in with your email instead." in page
    assert "GOOGLE_CLIENT" not in page

"""A small fake Google (OAuth 2.0 + OpenID Connect) served on 127.0.0.1 inside the test run.

It speaks just enough of Google's protocol for allauth's Google provider:

- ``GET /o/oauth2/v2/auth``: the consent page (app name, the account it will return,
  "Continue" and "Cancel"), or with ``auto=1`` an immediate redirect back with ``code``
  and ``state``. PKCE (S256) challenges are remembered with the code.
- ``POST /token``: checks the grant type, the client id and secret, the code, the
  redirect URI and the PKCE verifier, and returns an access token and an RS256-signed
  id_token.
- ``GET /certs``: the signing key in Google's v1 format (key id -> PEM certificate).
- ``GET /userinfo``: the profile for a Bearer token, in Google's v2 userinfo format.

Nothing leaves the machine. The pytest fixtures at the bottom start one server per
test session, reset it for each test, point allauth at it and configure the Google app.
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
import pytest
import requests as http
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ISSUER = "https://accounts.google.com"
AUTHORIZE_PATH = "/o/oauth2/v2/auth"
DECIDE_PATH = "/o/oauth2/v2/auth/decide"
TOKEN_PATH = "/token"
CERTS_PATH = "/certs"
USERINFO_PATH = "/userinfo"

DEFAULT_CLIENT_ID = "fake-client-id.apps.googleusercontent.com"
DEFAULT_CLIENT_SECRET = "fake-client-secret"
DEFAULT_PROFILE = {
    "sub": "104242424242424242424",
    "email": "ada.lovelace@example.com",
    "email_verified": True,
    "name": "Ada Lovelace",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "picture": "https://lh3.googleusercontent.com/a/fake-ada-lovelace",
    "locale": "en",
}
PROFILE_CLAIMS = ("name", "given_name", "family_name", "picture", "locale")
EMAIL_CLAIMS = ("email", "email_verified")


def s256(verifier: str) -> str:
    """The PKCE S256 code challenge for a verifier (RFC 7636, section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Received:
    """One request the fake received. ``query`` and ``form`` keep the last value of each name."""

    method: str
    path: str
    query: dict
    form: dict
    headers: dict


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    scope: set
    code_challenge: str
    nonce: str
    profile: dict


class FakeGoogle:
    """The server's state and the test-facing API. Thread-safe: the server answers in threads."""

    def __init__(
        self, client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, app_name="Hundred Days"
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_name = app_name
        self._lock = threading.Lock()
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_der = self._private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha1(public_der).hexdigest()
        self.certificate_pem = _self_signed_certificate(self._private_key)
        self._server = None
        self._thread = None
        self.reset()

    # --- Lifecycle ---------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-google", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def reset(self):
        """Back to the default profile, no codes, no tokens, an empty request log."""
        with self._lock:
            self.profile = dict(DEFAULT_PROFILE)
            self.id_token_claims = {}
            self.requests = []
            self._codes = {}
            self._tokens = {}

    # --- Addresses ---------------------------------------------------------

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def authorize_url(self):
        return self.url + AUTHORIZE_PATH

    @property
    def token_url(self):
        return self.url + TOKEN_PATH

    @property
    def certs_url(self):
        return self.url + CERTS_PATH

    @property
    def userinfo_url(self):
        return self.url + USERINFO_PATH

    # --- Per-test configuration -------------------------------------------

    def set_profile(self, **fields):
        """Change the Google account the next consent returns.

        Keys: sub, email, email_verified, name, given_name, family_name, picture, locale.
        A name without given_name/family_name splits into both. None drops a claim.
        """
        unknown = set(fields) - set(DEFAULT_PROFILE)
        if unknown:
            raise TypeError(f"Unknown profile fields: {sorted(unknown)}")
        if "name" in fields and fields["name"]:
            given, _, family = fields["name"].partition(" ")
            fields.setdefault("given_name", given)
            fields.setdefault("family_name", family or None)
        with self._lock:
            self.profile.update(fields)
            self.profile = {k: v for k, v in self.profile.items() if v is not None}

    def set_id_token_claims(self, **claims):
        """Override claims of the id_tokens issued from now on (aud, iss, exp...). None removes one."""
        with self._lock:
            self.id_token_claims.update(claims)

    # --- Helpers for tests -------------------------------------------------

    def requests_to(self, path):
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def approve(self, authorize_url):
        """Consent without a browser: return the URL Google sends the user back to (code + state)."""
        response = self._decide(authorize_url, "allow")
        assert response.status_code == 302, (response.status_code, response.text)
        return response.headers["Location"]

    def deny(self, authorize_url):
        """Press "Cancel": return the URL Google sends the user back to (error=access_denied)."""
        response = self._decide(authorize_url, "deny")
        assert response.status_code == 302, (response.status_code, response.text)
        return response.headers["Location"]

    def _decide(self, authorize_url, decision):
        parts = urlsplit(authorize_url)
        assert f"{parts.scheme}://{parts.netloc}" == self.url, f"not this fake's address: {authorize_url}"
        params = dict(parse_qsl(parts.query))
        return http.post(self.url + DECIDE_PATH, data={**params, "decision": decision}, allow_redirects=False)

    # --- Protocol ----------------------------------------------------------

    def _record(self, received):
        with self._lock:
            self.requests.append(received)

    def _check_authorization(self, params):
        """Return an error message for a bad authorization request, as Google's error page would."""
        if params.get("client_id") != self.client_id:
            return "invalid_client: The OAuth client was not found."
        if params.get("response_type") != "code":
            return "unsupported_response_type"
        redirect = urlsplit(params.get("redirect_uri", ""))
        if redirect.scheme not in ("http", "https") or not redirect.netloc:
            return "invalid_request: Missing or invalid redirect_uri."
        if not params.get("scope"):
            return "invalid_request: Missing required parameter: scope"
        if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            return "invalid_request: code_challenge_method must be S256."
        return None

    def _issue_code(self, params):
        code = "4/fake-" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                scope=set(params["scope"].split()),
                code_challenge=params.get("code_challenge", ""),
                nonce=params.get("nonce", ""),
                profile=dict(self.profile),
            )
        return code

    def _exchange(self, form, basic_auth):
        """The token endpoint: (status, JSON body)."""
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        client_id, client_secret = basic_auth or (form.get("client_id"), form.get("client_secret"))
        if client_id != self.client_id or client_secret != self.client_secret:
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        with self._lock:
            # A code is good for one attempt, successful or not.
            grant = self._codes.pop(form.get("code", ""), None)
        if grant is None or grant.client_id != client_id:
            return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri does not match."}
        if grant.code_challenge:
            verifier = form.get("code_verifier")
            if not verifier:
                return 400, {"error": "invalid_grant", "error_description": "Missing code verifier."}
            if not secrets.compare_digest(s256(verifier), grant.code_challenge):
                return 400, {"error": "invalid_grant", "error_description": "Invalid code verifier."}
        access_token = "ya29.fake-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[access_token] = grant
        body = {
            "access_token": access_token,
            "expires_in": 3599,
            "scope": " ".join(sorted(grant.scope)),
            "token_type": "Bearer",
        }
        if "openid" in grant.scope:
            body["id_token"] = self._id_token(grant, access_token)
        return 200, body

    def issue_id_token(self, scope=("openid", "email", "profile"), nonce=""):
        """An id_token for the current profile, signed as /token signs it (e.g. for Google One Tap)."""
        with self._lock:
            profile = dict(self.profile)
        grant = _Grant(self.client_id, "", set(scope), "", nonce, profile)
        return self._id_token(grant)

    def _id_token(self, grant, access_token=""):
        now = int(time.time())
        claims = {"iss": ISSUER, "azp": grant.client_id, "aud": grant.client_id, "sub": grant.profile["sub"]}
        if "email" in grant.scope:
            claims.update({k: grant.profile[k] for k in EMAIL_CLAIMS if k in grant.profile})
        if access_token:
            digest = hashlib.sha256(access_token.encode("ascii")).digest()
            claims["at_hash"] = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")
        if grant.nonce:
            claims["nonce"] = grant.nonce
        if "profile" in grant.scope:
            claims.update({k: grant.profile[k] for k in PROFILE_CLAIMS if k in grant.profile})
        claims.update({"iat": now, "exp": now + 3600})
        with self._lock:
            claims.update(self.id_token_claims)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})

    def _userinfo(self, authorization):
        token = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
        with self._lock:
            grant = self._tokens.get(token)
        if grant is None:
            return 401, {
                "error": {"code": 401, "message": "Invalid Credentials", "status": "UNAUTHENTICATED"}
            }
        profile = grant.profile
        body = {"id": profile["sub"]}
        if "email" in grant.scope and "email" in profile:
            body.update({"email": profile["email"], "verified_email": profile.get("email_verified", False)})
        if "profile" in grant.scope:
            body.update({k: profile[k] for k in PROFILE_CLAIMS if k in profile})
        return 200, body

    def consent_page(self, params):
        profile = self.profile
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
            if k != "auto"
        )
        esc = html.escape
        return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - Google Accounts (fake)</title></head>
<body>
<main>
  <h1>Sign in with Google</h1>
  <p>to continue to <strong id="app-name">{esc(self.app_name)}</strong></p>
  <p>Google will share your name, email address and profile picture with {esc(self.app_name)}.</p>
  <dl>
    <dt>Name</dt><dd id="profile-name">{esc(profile.get("name", ""))}</dd>
    <dt>Email</dt><dd id="profile-email">{esc(profile.get("email", ""))}</dd>
  </dl>
  <form method="post" action="{DECIDE_PATH}">
    {hidden}
    <button type="submit" name="decision" value="allow">Continue</button>
    <button type="submit" name="decision" value="deny">Cancel</button>
  </form>
</main>
</body>
</html>"""


def _self_signed_certificate(private_key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-google.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(private_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _with_query(url, params):
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


def _handler_for(fake):
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeGoogle/1.0"

        def log_message(self, format, *args):
            pass  # keep the test output clean

        def _receive(self):
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            form = {}
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                body = self.rfile.read(length).decode("utf-8")
                if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    form = dict(parse_qsl(body, keep_blank_values=True))
            received = Received(self.command, parts.path, query, form, dict(self.headers.items()))
            fake._record(received)
            return received

        def _send(self, status, body, content_type="application/json; charset=utf-8", headers=()):
            data = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _redirect(self, location):
            self._send(302, "", content_type="text/plain", headers=[("Location", location)])

        def _error_page(self, message):
            page = f"<!DOCTYPE html><title>Error 400</title><h1>Error 400</h1><p>{html.escape(message)}</p>"
            self._send(400, page, content_type="text/html; charset=utf-8")

        def do_GET(self):
            received = self._receive()
            if received.path == AUTHORIZE_PATH:
                self._authorize(received.query, auto=received.query.get("auto") == "1")
            elif received.path == CERTS_PATH:
                self._send(200, {fake.kid: fake.certificate_pem})
            elif received.path == USERINFO_PATH:
                self._send(*fake._userinfo(self.headers.get("Authorization", "")))
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self):
            received = self._receive()
            if received.path == DECIDE_PATH:
                params = dict(received.form)
                decision = params.pop("decision", "")
                self._authorize(params, auto=decision == "allow", deny=decision == "deny")
            elif received.path == TOKEN_PATH:
                self._send(*fake._exchange(received.form, self._basic_auth()))
            else:
                self._send(404, {"error": "not_found"})

        def _authorize(self, params, auto=False, deny=False):
            error = fake._check_authorization(params)
            if error:
                self._error_page(error)
                return
            state = {"state": params["state"]} if "state" in params else {}
            if deny:
                self._redirect(_with_query(params["redirect_uri"], {"error": "access_denied", **state}))
            elif auto:
                code = fake._issue_code(params)
                self._redirect(_with_query(params["redirect_uri"], {"code": code, **state}))
            else:
                self._send(200, fake.consent_page(params), content_type="text/html; charset=utf-8")

        def _basic_auth(self):
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password

    return Handler


# --- pytest fixtures ---------------------------------------------------------
# Import both into a conftest.py to use them: accounts/tests/conftest.py does.


@pytest.fixture(scope="session")
def fake_google_server():
    fake = FakeGoogle().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_google(fake_google_server, monkeypatch, settings):
    """A fresh fake Google for this test, with allauth and the settings pointing at it.

    Yields the FakeGoogle: ``.url``, ``.set_profile(...)``, ``.set_id_token_claims(...)``,
    ``.requests`` / ``.requests_to(path)``, ``.approve(authorize_url)``, ``.deny(authorize_url)``,
    ``.issue_id_token()``, ``.client_id``. Needs a database fixture of the caller's choosing
    (``db``, or ``transactional_db`` with ``live_server``).
    """
    from allauth.socialaccount.providers.google import views as google_views

    fake = fake_google_server
    fake.reset()
    # A proxy from the environment must not see requests meant for 127.0.0.1.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    # allauth read these URLs from the settings once, when it imported the module.
    monkeypatch.setattr(google_views.GoogleOAuth2Adapter, "authorize_url", fake.authorize_url)
    monkeypatch.setattr(google_views.GoogleOAuth2Adapter, "access_token_url", fake.token_url)
    monkeypatch.setattr(google_views.GoogleOAuth2Adapter, "identity_url", fake.userinfo_url)
    monkeypatch.setattr(google_views, "CERTS_URL", fake.certs_url)
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["google"]["APPS"] = [{"client_id": fake.client_id, "secret": fake.client_secret, "key": ""}]
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.GOOGLE_CLIENT_ID = fake.client_id
    settings.GOOGLE_CLIENT_SECRET = fake.client_secret
    # Browsers apply form-action to the redirect after the Google button's POST. Production
    # allows https: (accounts.google.com); the fake is plain http on 127.0.0.1.
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["form-action"] = [*csp["DIRECTIVES"].get("form-action", ["'self'"]), fake.url]
    settings.CONTENT_SECURITY_POLICY = csp
    yield fake
    fake.reset()

"""Ownership sweep: every URL pattern of the site, walked from the resolver and classified.

A new URL pattern fails ``test_every_url_pattern_is_classified`` until it is added to
``PROJECT`` or ``ALLAUTH`` below with its kind; the kind decides what the sweep checks:

- another user's private object is a 404 (never a 403 that confirms it exists), and so
  is anything a visitor may not open; rounds and entries are looked up among the
  signed-in user's own, whatever number or date the URL holds;
- wrong methods get 405; pages never write on GET;
- every POST needs a CSRF token (403 without one), on every pattern, allauth's and the
  admin's included; the two views exempt from the middleware check a token themselves.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from accounts.tests.fake_google import fake_google, fake_google_server  # noqa: F401
from api import services as token_services
from api.models import Token
from cohorts import services as cohort_services
from cohorts.models import Cohort, Membership
from journal.models import Entry, Link, Round, Tag
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

VISIBILITIES = ("private", "unlisted", "public")
WRONG_METHODS = ("put", "patch", "delete")
LOGIN_PATH = "/accounts/login/"

# --- What each pattern is -----------------------------------------------------------------

SITE_FILE = "site file"  # anyone, GET only, no user data
PUBLIC_PAGE = "public page"  # anyone, GET (HEAD), lists public rounds only
PROFILE = "profile"  # /@handle/...: a participant, public data (plus their own for the owner)
SHARED = "shared"  # /@handle/rN/...: public and unlisted rounds for anyone, private ones for the owner
ANONYMOUS_READ = "anonymous read"  # feeds and badge: read without cookies, private rounds: 404 for all
OWN_PAGE = "own page"  # sign-in needed, the user's own data, GET only
OWN_FORM = "own form"  # sign-in needed, the user's own data, GET shows the form, POST writes
OWN_OBJECT = "own object"  # sign-in needed, a round or entry looked up among the user's own; GET and POST
POST_ONLY = "post only"  # anyone, POST only (the language switch)
COHORT_READ = "cohort read"  # /c/<slug>/…: GET; a private cohort's pages are a 404 to non-members
INVITE = "invite"  # the join page: GET for anyone with the token, POST signed in
COHORT_FORM = "cohort form"  # sign-in needed, looked up among the user's cohorts; GET and POST
COHORT_POST = "cohort post"  # sign-in needed, looked up among the user's cohorts; POST only


@dataclass(frozen=True)
class Kind:
    name: str
    methods: tuple  # methods that are not a 405 (for a signed-in owner)
    sign_in: bool = False

    @property
    def writes(self):
        return "post" in self.methods


KINDS = {
    SITE_FILE: Kind(SITE_FILE, ("get",)),
    PUBLIC_PAGE: Kind(PUBLIC_PAGE, ("get",)),
    PROFILE: Kind(PROFILE, ("get",)),
    SHARED: Kind(SHARED, ("get",)),
    ANONYMOUS_READ: Kind(ANONYMOUS_READ, ("get",)),
    OWN_PAGE: Kind(OWN_PAGE, ("get",), sign_in=True),
    OWN_FORM: Kind(OWN_FORM, ("get", "post"), sign_in=True),
    OWN_OBJECT: Kind(OWN_OBJECT, ("get", "post"), sign_in=True),
    POST_ONLY: Kind(POST_ONLY, ("post",)),
    COHORT_READ: Kind(COHORT_READ, ("get",)),
    INVITE: Kind(INVITE, ("get", "post")),
    COHORT_FORM: Kind(COHORT_FORM, ("get", "post"), sign_in=True),
    COHORT_POST: Kind(COHORT_POST, ("post",), sign_in=True),
}

# The project's own patterns, by namespaced name (or route when unnamed).
PROJECT = {
    "healthz": SITE_FILE,
    "readyz": SITE_FILE,
    "favicon.ico": SITE_FILE,
    "robots.txt": SITE_FILE,
    "journal:home": PUBLIC_PAGE,
    "journal:explore": PUBLIC_PAGE,
    "journal:entry-new": OWN_FORM,
    "journal:rounds": OWN_PAGE,
    "journal:round-new": OWN_FORM,
    "journal:round-settings": OWN_OBJECT,
    "journal:round-delete": OWN_OBJECT,
    "journal:entry-edit": OWN_OBJECT,
    "journal:entry-delete": OWN_OBJECT,
    "journal:import": OWN_FORM,
    "journal:my-data": OWN_PAGE,
    "journal:export": OWN_PAGE,
    "journal:export-round": OWN_PAGE,
    "journal:delete-account": OWN_FORM,
    "journal:profile": PROFILE,
    "journal:profile-feed": PROFILE,
    "journal:round": SHARED,
    "journal:stats": SHARED,
    "journal:entry": SHARED,
    "journal:round-feed": ANONYMOUS_READ,
    "journal:badge": ANONYMOUS_READ,
    "journal:round-og": ANONYMOUS_READ,
    "journal:entry-og": ANONYMOUS_READ,
    "accounts:profile": OWN_FORM,
    "accounts:set-language": POST_ONLY,
    "design": OWN_PAGE,  # staff only: a 404 for everyone else signed in
    "cohorts:list": OWN_PAGE,
    "cohorts:new": OWN_FORM,
    "cohorts:detail": COHORT_READ,
    "cohorts:members-csv": COHORT_READ,
    "cohorts:feed": COHORT_READ,
    "cohorts:badge": COHORT_READ,
    "cohorts:join": INVITE,
    "cohorts:settings": COHORT_FORM,
    "cohorts:leave": COHORT_FORM,
    "cohorts:delete": COHORT_FORM,
    "cohorts:invite": COHORT_POST,
    "cohorts:add-organizer": COHORT_POST,
    "cohorts:remove": COHORT_POST,
    "cohorts:readmit": COHORT_POST,
    "cohorts:nudge": COHORT_POST,
    "cohorts:sharing": COHORT_POST,
    "tokens:list": OWN_FORM,
    "tokens:revoke": OWN_OBJECT,
}

# The JSON API (django-ninja): a personal token only, never the session, so exempt from CSRF by
# design; checked by the API section below. The schema and its page are public.
API = {
    "api:me": ("get",),
    "api:round_list": ("get",),
    "api:round_detail": ("get",),
    "api:entry_list": ("get",),
    "api:entry_get": ("get", "put", "delete"),
    "api:entry_put": ("get", "put", "delete"),
    "api:entry_delete": ("get", "put", "delete"),
    "api:log_today": ("post",),
}
API_PUBLIC = {"api:openapi-json", "api:openapi-view", "api:api-root"}

# allauth's patterns: vendor views, checked here for CSRF and for sign-in where they need it.
ALLAUTH_FORM, ALLAUTH_PAGE, ALLAUTH_SIGNED_IN, ALLAUTH_REDIRECT = "form", "page", "signed in", "redirect"
ALLAUTH = {
    "account_login": ALLAUTH_FORM,
    "account_logout": ALLAUTH_FORM,
    "account_signup": ALLAUTH_FORM,
    "account_inactive": ALLAUTH_PAGE,
    "account_reauthenticate": ALLAUTH_SIGNED_IN,
    "account_request_reauthentication_code": ALLAUTH_FORM,  # login by code is off: redirects
    "account_confirm_reauthentication_code": ALLAUTH_FORM,
    "account_email": ALLAUTH_SIGNED_IN,
    "account_email_verification_sent": ALLAUTH_PAGE,
    "account_confirm_email": ALLAUTH_FORM,
    "account_change_password": ALLAUTH_SIGNED_IN,
    "account_set_password": ALLAUTH_SIGNED_IN,
    "account_reset_password": ALLAUTH_FORM,
    "account_reset_password_done": ALLAUTH_PAGE,
    "account_reset_password_from_key": ALLAUTH_FORM,
    "account_reset_password_from_key_done": ALLAUTH_PAGE,
    "account_confirm_login_code": ALLAUTH_FORM,
    "socialaccount_login_cancelled": ALLAUTH_PAGE,
    "socialaccount_login_error": ALLAUTH_PAGE,
    "socialaccount_signup": ALLAUTH_FORM,
    "socialaccount_connections": ALLAUTH_SIGNED_IN,
    "google_login": ALLAUTH_FORM,
    "google_callback": ALLAUTH_PAGE,
    "google_login_by_token": ALLAUTH_FORM,  # csrf_exempt: checks Google's double-submit cookie itself
    "accounts/social/login/cancelled/": ALLAUTH_REDIRECT,
    "accounts/social/login/error/": ALLAUTH_REDIRECT,
    "accounts/social/signup/": ALLAUTH_REDIRECT,
    "accounts/social/connections/": ALLAUTH_REDIRECT,
}
# Views exempt from the CSRF middleware, each with its own check (tested below).
CSRF_EXEMPT = {"journal:import", "google_login_by_token"}


# --- Walking the resolver -----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the full pattern, e.g. "rounds/<int:number>/settings/"
    key: str  # "journal:round-settings", or the route when the pattern has no name
    pattern: URLPattern

    @property
    def is_admin(self):
        return self.route.startswith(settings.ADMIN_URL)

    @property
    def kind(self):
        return KINDS.get(PROJECT.get(self.key))

    def path(self, **values):
        """A concrete path: every converter or named group replaced by ``values[name]``."""
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), self.route)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), path)
        return "/" + path.replace("^", "").replace("$", "")


def _walk(resolver, prefix="", namespace=None):
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            inner = item.namespace or namespace
            if item.namespace and namespace:
                inner = f"{namespace}:{item.namespace}"
            yield from _walk(item, prefix + str(item.pattern), inner)
        else:
            route = prefix + str(item.pattern)
            name = f"{namespace}:{item.name}" if namespace and item.name else item.name
            yield Route(route, name or route, item)


ROUTES = list(_walk(get_resolver()))
BY_KEY = {r.key: r for r in ROUTES if not r.is_admin}
NON_ADMIN = [r for r in ROUTES if not r.is_admin]
ADMIN_ROUTES = [r for r in ROUTES if r.is_admin]
PROJECT_ROUTES = [BY_KEY[key] for key in PROJECT if key in BY_KEY]


def _ids(routes):
    return [r.route or "/" for r in routes]


# --- The world ----------------------------------------------------------------------------


@pytest.fixture
def world(user, other_user):
    """Ada owns rounds 1 (private), 2 (unlisted) and 3 (public), one entry each; Grace has none."""
    rounds, entries = {}, {}
    for visibility in VISIBILITIES:
        rounds[visibility] = make_round(user, visibility=visibility, title=f"The {visibility} round")
        entries[visibility] = log(
            rounds[visibility],
            1,
            title=f"A {visibility} day",
            links=[],
            tags=["python"],
        )
    # Ada organizes a private cohort (her private round linked); Grace is not in it.
    cohort = cohort_services.create_cohort(
        user, name="Ada's class", start_date=rounds["private"].start_date, take_part=True
    )
    token, _raw = token_services.create_token(user, name="laptop", can_read=True, can_write=True)
    return SimpleNamespace(
        user=user, other=other_user, rounds=rounds, entries=entries, cohort=cohort, token=token
    )


def values_for(world, visibility="private", **extra):
    round, entry = world.rounds[visibility], world.entries[visibility]
    return {
        "handle": world.user.handle,
        "number": round.number,
        "date": entry.date.isoformat(),
        "fmt": "json",
        "object_id": round.pk,
        "id": world.user.pk,
        "content_type_id": 1,
        "app_label": "journal",
        "url": "no-such-page/",
        "key": "made-up-key",
        "uidb36": "1",
        "slug": world.cohort.slug,
        "token": world.cohort.invite_token,
        "pk": world.token.pk,
        **extra,
    }


def client_for(viewer, world, **kwargs):
    client = Client(**kwargs)
    if viewer == "owner":
        client.force_login(world.user)
    elif viewer == "other":
        client.force_login(world.other)
    return client


def fingerprint():
    """What a GET must never change: every row users own, and their versions."""
    return (
        list(Round.objects.order_by("pk").values_list("pk", "user_id", "number", "title", "version")),
        list(
            Entry.objects.order_by("pk").values_list("pk", "round_id", "date", "day", "title", "updated_at")
        ),
        Link.objects.count(),
        Tag.objects.count(),
        list(Cohort.objects.order_by("pk").values_list("pk", "name", "slug", "visibility", "invite_token")),
        list(
            Membership.objects.order_by("pk").values_list(
                "pk", "cohort_id", "user_id", "role", "round_id", "removed_at"
            )
        ),
        list(EmailAddress.objects.values_list("pk", "email", "verified")),
        list(Token.objects.order_by("pk").values_list("pk", "user_id", "name", "digest", "revoked_at")),
        list(
            world_users().values_list(
                "pk", "email", "handle", "display_name", "language", "is_active", "password"
            )
        ),
    )


def world_users():
    from accounts.models import User

    return User.objects.order_by("pk")


def is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PATH)


@pytest.fixture(autouse=True)
def quiet_request_logs():
    """403s and 404s are the point here; keep their warnings out of the output."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security.csrf")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


# --- Every pattern is known ---------------------------------------------------------------


def test_every_url_pattern_is_classified():
    """A new view must be added to PROJECT (or ALLAUTH) with its kind, so the sweep checks it."""
    known = set(PROJECT) | set(ALLAUTH) | set(API) | API_PUBLIC
    found = {r.key for r in NON_ADMIN}
    unclassified = sorted(found - known)
    stale = sorted(known - found)
    assert not unclassified, f"URL patterns the security sweep does not know: {unclassified}"
    assert not stale, f"classified patterns that no longer exist: {stale}"
    for r in NON_ADMIN:
        if r.key in PROJECT:
            assert r.pattern.lookup_str.startswith(
                ("journal.", "accounts.", "hundreddays.", "cohorts.", "api.")
            ), r
        elif r.key in API or r.key in API_PUBLIC:
            assert r.route.startswith("api/v1/") and r.pattern.lookup_str.startswith("ninja."), r
        else:
            assert r.pattern.lookup_str.startswith(("allauth.", "django.views.generic")), r
    # The admin: only Django's own admin views (each wrapped by admin_view: staff only).
    for r in ADMIN_ROUTES:
        assert r.pattern.lookup_str.startswith(("django.contrib.", "django.views.generic.base.")), r


def test_every_concrete_path_resolves_to_its_own_pattern(world):
    for r in ROUTES:
        match = resolve(r.path(**values_for(world)))
        if r.key in API:
            # django-ninja adds one pattern per operation on a path (GET, PUT, DELETE …/entries/<date>),
            # the first one serving them all.
            assert match.route == r.route and match.namespace == "api", r.route
        else:
            assert match.func == r.pattern.callback, r.route


# --- CSRF on every POST -------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
def test_no_pattern_takes_a_post_without_a_csrf_token(world, route):
    before = fingerprint()
    for viewer in ("owner", "anonymous"):
        client = client_for(viewer, world, enforce_csrf_checks=True)
        response = client.post(route.path(**values_for(world)), {"title": "x", "confirm": "DELETE"})
        if route.key == "journal:import" and viewer == "anonymous":
            assert is_login_redirect(response)  # sign-in first; nothing is read
        elif route.key in API or route.key in API_PUBLIC:
            # Exempt from CSRF by design: the session is no credential there (see the API section).
            # The schema and its page are ordinary GET views: Django's CSRF 403, as a problem.
            expected = 403 if route.key in API_PUBLIC else 401 if "post" in API[route.key] else 405
            assert response.status_code == expected, f"{route.route} as {viewer}"
            assert response["Content-Type"] == "application/problem+json"
        elif route.key == "google_login_by_token":
            # Google is not configured here: back to sign-in with a note, nothing read (see below).
            assert is_login_redirect(response)
        elif route.key == "accounts:set-language" and viewer == "anonymous":
            # A visitor's switch sets only their own language cookie (no language posted here:
            # not even that); signed in, the choice is saved and the token is checked.
            assert response.status_code == 302 and not response.cookies, route.route
        else:
            assert response.status_code == 403, f"{route.route} as {viewer}"
        assert fingerprint() == before


def test_the_one_tap_endpoint_checks_googles_double_submit_token(client, fake_google):  # noqa: F811
    """Refused (allauth answers its sign-in error page, 401) without the cookie or with another value."""
    credential = fake_google.issue_id_token()
    path = "/accounts/google/login/token/"
    assert client.post(path, {"credential": credential}).status_code in (401, 403)
    client.cookies["g_csrf_token"] = "cookie-value"
    assert client.post(path, {"credential": credential, "g_csrf_token": "another"}).status_code in (401, 403)
    assert client.session.get("_auth_user_id") is None
    assert not EmailAddress.objects.exists()


def csrf_token(client):
    """The token a real form would carry: the cookie set by a page with a form (every page has one)."""
    client.get("/account/")
    return client.cookies[settings.CSRF_COOKIE_NAME].value


WRITES = [r for r in PROJECT_ROUTES if r.kind.writes]


def test_the_write_endpoints_are_exactly_these():
    assert sorted(r.key for r in WRITES) == [
        "accounts:profile",
        "accounts:set-language",
        "cohorts:add-organizer",
        "cohorts:delete",
        "cohorts:invite",
        "cohorts:join",
        "cohorts:leave",
        "cohorts:new",
        "cohorts:nudge",
        "cohorts:readmit",
        "cohorts:remove",
        "cohorts:settings",
        "cohorts:sharing",
        "journal:delete-account",
        "journal:entry-delete",
        "journal:entry-edit",
        "journal:entry-new",
        "journal:import",
        "journal:round-delete",
        "journal:round-new",
        "journal:round-settings",
        "tokens:list",
        "tokens:revoke",
    ]


@pytest.mark.parametrize("route", WRITES, ids=_ids(WRITES))
def test_with_the_token_the_same_post_gets_past_the_csrf_check(world, route):
    """So the 403 above is the CSRF check and nothing else."""
    client = client_for("owner", world, enforce_csrf_checks=True)
    token = csrf_token(client)
    response = client.post(route.path(**values_for(world)), {"csrfmiddlewaretoken": token})
    assert response.status_code != 403, route.route


# --- Methods ------------------------------------------------------------------------------


@pytest.mark.parametrize("route", PROJECT_ROUTES, ids=_ids(PROJECT_ROUTES))
def test_wrong_methods_get_405(world, route):
    client = client_for("owner", world)  # the owner, with the object that exists
    path = route.path(**values_for(world, "public"))
    for method in ("get", "post", *WRONG_METHODS):
        if method in route.kind.methods:
            continue
        before = fingerprint()
        status = getattr(client, method)(path).status_code
        assert status == 405, f"{method.upper()} {path}: {status}"
        assert fingerprint() == before


GETS = [r for r in PROJECT_ROUTES if "get" in r.kind.methods]


@pytest.mark.parametrize("route", GETS, ids=_ids(GETS))
def test_a_get_never_writes(world, route):
    before = fingerprint()
    for viewer in ("owner", "other", "anonymous"):
        client = client_for(viewer, world)
        for visibility in VISIBILITIES:
            client.get(route.path(**values_for(world, visibility)))
            assert fingerprint() == before, f"GET {route.route} ({visibility}) as {viewer} changed the data"


@pytest.mark.parametrize("route", GETS, ids=_ids(GETS))
def test_every_page_that_answers_get_answers_head_the_same_without_a_body(world, route):
    """Uptime monitors ask HEAD: the same status and headers as GET, no body, nothing written."""
    client = client_for("owner", world)
    path = route.path(**values_for(world, "public"))
    before = fingerprint()
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code, f"HEAD {path}: {head.status_code}, GET: {get.status_code}"
    assert head.content == b""
    assert head.get("Content-Type") == get.get("Content-Type")
    assert fingerprint() == before


# --- Sign-in ------------------------------------------------------------------------------

SIGNED_IN = [r for r in PROJECT_ROUTES if r.kind.sign_in]


@pytest.mark.parametrize("route", SIGNED_IN, ids=_ids(SIGNED_IN))
def test_a_visitor_is_sent_to_sign_in_and_nothing_happens(world, route):
    client = Client()
    path = route.path(**values_for(world))
    for method in route.kind.methods:
        before = fingerprint()
        response = getattr(client, method)(path, {"confirm": "DELETE"} if method == "post" else None)
        assert is_login_redirect(response), f"{method.upper()} {path}: {response.status_code}"
        assert fingerprint() == before


SIGNED_IN_ALLAUTH = [BY_KEY[k] for k, v in ALLAUTH.items() if v == ALLAUTH_SIGNED_IN]


@pytest.mark.parametrize("route", SIGNED_IN_ALLAUTH, ids=_ids(SIGNED_IN_ALLAUTH))
def test_allauths_account_pages_send_a_visitor_to_sign_in(route):
    assert is_login_redirect(Client().get(route.path()))


# --- Ownership: rounds and entries looked up among the user's own -------------------------

OWN_OBJECTS = [r for r in PROJECT_ROUTES if r.kind.name == OWN_OBJECT]


@pytest.mark.parametrize("route", OWN_OBJECTS, ids=_ids(OWN_OBJECTS))
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_another_user_gets_404_for_each_of_my_rounds_and_entries(world, route, visibility):
    path = route.path(**values_for(world, visibility))
    assert client_for("owner", world).get(path).status_code == 200
    other = client_for("other", world)
    before = fingerprint()
    assert other.get(path).status_code == 404
    # A write that would succeed for the owner (delete needs nothing more, settings keep the round).
    round = world.rounds[visibility]
    data = {
        "title": "Taken over",
        "start_date": round.start_date.isoformat(),
        "target": 100,
        "rule": "official",
        "visibility": "public",
        "date": world.entries[visibility].date.isoformat(),
        "progress": "Taken over",
    }
    assert other.post(path, data).status_code == 404
    assert fingerprint() == before


def test_a_round_number_in_the_url_means_one_of_my_own_rounds(world):
    """Grace's round 1 is hers: the same URLs as Ada's never show or change Ada's round 1."""
    grace_round = make_round(world.other, visibility="private", title="Grace's round")
    ada_round = world.rounds["private"]
    assert grace_round.number == ada_round.number == 1
    other = client_for("other", world)
    page = other.get("/rounds/1/settings/").content.decode()
    assert "Grace&#x27;s round" in page and "The private round" not in page
    day = world.entries["private"].date.isoformat()
    assert other.get(f"/rounds/1/{day}/edit/").status_code == 404  # Grace has no entry that day
    assert other.post(f"/rounds/1/{day}/delete/").status_code == 404
    other.post("/rounds/1/delete/")
    assert Round.objects.filter(pk=ada_round.pk).exists()
    assert not Round.objects.filter(pk=grace_round.pk).exists()


def test_logging_a_day_into_someone_elses_round_number_is_a_404(world):
    other = client_for("other", world)
    for number in (1, 2, 3):
        response = other.post(
            "/log/", {"round": number, "date": world.entries["public"].date.isoformat(), "progress": "x"}
        )
        assert response.status_code == 404
    assert Entry.objects.count() == 3


def test_my_export_holds_only_my_data(world):
    body = client_for("other", world).get("/account/data/export.json").content.decode()
    for visibility in VISIBILITIES:
        assert f"The {visibility} round" not in body and f"A {visibility} day" not in body
    assert client_for("owner", world).get("/account/data/export.xml").status_code == 404


# --- Public pages: private rounds are the owner's alone -----------------------------------

BY_HANDLE = [r for r in PROJECT_ROUTES if r.kind.name in (SHARED, ANONYMOUS_READ)]


def expected_status(kind, visibility, viewer):
    if visibility != "private":
        return 200
    if kind == ANONYMOUS_READ:
        return 404  # read without cookies: not even the owner's browser gets a private feed or badge
    return 200 if viewer == "owner" else 404


@pytest.mark.parametrize("route", BY_HANDLE, ids=_ids(BY_HANDLE))
@pytest.mark.parametrize("viewer", ["owner", "other", "anonymous"])
def test_a_private_round_is_a_404_for_everyone_but_its_owner(world, route, viewer):
    client = client_for(viewer, world)
    got = {v: client.get(route.path(**values_for(world, v))).status_code for v in VISIBILITIES}
    assert got == {v: expected_status(route.kind.name, v, viewer) for v in VISIBILITIES}


@pytest.mark.parametrize("route", BY_HANDLE, ids=_ids(BY_HANDLE))
def test_objects_that_do_not_exist_or_whose_owner_left_are_404(world, route):
    owner = client_for("owner", world)
    values = values_for(world, "public")
    for wrong in ({"handle": "nobody"}, {"number": 99}, {"date": "2000-01-01"}):
        path = route.path(**{**values, **wrong})
        if path != route.path(**values):
            assert owner.get(path).status_code == 404, path
    world.user.is_active = False
    world.user.save()
    assert Client().get(route.path(**values)).status_code == 404


PROFILES = [r for r in PROJECT_ROUTES if r.kind.name == PROFILE]


@pytest.mark.parametrize("route", PROFILES, ids=_ids(PROFILES))
def test_a_profile_lists_public_rounds_only_and_an_inactive_one_is_gone(world, route):
    for viewer in ("other", "anonymous"):
        page = client_for(viewer, world).get(route.path(handle="ada")).content.decode()
        assert "A public day" in page
        assert "A private day" not in page and "A unlisted day" not in page
        assert "The private round" not in page and "The unlisted round" not in page
    assert Client().get(route.path(handle="nobody")).status_code == 404
    world.user.is_active = False
    world.user.save()
    assert Client().get(route.path(handle="ada")).status_code == 404


# --- The admin: staff only ----------------------------------------------------------------


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=_ids(ADMIN_ROUTES))
def test_the_admin_is_closed_to_visitors_and_participants(world, route):
    path = route.path(**values_for(world))
    for viewer, method in [(v, m) for v in ("other", "anonymous") for m in ("get", "post")]:
        client = client_for(viewer, world)
        response = getattr(client, method)(path)
        assert response.status_code in (302, 403, 405), f"{method.upper()} {path}: {response.status_code}"
        if response.status_code == 302:
            location = response["Location"]
            # The admin's sign-in (which sends on to allauth's), or the admin index after signing out.
            assert location.startswith((f"/{settings.ADMIN_URL}", LOGIN_PATH)), location


# --- Cohorts: a private cohort is its members' alone, organizer pages its organizers' ------

COHORT_ROUTES = [r for r in PROJECT_ROUTES if r.key.startswith("cohorts:") and "slug" in r.route]
ORGANIZER_ONLY = {
    "cohorts:members-csv",
    "cohorts:settings",
    "cohorts:delete",
    "cohorts:invite",
    "cohorts:add-organizer",
    "cohorts:remove",
    "cohorts:readmit",
    "cohorts:nudge",
}
COHORT_WRITE_DATA = {
    "name": "Taken over",
    "language": "en",
    "visibility": "public",
    "action": "rotate",
    "handle": "grace",
    "share_entries": "on",
}


NOT_JOIN = [r for r in COHORT_ROUTES if r.key != "cohorts:join"]
ORGANIZER_ROUTES = [r for r in COHORT_ROUTES if r.key in ORGANIZER_ONLY]


@pytest.mark.parametrize("route", NOT_JOIN, ids=_ids(NOT_JOIN))
def test_a_private_cohort_is_a_404_to_every_non_member_by_get_and_post(world, route):
    path = route.path(**values_for(world, handle="ada"))
    before = fingerprint()
    for client in (client_for("other", world), Client()):
        for method in route.kind.methods:
            response = getattr(client, method)(path, COHORT_WRITE_DATA if method == "post" else None)
            if route.kind.sign_in and "_auth_user_id" not in client.session:
                assert is_login_redirect(response), path
            else:
                assert response.status_code == 404, f"{method.upper()} {path}: {response.status_code}"
    assert fingerprint() == before


@pytest.mark.parametrize("route", ORGANIZER_ROUTES, ids=_ids(ORGANIZER_ROUTES))
def test_a_plain_member_gets_404_on_organizer_pages_and_cannot_escalate_by_post(world, route):
    cohort_services.join(world.cohort, world.other)
    path = route.path(**values_for(world, handle="grace"))
    member = client_for("other", world)
    before = fingerprint()
    for method in route.kind.methods:
        response = getattr(member, method)(path, COHORT_WRITE_DATA if method == "post" else None)
        assert response.status_code == 404, f"{method.upper()} {path}: {response.status_code}"
    assert fingerprint() == before
    assert client_for("owner", world).get(f"/c/{world.cohort.slug}/members.csv").status_code == 200


def test_the_invite_page_needs_the_current_token(world):
    other = client_for("other", world)
    good = f"/c/{world.cohort.slug}/join/{world.cohort.invite_token}/"
    assert other.get(good).status_code == 200
    before = fingerprint()
    for token in ("x" * 43, world.cohort.invite_token[:-1], "None"):
        for method in ("get", "post"):
            assert getattr(other, method)(f"/c/{world.cohort.slug}/join/{token}/").status_code == 404
    assert other.post(f"/c/no-such-cohort/join/{world.cohort.invite_token}/").status_code == 404
    assert fingerprint() == before


def test_a_private_cohorts_badge_and_feed_are_404_even_to_a_cookieless_member(world):
    assert Client().get(f"/c/{world.cohort.slug}/badge.svg").status_code == 404
    assert client_for("owner", world).get(f"/c/{world.cohort.slug}/badge.svg").status_code == 404
    assert client_for("owner", world).get(f"/c/{world.cohort.slug}/feed/").status_code == 200


# --- The API: a personal token only; another user's data is a 404 --------------------------


def api_calls(world, visibility="private"):
    """Every API operation with Ada's round number and entry date of ``visibility``."""
    round, entry = world.rounds[visibility], world.entries[visibility]
    entry_path = f"/api/v1/rounds/{round.number}/entries/{entry.date.isoformat()}"
    body = {"progress": "Taken over"}
    return [
        ("get", "/api/v1/me", None),
        ("get", "/api/v1/rounds", None),
        ("get", f"/api/v1/rounds/{round.number}", None),
        ("get", f"/api/v1/rounds/{round.number}/entries", None),
        ("get", entry_path, None),
        ("put", entry_path, body),
        ("delete", entry_path, None),
        ("post", "/api/v1/today", {**body, "mode": "append"}),
    ]


def api_request(client, method, path, body=None, token=None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if body is None:
        return getattr(client, method)(path, **extra)
    return getattr(client, method)(path, body, content_type="application/json", **extra)


def test_every_api_operation_is_in_the_sweep(world):
    routes = {r.key for r in NON_ADMIN if r.key in API}
    assert routes == set(API)
    assert {(m, resolve(p).url_name) for m, p, _b in api_calls(world)} >= {
        (m, k.removeprefix("api:")) for k, methods in API.items() for m in methods if k != "api:entry_get"
    } - {(m, k) for m in ("get", "put", "delete") for k in ("entry_put", "entry_delete")}


@pytest.mark.parametrize("viewer", ["owner", "other"])
def test_the_session_cookie_grants_nothing_under_the_api(world, viewer):
    """Signed in, with a valid CSRF token even: every operation is a 401 problem, nothing changes."""
    client = client_for(viewer, world, enforce_csrf_checks=True)
    csrf = csrf_token(client)
    before = fingerprint()
    for method, path, body in api_calls(world):
        response = api_request(client, method, path, body)
        assert response.status_code == 401, f"{method.upper()} {path}: {response.status_code}"
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"].startswith("Bearer")
        response = client.generic(
            method.upper(), path, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=csrf
        )
        assert response.status_code == 401, f"{method.upper()} {path} with CSRF: {response.status_code}"
    assert fingerprint() == before


def test_a_token_authenticates_the_api_only_never_a_page(world):
    _token, raw = token_services.create_token(world.user, name="pages?", can_read=True, can_write=True)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for path in ("/account/", "/account/tokens/", "/rounds/", "/log/", "/account/data/export.json"):
        assert is_login_redirect(client.get(path)), path
    assert "A private day" not in client.get(world.entries["private"].get_absolute_url()).content.decode()


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_another_users_token_gets_404_for_my_rounds_and_entries(world, visibility):
    _token, raw = token_services.create_token(world.other, name="grace", can_read=True, can_write=True)
    client = Client()
    before = fingerprint()
    for method, path, body in api_calls(world, visibility):
        response = api_request(client, method, path, body, token=raw)
        if "/rounds/" in path:
            assert response.status_code == 404, f"{method.upper()} {path}: {response.status_code}"
            assert response["Content-Type"] == "application/problem+json"
        else:
            # Grace's own answers: her profile, no rounds, nothing to log into.
            assert response.status_code in (200, 409), f"{method.upper()} {path}: {response.status_code}"
            assert "Taken over" not in response.content.decode() and "The private round" not in (
                response.content.decode()
            )
    assert fingerprint() == before


def test_a_round_number_in_the_api_means_one_of_my_own_rounds(world):
    make_round(world.other, visibility="private", title="Grace's round")
    _token, raw = token_services.create_token(world.other, name="grace", can_read=True, can_write=True)
    body = api_request(Client(), "get", "/api/v1/rounds/1", token=raw).json()
    assert body["title"] == "Grace's round"
    day = world.entries["private"].date.isoformat()
    response = api_request(Client(), "delete", f"/api/v1/rounds/1/entries/{day}", token=raw)
    assert response.status_code == 404
    assert Entry.objects.filter(pk=world.entries["private"].pk).exists()


def test_a_read_token_cannot_write_and_a_write_token_cannot_read(world):
    _t, reader = token_services.create_token(world.user, name="reader", can_read=True, can_write=False)
    _t, writer = token_services.create_token(world.user, name="writer", can_read=False, can_write=True)
    before = fingerprint()
    for method, path, body in api_calls(world):
        token = reader if method != "get" else writer
        if path == "/api/v1/me":
            continue  # any usable token may ask who it belongs to
        response = api_request(Client(), method, path, body, token=token)
        assert response.status_code == 403, f"{method.upper()} {path}: {response.status_code}"
        assert response.json()["type"] == "urn:hundreddays:problem:insufficient-scope"
    assert fingerprint() == before


def test_wrong_methods_on_the_api_get_a_405_problem(world):
    raw = token_services.create_token(world.user, name="m", can_read=True, can_write=True)[1]
    client = Client()
    before = fingerprint()
    for _method, path, _body in api_calls(world):
        allowed = {"/api/v1/me": {"get"}, "/api/v1/today": {"post"}}.get(path) or (
            {"get", "put", "delete"} if "/entries/" in path else {"get"}
        )
        for wrong in {"get", "post", "put", "patch", "delete"} - allowed:
            response = api_request(client, wrong, path, token=raw)
            assert response.status_code == 405, f"{wrong.upper()} {path}: {response.status_code}"
            assert response["Content-Type"] == "application/problem+json"
    assert fingerprint() == before

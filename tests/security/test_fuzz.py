"""Hostile input at every URL parameter, query string and form text field: never a 500.

The URL patterns come from Django's resolver, as in the ownership sweep (``ROUTES`` of
test_ownership.py, which fails when a pattern is not classified): each parameter of each
pattern, the project's and allauth's, gets every value of ``HOSTILE`` (NUL, C0 and C1 controls,
lone surrogates and invalid UTF-8 in the percent-encoding, 10,000 characters, huge numbers,
right-to-left marks) plus seeded random Unicode, with a hostile query string, as the owner
and as a visitor. Then every form those pages show is filled from the page and sent back with
each text field hostile in turn, the bytes written by hand so that invalid UTF-8 and encoded
surrogates reach the server as they would from a raw client.

What must hold: no response is 500 or more, nothing logs an ERROR, no stored text holds a
character XML forbids, and both feeds and the badge still parse as XML.
"""

from __future__ import annotations

import logging
import random
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from accounts.models import User
from hundreddays import textsafety
from journal.models import Entry, Link, Round, Tag
from tests.security.test_ownership import NON_ADMIN, values_for, world  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db

SEED = 20241201
# Percent-encoded, as they travel in a path, a query string or a form body.
HOSTILE = [
    "%00",
    "ada%00",
    "%07bell",
    "%1B%5B31mred",  # an ANSI colour
    "%0B%0C%1F",
    "%C2%85%C2%9F",  # C1 controls (NEL, APC)
    "%ED%A0%80",  # a lone high surrogate (U+D800) as UTF-8
    "x%ED%BF%BFy",  # a lone low surrogate
    "%EF%BF%BE%EF%BF%BF",  # U+FFFE U+FFFF
    "%FF%FE%FD",  # not UTF-8 at all
    "%C3%28",  # a broken two-byte sequence
    "%E2%80%AE%E2%80%8F",  # right-to-left override and mark
    "%F0%9F%98%80",  # an emoji
    "x" * 10_000,
    "9" * 40,
    "-1",
    "%25%00",
]
ALPHABET = (
    [chr(c) for c in range(0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + list("aZ09 -_/.?#&=%+<>\"'`")
    + ["é", "ñ", "ß", "中", "𝔘", "😀", "\u200b", "\u202e", "\ufeff", "\ufffd", "\ufffe", "\uffff"]
)


def random_values(count, rng):
    """Random Unicode, percent-encoded; one in three carries a lone surrogate's bytes."""
    values = []
    for _ in range(count):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40)))
        encoded = quote(text, safe="")
        if rng.random() < 0.33:
            encoded += rng.choice(["%ED%A0%80", "%ED%B0%80", "%ED%AF%BF"])
        values.append(encoded)
    return values


FORM_HOSTILE = [HOSTILE[i] for i in (0, 2, 3, 5, 6, 9, 10, 13)]
QUERY = "?page={v}&next={v}&q={v}&%FF%00={v}&round={v}"
NO_POST = {"account_logout", "journal:round-delete", "journal:entry-delete"}  # would end the test's world


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """This test is not about rate limits; it sends thousands of requests."""
    settings.RATE_LIMITS = {"write": "off", "import": "off"}


class FormReader(HTMLParser):
    """The forms of a page: action and the fields with the values a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._textarea, self._select = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "text": [], "choices": set()}
            self.forms.append(self._form)
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self._form["fields"][name] = a.get("value", "on")
                return
            if kind in ("button", "file", "image", "submit"):
                return
            self._form["fields"][name] = a.get("value") or ""
            if kind != "hidden":
                self._form["text"].append(name)
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            # A named submit button sends its value (the language switch): fuzzed like a field.
            self._form["fields"].setdefault(name, a.get("value") or "")
            if name not in self._form["text"]:
                self._form["text"].append(name)
                self._form["choices"].add(name)
        elif tag == "textarea":
            self._textarea = name
            self._form["fields"][name] = ""
            self._form["text"].append(name)
        elif tag == "select":
            self._select = name
            self._form["text"].append(name)
            self._form["choices"].add(name)
        elif (
            tag == "option" and self._select and ("selected" in a or self._select not in self._form["fields"])
        ):
            self._form["fields"][self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def form_body(fields, hostile_field=None, hostile=None):
    parts = []
    for name, value in fields.items():
        encoded = hostile if name == hostile_field else quote(value, safe="")
        parts.append(f"{quote(name, safe='')}={encoded}")
    return "&".join(parts).encode("ascii")


class Recorder:
    def __init__(self):
        self.failures, self.count = [], 0

    def check(self, method, path, response):
        self.count += 1
        if response.status_code >= 500:
            self.failures.append((method, path[:200], response.status_code))


def _clients(world):  # noqa: F811 - the fixture's value
    owner = Client(raise_request_exception=False)
    owner.force_login(world.user)
    return {"owner": owner, "visitor": Client(raise_request_exception=False)}


def test_hostile_url_parameters_and_query_strings_never_give_a_500(world, caplog):  # noqa: F811
    rng = random.Random(SEED)
    values = HOSTILE + random_values(6, rng)
    record = Recorder()
    caplog.set_level(logging.WARNING)
    clients = _clients(world)
    good = values_for(world, "public")
    for route in NON_ADMIN:
        names = sorted(set(__import__("re").findall(r"<(?:\w+:)?(\w+)>", route.route)))
        variants = [good] + [{**good, name: value} for name in names for value in values]
        for i, params in enumerate(variants):
            path = route.path(**params)
            # The query string: every value once, on the plain path (the parameters' own runs keep it short).
            query = QUERY.format(v=values[i % len(values)]) if i < len(values) else ""
            for client in clients.values():
                record.check("GET", path + query, client.get(path + query))
    assert record.failures == [], record.failures[:20]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert record.count > 1000


def test_hostile_form_fields_never_give_a_500_and_nothing_unsafe_is_stored(world, caplog):  # noqa: F811
    rng = random.Random(SEED + 1)
    # Fewer values per field than per URL parameter: a form POST costs more than a GET.
    values = FORM_HOSTILE + random_values(2, rng)
    record = Recorder()
    caplog.set_level(logging.WARNING)
    owner = _clients(world)["owner"]
    visitor = Client(raise_request_exception=False)
    good = values_for(world, "public")
    pages = {}
    for route in NON_ADMIN:
        if route.key in NO_POST:
            continue
        path = route.path(**good)
        for client in (owner, visitor):
            response = client.get(path)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            reader = FormReader()
            reader.feed(response.content.decode())
            for form in reader.forms:
                action = (form["action"] or path).split("?")[0]
                if action.startswith("/") and form["text"] and action not in pages:
                    pages[action] = (client, form)
    sent = 0
    for action, (client, form) in pages.items():
        if action in ("/accounts/logout/",) or any(
            action == r.path(**good) for r in NON_ADMIN if r.key in NO_POST
        ):
            continue
        for field in form["text"]:
            # A list of choices is checked against the list: a few values tell as much as many.
            for value in values[:3] if field in form["choices"] else values:
                body = form_body(form["fields"], field, value)
                response = client.generic(
                    "POST", action, body, content_type="application/x-www-form-urlencoded"
                )
                record.check("POST", f"{action} {field}={value[:30]}", response)
                sent += 1
        # Every text field hostile at once.
        everything = {name: rng.choice(values) for name in form["text"]}
        body = "&".join(
            f"{quote(n, safe='')}={everything.get(n) or quote(v, safe='')}" for n, v in form["fields"].items()
        ).encode("ascii")
        record.check(
            "POST",
            action,
            client.generic("POST", action, body, content_type="application/x-www-form-urlencoded"),
        )
    assert record.failures == [], record.failures[:20]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    # The forms the sweep found: the project's writes and allauth's.
    actions = set(pages)
    for expected in (
        "/log/",
        "/rounds/new/",
        "/account/",
        "/account/language/",
        "/accounts/login/",
        "/accounts/signup/",
    ):
        assert expected in actions, sorted(actions)
    assert sent > 200

    # Nothing stored holds a character XML forbids, and the public documents are XML.
    assert User.objects.filter(pk=world.user.pk).exists(), "the sweep must not delete the account"
    stored = [
        *Round.objects.values_list("title", "description", "description_html"),
        *Entry.objects.values_list("title", "progress", "thoughts", "progress_html", "thoughts_html"),
        *Link.objects.values_list("url", "label"),
        *Tag.objects.values_list("name"),
        *User.objects.values_list("display_name", "handle", "email", "first_name", "last_name"),
        *EmailAddress.objects.values_list("email"),
    ]
    unsafe = [text for row in stored for text in row if text and not textsafety.is_clean(text)]
    assert unsafe == []
    public = Round.objects.filter(user=world.user, visibility="public").first()
    assert public is not None
    anyone = Client()
    handle = User.objects.get(pk=world.user.pk).handle
    for path in (
        f"/@{handle}/feed/",
        f"/@{handle}/r{public.number}/feed/",
        f"/@{handle}/r{public.number}/badge.svg",
    ):
        response = anyone.get(path)
        assert response.status_code == 200, path
        ET.fromstring(response.content)

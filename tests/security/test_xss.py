"""XSS battery: hostile text through every user-text field and the importer, and every page stays inert.

Each payload goes in through the real forms (profile, new round, log a day) and through a
web import (a JSON export and a Markdown log), then every page, both Atom feeds, the badge
SVG and the admin pages that show it are parsed:

- no ``<script>`` element (the admin's own ``/static/`` files excepted), no ``on*``
  attribute, no ``javascript:``/``data:``/``vbscript:`` URL, no iframe/object/embed/base;
- inside user content (the sanitized ``*_html`` in ``div.body``) only the Markdown tags
  journal.markdown allows, no ``svg``/``math``/``style``;
- nothing else new: every (element, attribute) pair on the page also appears on the same
  page built from plain words, or is allowed in user content — so an injected ``<a>``,
  ``<form>``, ``<meta>`` or ``<img>`` fails too;
- text fields come back as text: the title shows verbatim in the page's text content.

URLs given as links to work and handles are refused, which is asserted instead.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from accounts.models import User, validate_handle
from cohorts.models import Cohort
from journal import clock, markdown, services
from journal.logs import EntryData, LinkData, LogData, RoundData, write_json, write_markdown
from journal.models import Entry, Link, Round

PAYLOADS = [
    # script elements
    "<script>alert(1)</script>",
    "<ScRiPt src=//evil.example/x.js></ScRiPt>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</style></head><body><script>alert(1)</script>",
    # event handlers, attribute breaking
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    '" autofocus onfocus="alert(1)',
    "' autofocus onfocus='alert(1)",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    # javascript:, data:, vbscript: URLs and embedding
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    # SVG and MathML
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><foreignObject><iframe src=javascript:alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    # broken tags, comments, parser differentials
    "<img src=x onerror=alert(1)//",
    "<<script>alert(1)//<</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "]]><script>alert(1)</script><![CDATA[",
    '<?xml-stylesheet href="javascript:alert(1)"?>',
    # entity tricks
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "&#x3C;svg onload=alert(1)&#x3E;",
    # Markdown links and images with hostile URLs
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '[click](https://example.com/" onmouseover="alert(1))',
    "[<img src=x onerror=alert(1)>](https://example.com/)",
    "![pic](javascript:alert(1))",
    '![pic](x" onerror="alert(1))',
    "<javascript:alert(1)>",
    "[click][evil]\n\n[evil]: javascript:alert(1)",
    "`<script>alert(1)</script>`",
    # template syntax is text too
    "{{ request.user.password }}{% debug %}",
]
EXECUTABLE_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "cite", "ping", "srcset", "lowsrc", "dynsrc", "codebase", "manifest", "icon",
}  # fmt: skip
NEVER = {"iframe", "object", "embed", "frame", "frameset", "applet", "base", "portal"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# What sanitized user HTML may hold (journal.markdown), plus the rel nh3 adds to links.
USER_PAIRS = {(tag, None) for tag in markdown.ALLOWED_TAGS} | {
    (tag, attr) for tag, attrs in markdown.ALLOWED_ATTRIBUTES.items() for attr in attrs
}
USER_PAIRS.add(("a", "rel"))


# --- The checker --------------------------------------------------------------------------


class _Inspector(HTMLParser):
    """Walks a page: what could run, what sits inside user content, every (element, attribute) pair."""

    def __init__(self, allow_static_scripts):
        super().__init__(convert_charrefs=True)
        self.allow_static_scripts = allow_static_scripts
        self.problems: list[str] = []
        self.pairs: set[tuple[str, str | None]] = set()
        self.stack: list[tuple[str, bool]] = []  # (tag, opens user content)
        self.text: list[str] = []
        self.in_script = False

    @property
    def in_user_content(self):
        return any(user for _tag, user in self.stack)

    def handle_starttag(self, tag, attrs):
        self._element(tag, attrs)
        if tag not in VOID:
            classes = (dict(attrs).get("class") or "").split()
            self.stack.append((tag, tag == "div" and "body" in classes))
        self.in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def handle_endtag(self, tag):
        self.in_script = False
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data[:60]!r}")
        self.text.append(data)

    def _element(self, tag, attrs):
        where = "in user content" if self.in_user_content else "on the page"
        self.pairs.add((tag, None))
        values = {}
        for name, value in attrs:
            name = name.lower()
            value = value or ""
            values[name] = value
            self.pairs.add((tag, name))
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> {where}")
            if name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc> {where}")
            if name in URL_ATTRIBUTES and _scheme_is_executable(value, name):
                self.problems.append(f"<{tag} {name}={value[:60]!r}> {where}")
        if tag == "script":
            # The admin's own files: its static scripts and its translation catalogue.
            static = values.get("src", "").startswith((settings.STATIC_URL, f"/{settings.ADMIN_URL}jsi18n/"))
            # The app's one script, the entry form's (static/js/entry.js), outside user content.
            app_script = values.get("src", "").startswith(
                f"{settings.STATIC_URL}js/entry"
            ) and values.keys() == {
                "src",
                "defer",
            }
            if not ((self.allow_static_scripts and static) or app_script) or self.in_user_content:
                self.problems.append(f"<script {values}> {where}")
        if tag in NEVER:
            self.problems.append(f"<{tag}> {where}")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append(f"<meta http-equiv=refresh> {where}")
        if self.in_user_content and (tag, None) not in USER_PAIRS:
            self.problems.append(f"<{tag}> {where}")
        if self.in_user_content and any((tag, name) not in USER_PAIRS for name in values):
            self.problems.append(f"<{tag} {sorted(values)}> {where}")


def _scheme_is_executable(value, name):
    # Browsers drop ASCII whitespace and control characters inside a scheme.
    squeezed = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
    return squeezed.startswith(EXECUTABLE_SCHEMES)


@dataclass
class Inspection:
    problems: list[str]
    pairs: set
    text: str


def inspect_html(html, allow_static_scripts=False) -> Inspection:
    parser = _Inspector(allow_static_scripts)
    parser.feed(html)
    parser.close()
    return Inspection(parser.problems, parser.pairs, " ".join(" ".join(parser.text).split()))


def inspect_atom(body: bytes) -> tuple[list[str], list[str]]:
    """Problems in a feed (XML that parses, Atom elements only, inert HTML summaries) and its titles."""
    root = ET.fromstring(body)
    problems = []
    for element in root.iter():
        if not element.tag.startswith("{http://www.w3.org/2005/Atom}"):
            problems.append(f"foreign element {element.tag}")
        if any(name.lower().startswith("on") for name in element.attrib):
            problems.append(f"on* attribute on {element.tag}")
    atom = "{http://www.w3.org/2005/Atom}"
    for summary in root.iter(f"{atom}summary"):
        # Entry HTML, escaped into the XML: it must be sanitized HTML, as on the pages.
        parser = _Inspector(allow_static_scripts=False)
        parser.stack.append(("div", True))
        parser.feed(summary.text or "")
        parser.close()
        problems += [p for p in parser.problems if not p.startswith("<h4>")]
    for link in root.iter(f"{atom}link"):
        if _scheme_is_executable(link.get("href", ""), "href"):
            problems.append(f"link {link.get('href')}")
    titles = [" ".join((t.text or "").split()) for t in root.iter(f"{atom}title")]
    return problems, titles


BADGE_ELEMENTS = {"svg", "title", "rect", "g", "text", "path"}


def inspect_badge(body: bytes) -> tuple[list[str], str]:
    root = ET.fromstring(body)  # parses as XML: nothing the text held became markup
    problems = []
    for element in root.iter():
        tag = element.tag.split("}")[-1]
        if tag not in BADGE_ELEMENTS:
            problems.append(f"<{tag}> in the badge")
        for name in element.attrib:
            local = name.split("}")[-1].lower()
            if local.startswith("on") or local in ("href", "style"):
                problems.append(f"<{tag} {name}> in the badge")
    title = root.find("{http://www.w3.org/2000/svg}title")
    return problems, " ".join((title.text or "").split())


def same_text(expected, text):
    return " ".join(expected.split()) in text


# Payloads that are harmless when printed raw: entities stay entities unless something decodes
# them twice, and template syntax is text unless something renders it as a template.
HARMLESS_RAW = {
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "&#x3C;svg onload=alert(1)&#x3E;",
    "{{ request.user.password }}{% debug %}",
    "`<script>alert(1)</script>`",  # a code span: Markdown itself escapes it
}
NAIVE_PAGE = '<html><body><main><div class="body">{0}</div><p>{0}</p><input value="{0}"><input value=\'{0}\'></main></body></html>'


def test_the_checker_catches_each_payload_printed_without_escaping():
    """The battery can fail: each payload, printed raw or through Markdown without nh3, is caught."""
    import markdown as python_markdown

    plain = inspect_html(NAIVE_PAGE.format("Plain words"))
    for text in PAYLOADS:
        if text in HARMLESS_RAW:
            continue
        caught = False
        for html in (NAIVE_PAGE.format(text), NAIVE_PAGE.format(python_markdown.markdown(text))):
            found = inspect_html(html)
            caught = caught or bool(found.problems) or bool(found.pairs - plain.pairs - USER_PAIRS)
        assert caught, text


# --- Building a world through the forms ---------------------------------------------------

PASSWORD = "correct horse battery"


@dataclass
class World:
    owner: Client
    staff: Client
    visitor: Client
    user: User
    round: Round
    entry: Entry  # every field hostile
    bare: Entry  # progress only: its feed title comes from the progress
    pages: dict = field(default_factory=dict)


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def build_world(text) -> World:
    """Ada writes ``text`` into every field through the forms; a staff member looks at the admin."""
    user = User.objects.create_user(email="ada@example.com", password=PASSWORD, handle="ada")
    boss = User.objects.create_superuser(email="boss@example.com", password=PASSWORD, handle="boss")
    owner = _client(user)
    one_line = " ".join(text.split())
    response = owner.post(
        "/account/",
        {
            "display_name": one_line[:80],
            "handle": "ada",
            "time_zone": "UTC",
            "rollover_hour": 0,
            "language": "en",
            "reminders": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    today = clock.today_for(user)
    links = f"{one_line[:100]} https://example.com/pr"
    if "[" not in text and "]" not in text:
        links += f"\n[{one_line[:40]}](https://example.com/x)"
    response = owner.post(
        "/rounds/new/",
        {
            "title": one_line[:120],
            "start_date": (today - timedelta(days=3)).isoformat(),
            "target": 100,
            "rule": "official",
            "visibility": "public",
            "description": text,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    round = Round.objects.get(user=user)
    day_one, day_two = today - timedelta(days=2), today - timedelta(days=1)
    response = owner.post(
        "/log/",
        {
            "round": round.number,
            "date": day_one.isoformat(),
            "title": one_line[:120],
            "progress": text,
            "thoughts": text,
            "links": links,
            "minutes": 30,
            "tags": f"{text}, python",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = owner.post("/log/", {"round": round.number, "date": day_two.isoformat(), "progress": text})
    assert response.status_code == 302, response.content.decode()[:2000]
    # A public cohort on the round's start date: the round is linked, its entries shared.
    response = owner.post(
        "/cohorts/new/",
        {
            "name": one_line[:100],
            "description": text,
            "start_date": round.start_date.isoformat(),
            "target": 100,
            "rule": "official",
            "language": "en",
            "visibility": "public",
            "leaderboard": "on",
            "take_part": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry, bare = Entry.objects.filter(round=round).order_by("date")
    return World(owner, _client(boss), Client(), user, round, entry, bare)


def page_list(world: World, text: str) -> dict[str, tuple[Client, str, int]]:
    """Every HTML page that shows the text: name → (client, path, expected status)."""
    d1, d2 = world.entry.date.isoformat(), world.bare.date.isoformat()
    n = world.round.number
    admin = "/" + settings.ADMIN_URL
    quoted = {"q": text}
    cohort = Cohort.objects.get()
    pages = {
        "home (visitor)": (world.visitor, "/", 200),
        "explore": (world.visitor, "/explore/", 200),
        "profile": (world.visitor, "/@ada/", 200),
        "journal": (world.visitor, f"/@ada/r{n}/", 200),
        "permalink": (world.visitor, f"/@ada/r{n}/{d1}/", 200),
        "permalink (progress only)": (world.visitor, f"/@ada/r{n}/{d2}/", 200),
        "stats": (world.visitor, f"/@ada/r{n}/stats/", 200),
        "dashboard": (world.owner, "/", 200),
        "rounds list": (world.owner, "/rounds/", 200),
        "entry edit form": (world.owner, f"/rounds/{n}/{d1}/edit/", 200),
        "entry delete": (world.owner, f"/rounds/{n}/{d1}/delete/", 200),
        "round settings form": (world.owner, f"/rounds/{n}/settings/", 200),
        "round delete": (world.owner, f"/rounds/{n}/delete/", 200),
        "account form": (world.owner, "/account/", 200),
        "import form": (world.owner, "/import/", 200),
        "admin rounds": (world.staff, f"{admin}journal/round/", 200),
        "admin round": (world.staff, f"{admin}journal/round/{world.round.pk}/change/", 200),
        "admin entries": (world.staff, f"{admin}journal/entry/", 200),
        "admin entry": (world.staff, f"{admin}journal/entry/{world.entry.pk}/change/", 200),
        "admin users": (world.staff, f"{admin}accounts/user/", 200),
        "admin user": (world.staff, f"{admin}accounts/user/{world.user.pk}/change/", 200),
        "admin tags": (world.staff, f"{admin}journal/tag/", 200),
        "admin round deletion": (world.staff, f"{admin}journal/round/{world.round.pk}/delete/", 200),
        "cohorts list": (world.owner, "/cohorts/", 200),
        "cohort (organizer)": (world.owner, f"/c/{cohort.slug}/", 200),
        "cohort (visitor)": (world.visitor, f"/c/{cohort.slug}/", 200),
        "cohort settings": (world.owner, f"/c/{cohort.slug}/settings/", 200),
        "cohort join": (world.visitor, cohort.invite_path(), 200),
        "cohort leave": (world.owner, f"/c/{cohort.slug}/leave/", 200),
        "cohort delete": (world.owner, f"/c/{cohort.slug}/delete/", 200),
        "admin cohorts": (world.staff, f"{admin}cohorts/cohort/", 200),
        "admin cohort": (world.staff, f"{admin}cohorts/cohort/{cohort.pk}/change/", 200),
        "admin memberships": (world.staff, f"{admin}cohorts/membership/", 200),
        # the text reflected from the query string
        "admin search": (world.staff, (f"{admin}journal/entry/", quoted), 200),
        "explore ?q=": (world.visitor, ("/explore/", quoted), 200),
        "sign-in ?next=": (Client(), ("/accounts/login/", {"next": text}), 200),
    }
    return pages


def fetch(client, target):
    path, params = target if isinstance(target, tuple) else (target, None)
    return client.get(path, params)


def form_with_errors(world: World, text) -> str:
    """The new-entry form sent back with the text in every field and an impossible date."""
    response = world.owner.post(
        "/log/",
        {
            "round": world.round.number,
            "date": "1999-01-01",
            "title": text,
            "progress": text,
            "thoughts": text,
        },
    )
    assert response.status_code == 400
    return response.content.decode()


def structure_of(world: World, text) -> dict[str, Inspection]:
    out = {}
    for name, (client, target, status) in page_list(world, text).items():
        response = fetch(client, target)
        assert response.status_code == status, f"{name}: {response.status_code}"
        out[name] = inspect_html(response.content.decode(), allow_static_scripts=name.startswith("admin"))
    out["entry form with errors"] = inspect_html(form_with_errors(world, text))
    return out


@pytest.fixture(scope="session")
def plain(django_db_setup, django_db_blocker):
    """The pages of the same world written in plain words: which (element, attribute) pairs they hold."""

    class Rollback(Exception):
        pass

    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                world = build_world("Plain words")
                pages = structure_of(world, "Plain words")
                raise Rollback
        except Rollback:
            pass
    for name, inspection in pages.items():
        assert inspection.problems == [], name  # the checker itself passes the app's own markup
    return pages


@pytest.fixture(autouse=True)
def quiet_request_logs():
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def assert_inert(name, inspection: Inspection, baseline: Inspection):
    assert inspection.problems == [], name
    new = inspection.pairs - baseline.pairs - USER_PAIRS
    assert not new, f"{name}: markup that the plain page does not have: {sorted(new, key=str)}"


# --- The battery --------------------------------------------------------------------------


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 30 and len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.django_db
@pytest.mark.parametrize("text", PAYLOADS)
def test_hostile_text_in_every_field_is_inert_on_every_page_feed_and_badge(plain, text):
    world = build_world(text)
    pages = structure_of(world, text)
    assert set(pages) == set(plain)
    for name, inspection in pages.items():
        assert_inert(name, inspection, plain[name])
    # Text fields come back as text, exactly as typed.
    one_line = " ".join(text.split())
    assert same_text(one_line[:120], pages["permalink"].text), "the entry title"
    assert same_text(one_line[:120], pages["journal"].text), "the round title"
    assert same_text(one_line[:80], pages["profile"].text), "the display name"
    assert same_text(one_line[:100], pages["permalink"].text), "the link label"
    assert same_text(one_line[:120], pages["admin entries"].text), "the admin list"

    for path in (f"/@ada/r{world.round.number}/feed/", "/@ada/feed/"):
        response = world.visitor.get(path)
        assert response.status_code == 200
        problems, titles = inspect_atom(response.content)
        assert problems == [], path
        assert any(same_text(one_line[:120], title) for title in titles), path
    response = world.visitor.get(f"/@ada/r{world.round.number}/badge.svg")
    problems, title = inspect_badge(response.content)
    assert problems == [], "badge"
    assert same_text(one_line[:120], title), "badge title"

    cohort = Cohort.objects.get()
    assert same_text(one_line[:100], pages["cohort (organizer)"].text), "the cohort name"
    assert same_text(one_line[:100], pages["cohort join"].text), "the cohort name on the join page"
    response = world.visitor.get(f"/c/{cohort.slug}/feed/")
    assert response.status_code == 200
    problems, titles = inspect_atom(response.content)
    assert problems == [], "cohort feed"
    assert any(same_text(one_line[:120], t) for t in titles), "cohort feed"
    problems, title = inspect_badge(world.visitor.get(f"/c/{cohort.slug}/badge.svg").content)
    assert problems == [], "cohort badge"
    assert same_text(one_line[:27], title), "cohort badge title"


# --- The importer -------------------------------------------------------------------------


def hostile_log(text) -> LogData:
    one_line = " ".join(text.split())
    entry = EntryData(
        date=None,
        day=1,
        title=one_line[:120],
        progress=text,
        thoughts=text,
        links=[LinkData(url="https://example.com/pr", label=one_line[:120])],
        minutes=30,
        tags=[one_line[:40], "python"],
    )
    return LogData(
        rounds=[
            RoundData(
                title=one_line[:120],
                target=100,
                visibility="public",
                description=text,
                number=1,
                entries=[entry],
            )
        ],
        profile={"display_name": one_line[:80], "time_zone": "UTC", "language": "en"},
    )


def import_file(client, name, content):
    upload = SimpleUploadedFile(name, content.encode(), content_type="application/octet-stream")
    preview = client.post("/import/", {"step": "preview", "file": upload})
    assert preview.status_code == 200, preview.content.decode()[:3000]
    html = preview.content.decode()
    confirm = client.post("/import/", {"step": "confirm", "token": preview.context["token"]})
    assert confirm.status_code == 302, confirm.content.decode()[:3000]
    return html


def assert_sanitized(html, where):
    """Stored ``*_html``: what the templates print with ``|safe``."""
    parser = _Inspector(allow_static_scripts=False)
    parser.stack.append(("div", True))
    parser.feed(html)
    parser.close()
    assert parser.problems == [], where


@pytest.mark.django_db
@pytest.mark.parametrize("text", PAYLOADS)
def test_hostile_text_imported_from_a_file_is_inert(user, text):
    """journal.logs parses, journal.importing applies: the preview, the stored HTML and the day's page.

    A JSON export (every field, the profile too) and the same round as a Markdown log.
    """
    client = _client(user)
    one_line = " ".join(text.split())
    for number, fmt in enumerate(("json", "md"), start=1):
        log = hostile_log(text)
        start = clock.today_for(user) - timedelta(days=3 + number)
        log.rounds[0].start_date = log.rounds[0].entries[0].date = start
        log.rounds[0].number = number
        log.rounds[0].title = f"{fmt} {one_line}"[:120]
        content = write_json(log) if fmt == "json" else write_markdown(log.rounds[0])
        preview = inspect_html(import_file(client, f"log.{fmt}", content))
        assert preview.problems == [], f"import preview ({fmt})"
        round = Round.objects.get(user=user, title__startswith=fmt)
        entry = round.entries.get()
        if fmt == "json":
            assert entry.title == one_line[:120]
            assert Link.objects.get(entry=entry).label == one_line[:120]
            user.refresh_from_db()
            assert user.display_name == one_line[:80]
        assert_sanitized(entry.progress_html, f"progress_html ({fmt})")
        assert_sanitized(entry.thoughts_html, f"thoughts_html ({fmt})")
        assert_sanitized(round.description_html, f"description_html ({fmt})")
        # The owner's view: a Markdown log comes in private.
        page = client.get(f"/@ada/r{round.number}/{entry.date.isoformat()}/")
        assert page.status_code == 200
        assert inspect_html(page.content.decode()).problems == [], f"permalink ({fmt})"


# --- What is refused outright -------------------------------------------------------------

HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    'https://example.com/" onmouseover="alert(1)',
    "https://example.com/<script>",
    "//evil.example/x",
    "ftp://example.com/file",
    "https:alert(1)",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_hostile_link_url_is_refused_by_the_service_the_form_and_the_importer(user, url):
    from journal.tests.factories import make_round

    round = make_round(user, days_ago=3)
    today = clock.today_for(user)
    with pytest.raises(services.RuleError):
        services.create_entry(
            round, date=today, progress="x", links=[services.LinkInput(url=url, label="x")], today=today
        )
    client = _client(user)
    response = client.post(
        "/log/", {"round": round.number, "date": today.isoformat(), "progress": "x", "links": f"label {url}"}
    )
    assert response.status_code == 400
    assert "web address" in response.content.decode()  # the form's message, or the service's
    assert inspect_html(response.content.decode()).problems == []
    log = LogData(
        rounds=[
            RoundData(
                start_date=today - timedelta(days=1),
                entries=[
                    EntryData(date=today - timedelta(days=1), day=1, progress="x", links=[LinkData(url=url)])
                ],
            )
        ]
    )
    upload = SimpleUploadedFile("log.json", write_json(log).encode())
    response = client.post("/import/", {"step": "preview", "file": upload})
    page = response.content.decode()
    assert 'name="step" value="confirm"' not in page, "a file with that link must not be importable"
    assert inspect_html(page).problems == []
    assert not Link.objects.exists() and not Entry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("text", [p for p in PAYLOADS if len(p) <= 30][:12] + ["ada<x>", "a" * 31])
def test_a_hostile_handle_is_refused(user, text):
    with pytest.raises(ValidationError):
        validate_handle(text)
    client = _client(user)
    response = client.post(
        "/account/",
        {"display_name": "Ada", "handle": text, "time_zone": "UTC", "rollover_hour": 0, "language": "en"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert inspect_html(response.content.decode()).problems == []
    user.refresh_from_db()
    assert user.handle == "ada"


@pytest.mark.django_db
def test_an_imported_profile_never_sets_the_handle(user):
    log = hostile_log("<script>alert(1)</script>")
    start = clock.today_for(user) - timedelta(days=3)
    log.rounds[0].start_date = log.rounds[0].entries[0].date = start
    document = json.loads(write_json(log))
    document["profile"]["handle"] = "<script>"
    import_file(_client(user), "log.json", json.dumps(document))
    user.refresh_from_db()
    assert user.handle == "ada"
    assert user.display_name == "<script>alert(1)</script>"  # stored as typed, shown as text


# --- The API and the tokens page ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("text", PAYLOADS)
def test_hostile_text_through_the_api_and_the_tokens_page_is_inert(user, text):
    """A token named with the text (the tokens page, the revoke confirmation), then a day logged
    with it through POST /today: JSON (never sniffed as HTML) holding the text as text and the
    sanitized HTML, and the permalink as inert as when the form wrote it."""
    from urllib.parse import quote

    from journal.tests.factories import make_round

    round = make_round(user, days_ago=3, visibility="public")
    client = _client(user)
    one_line = " ".join(text.split())
    response = client.post(
        "/account/tokens/", {"name": one_line[:80], "scopes": ["read", "write"], "expires": "30"}
    )
    assert response.status_code == 200
    page = inspect_html(response.content.decode())
    assert page.problems == [], "tokens page"
    assert same_text(one_line[:80], page.text), "the token's name"
    raw = re.search(r'value="(hd_[\w-]+)"', response.content.decode())[1]
    token_pk = user.api_tokens.get().pk
    confirm = client.get(f"/account/tokens/{token_pk}/revoke/")
    assert inspect_html(confirm.content.decode()).problems == [], "revoke confirmation"

    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    links = [] if "[" in text or "]" in text else [{"url": "https://example.com/pr", "label": one_line[:120]}]
    data = {
        "progress": text,
        "thoughts": text,
        "title": one_line[:120],
        "tags": [text, "python"],
        "links": links,
    }
    response = api.post("/api/v1/today", data, content_type="application/json")
    assert response.status_code == 201, response.content.decode()[:2000]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.json()
    assert body["title"] == one_line[:120] and body["progress"] == text
    assert_sanitized(body["progress_html"], "API progress_html")
    assert_sanitized(body["thoughts_html"], "API thoughts_html")
    permalink = Client().get(body["url"])
    assert permalink.status_code == 200
    assert inspect_html(permalink.content.decode()).problems == [], "permalink of an API entry"
    assert round.entries.count() == 1

    # The text in a URL under /api/: a problem in JSON, never an HTML page echoing it.
    response = api.get("/api/v1/rounds/1/entries/" + quote(text, safe=""))
    assert response.status_code in (404, 422)
    assert response["Content-Type"] == "application/problem+json"

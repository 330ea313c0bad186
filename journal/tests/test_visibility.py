"""Who sees what on the public side, and user text that stays inert everywhere it is shown.

Private rounds: the owner's alone (404 for everyone else; no feed and no badge at all).
Unlisted rounds: open by URL, never listed (profile, explore, participant feed, home).
"""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.test import Client

from journal import services
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

OK, GONE = 200, 404
PAGES = {
    "journal": "/@ada/r1/",
    "permalink": "/@ada/r1/{date}/",
    "stats": "/@ada/r1/stats/",
    "badge": "/@ada/r1/badge.svg",
    "round feed": "/@ada/r1/feed/",
}
READ_WITHOUT_COOKIES = {"badge", "round feed"}


def viewer_client(viewer, user, other_user):
    client = Client()
    if viewer == "owner":
        client.force_login(user)
    elif viewer == "other":
        client.force_login(other_user)
    return client


def expected(visibility, viewer, page):
    if visibility != "private":
        return OK
    if page in READ_WITHOUT_COOKIES:
        return GONE
    return OK if viewer == "owner" else GONE


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private"])
@pytest.mark.parametrize("viewer", ["owner", "other", "anonymous"])
def test_who_may_open_each_page_of_a_round(user, other_user, visibility, viewer):
    round = make_round(user, visibility=visibility)
    entry = log(round, 1)
    client = viewer_client(viewer, user, other_user)
    got = {
        page: client.get(path.format(date=entry.date.isoformat())).status_code for page, path in PAGES.items()
    }
    assert got == {page: expected(visibility, viewer, page) for page in PAGES}


@pytest.fixture
def three_rounds(user):
    rounds = {}
    for visibility in ("public", "unlisted", "private"):
        rounds[visibility] = make_round(user, visibility=visibility, title=f"The {visibility} round")
        log(rounds[visibility], 1, title=f"A {visibility} day")
    return rounds


@pytest.mark.parametrize("viewer", ["other", "anonymous"])
def test_only_public_rounds_are_listed(user, other_user, three_rounds, viewer):
    client = viewer_client(viewer, user, other_user)
    listings = {
        "profile": client.get("/@ada/").content.decode(),
        "explore": client.get("/explore/").content.decode(),
        "participant feed": client.get("/@ada/feed/").content.decode(),
    }
    if viewer == "anonymous":
        listings["home"] = client.get("/").content.decode()
    for name, page in listings.items():
        assert "A public day" in page, name
        assert "A unlisted day" not in page, name
        assert "A private day" not in page, name
        assert "The unlisted round" not in page, name
        assert "The private round" not in page, name


def test_the_owners_participant_feed_and_explore_stay_public_only(auth_client, three_rounds):
    for path in ("/@ada/feed/", "/explore/"):
        page = auth_client.get(path).content.decode()
        assert "A public day" in page
        assert "A unlisted day" not in page and "A private day" not in page


def test_a_round_made_private_disappears_from_every_listing(client, user, three_rounds):
    services.update_round(three_rounds["public"], visibility="private")
    for path in ("/@ada/", "/explore/", "/@ada/feed/", "/"):
        assert "A public day" not in Client().get(path).content.decode(), path


# --- User text stays inert ---

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '"><svg onload=alert(1)>',
]


class _Inert(HTMLParser):
    """Collects anything that could run: script elements, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            self.problems.append(f"<script> element: {attrs}")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "xlink:href", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")

    handle_startendtag = handle_starttag


def assert_inert_html(html, where):
    parser = _Inert()
    parser.feed(html)
    parser.close()
    assert parser.problems == [], where
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html, where


@pytest.fixture
def hostile(user, request):
    payload = request.param
    user.display_name = payload[:80]
    user.save()
    round = make_round(user, days_ago=3, title=payload)
    services.update_round(round, description=payload)
    first = log(
        round,
        2,
        title=payload,
        progress=f"Progress {payload}",
        thoughts=f"Thoughts {payload}",
        links=[services.LinkInput(url="https://example.com/pr", label=payload)],
        tags=["python"],
        minutes=30,
    )
    log(round, 1, title="", progress=payload)
    return first


@pytest.mark.parametrize("hostile", PAYLOADS, indirect=True)
def test_hostile_text_is_inert_on_every_html_page(client, hostile):
    day = hostile.date.isoformat()
    for path in ("/@ada/", "/@ada/r1/", f"/@ada/r1/{day}/", "/@ada/r1/stats/", "/explore/", "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert_html(response.content.decode(), path)


@pytest.mark.parametrize("hostile", PAYLOADS, indirect=True)
def test_hostile_text_is_inert_in_both_feeds(client, hostile):
    for path in ("/@ada/r1/feed/", "/@ada/feed/"):
        response = client.get(path)
        body = response.content.decode()
        assert "<script" not in body and "<img" not in body and "<svg" not in body, path
        root = ET.fromstring(response.content)
        summaries = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}summary")]
        assert len(summaries) == 2
        for html in summaries:
            assert_inert_html(html, path)


@pytest.mark.parametrize("hostile", PAYLOADS, indirect=True)
def test_hostile_text_is_inert_in_the_badge(client, hostile):
    response = client.get("/@ada/r1/badge.svg")
    root = ET.fromstring(response.content)
    tags = {element.tag.split("}")[1] for element in root.iter()}
    assert tags <= {"svg", "title", "rect", "g", "text", "path"}
    for element in root.iter():
        assert not [name for name in element.attrib if name.lower().startswith("on")]
    # The title is there, as text.
    assert hostile.round.title[:10] in root.find("{http://www.w3.org/2000/svg}title").text


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt:x"]
)
def test_a_link_to_work_never_has_a_javascript_url(client, user, url):
    from django.db import IntegrityError, transaction

    from journal.models import Entry, Link

    round = make_round(user)
    with pytest.raises(services.RuleError):
        log(round, 1, links=[services.LinkInput(url=url, label="x")])
    assert not Entry.objects.exists()  # all or nothing
    entry = log(round, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.create(entry=entry, url=url, label="x")
    for path in ("/@ada/r1/", f"/@ada/r1/{entry.date.isoformat()}/"):
        assert_inert_html(client.get(path).content.decode(), path)

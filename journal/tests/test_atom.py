"""The hand-written Atom document is the one Django's feed generator writes, byte for byte."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hundreddays.textsafety import XmlSafeAtom1Feed
from journal import atom

WHEN = datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC)
AWKWARD = [
    "plain",
    "",
    "Fish & chips <b>bold</b> > less",
    'say "hi"',
    'it\'s "quoted" twice',
    "tab\there\nnew line\rreturn",
    "bell\x07 nul\x00 escape\x1b form\x0c",
    "\x07",
    "lone \ud800 surrogate",
    "ünïcödé ✓ 日本",
]


def django_feed(*, language, title, link, feed_url, author_name, subtitle, items):
    feed = XmlSafeAtom1Feed(
        title=title,
        link=link,
        description=None,
        language=language,
        feed_url=feed_url,
        author_name=author_name,
        subtitle=subtitle,
    )
    for item in items:
        feed.add_item(
            title=item.title,
            link=item.link,
            description=item.summary_html,
            unique_id=item.link,
            pubdate=item.published,
            updateddate=item.updated,
            author_name=item.author_name,
            author_link=item.author_link,
            categories=item.categories,
        )
    return feed.writeString("utf-8")


def item(text, n=0, **changes):
    fields = {
        "title": f"Day {n}: {text}",
        "link": f"https://hd.example/@ada/r1/2026-03-{n + 1:02d}/",
        "published": WHEN + timedelta(days=n),
        "updated": WHEN + timedelta(days=n, hours=1),
        "author_name": text or "Ada",
        "author_link": "https://hd.example/@ada/",
        "summary_html": f"<p>{text}</p>" if n % 2 else text,
        "categories": ["python", text] if text else [],
    }
    return atom.Item(**{**fields, **changes})


def feed(**changes):
    fields = {
        "language": "en",
        "title": "R1 · Ada",
        "link": "https://hd.example/@ada/r1/",
        "feed_url": "https://hd.example/@ada/r1/feed/",
        "author_name": "Ada",
        "subtitle": "A journal",
        "items": [item(text, n) for n, text in enumerate(AWKWARD)],
    }
    return {**fields, **changes}


@pytest.mark.parametrize("text", AWKWARD)
def test_the_document_is_djangos_whatever_the_text(text):
    arguments = feed(title=text, author_name=text, subtitle=text, items=[item(text, 1), item(text, 2)])
    assert atom.document(**arguments) == django_feed(**arguments)


def test_the_document_is_djangos_for_a_whole_feed_and_parses():
    arguments = feed()
    written = atom.document(**arguments)
    assert written == django_feed(**arguments)
    root = ET.fromstring(written.encode())
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert len(root.findall("{http://www.w3.org/2005/Atom}entry")) == len(AWKWARD)


def test_links_outside_ascii_become_uris_as_in_djangos_feeds():
    arguments = feed(
        link="https://hd.example/día/@ada/r1/",
        feed_url="https://hd.example/día/@ada/r1/feed/",
        items=[
            item(
                "x",
                1,
                link="https://hd.example/día/@ada/r1/2026-03-02/",
                author_link="https://hd.example/día/",
            )
        ],
    )
    written = atom.document(**arguments)
    assert written == django_feed(**arguments)
    assert 'href="https://hd.example/d%C3%ADa/@ada/r1/2026-03-02/"' in written


def test_an_empty_feed_is_updated_now_and_other_zones_keep_their_offset():
    before = datetime.now(tz=UTC).replace(microsecond=0)
    root = ET.fromstring(atom.document(**feed(items=[])).encode())
    assert datetime.fromisoformat(root.findtext("{http://www.w3.org/2005/Atom}updated")) >= before
    madrid = timezone(timedelta(hours=1))
    arguments = feed(items=[item("x", 1, published=WHEN.astimezone(madrid), updated=WHEN.astimezone(madrid))])
    assert atom.document(**arguments) == django_feed(**arguments)

"""An Atom 1.0 document (RFC 4287) written as one string: plain data in, text out.

The same bytes as Django's ``Atom1Feed`` with ``hundreddays.textsafety.XmlSafeAtom1Feed``'s
generator (characters XML forbids dropped, attributes sorted, empty elements closed as
``<x/>``), which ``journal.tests.test_atom`` checks. Written by hand because the feed views
build it on every cache miss: Django's SAX generator and its ``Feed`` attribute lookups
cost several times the database reads behind a feed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from django.utils.encoding import iri_to_uri

from hundreddays.textsafety import clean

CONTENT_TYPE = "application/atom+xml; charset=utf-8"
NAMESPACE = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Item:
    title: str
    link: str  # absolute
    published: datetime  # aware
    updated: datetime
    author_name: str
    author_link: str
    summary_html: str
    categories: Sequence[str] = ()


def _text(value: str) -> str:
    return escape(clean(value))


def _element(name: str, text: str, attributes: str = "") -> str:
    text = _text(text)
    return f"<{name}{attributes}>{text}</{name}>" if text else f"<{name}{attributes}/>"


def _attribute(value: str) -> str:
    return quoteattr(clean(value))


# What iri_to_uri leaves as it is: most links need no work.
_URI = re.compile(r"[A-Za-z0-9_.~/#%\[\]=:;$&()+,!?*@'-]*")


def _uri(value: str) -> str:
    return value if _URI.fullmatch(value) else iri_to_uri(value)


def _date(value: datetime) -> str:
    """RFC 3339, as Django's feeds write it."""
    return value.isoformat() + ("Z" if value.utcoffset() is None else "")


_HTML = ' type="html"'


def _item(item: Item) -> str:
    categories = "".join(f"<category term={_attribute(name)}/>" for name in item.categories)
    return (
        f"<entry>{_element('title', item.title)}"
        f'<link href={_attribute(_uri(item.link))} rel="alternate"/>'
        f"<published>{_date(item.published)}</published><updated>{_date(item.updated)}</updated>"
        f"<author>{_element('name', item.author_name)}{_element('uri', _uri(item.author_link))}</author>"
        f"{_element('id', item.link)}{_element('summary', item.summary_html, _HTML)}"
        f"{categories}</entry>"
    )


def document(
    *,
    language: str,
    title: str,
    link: str,
    feed_url: str,
    author_name: str,
    subtitle: str,
    items: Sequence[Item],
) -> str:
    """The feed. Its ``updated`` is the latest date of its items (now when it has none)."""
    dates = [d for item in items for d in (item.updated, item.published) if d]
    updated = max(dates) if dates else datetime.now(tz=UTC)
    head = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f"<feed xml:lang={_attribute(language)} xmlns={_attribute(NAMESPACE)}>",
        _element("title", title),
        f'<link href={_attribute(_uri(link))} rel="alternate"/>',
        f'<link href={_attribute(_uri(feed_url))} rel="self"/>',
        _element("id", link),
        _element("updated", _date(updated)),
        "<author>",
        _element("name", author_name),
        "</author>",
        _element("subtitle", subtitle),
    ]
    return "".join([*head, *map(_item, items), "</feed>"])

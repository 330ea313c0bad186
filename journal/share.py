"""What the public pages hand to the outside world.

Absolute URLs (from ``settings.SITE_URL``, never from the Host header), the
"Day N/T of #100DaysOfCode" share links, plain-text snippets for meta tags and
feed titles, and the HTTP validators (ETag / Last-Modified / Expires) that let
browsers, feed readers and GitHub's image proxy revalidate cheaply (journal.pagecache
answers the conditional requests).

Plain functions on already-loaded objects: nothing here runs a query.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils.http import http_date, quote_etag
from django.utils.text import Truncator
from django.utils.translation import get_language

from journal import clock

HASHTAG = "#100DaysOfCode"
SITE_NAME = "Hundred Days"
DESCRIPTION_CHARS = 160
HEADLINE_CHARS = 80
# Bump when the markup of the cached pages changes, so browsers drop old copies.
MARKUP_GENERATION = 2


def absolute_url(path: str) -> str:
    """``path`` on the public site (``SITE_URL``): feeds, share links, canonical URLs."""
    return settings.SITE_URL + path


# A tag of sanitized HTML (journal.markdown): text never holds a bare "<" or ">", and attribute
# values are double-quoted. Removing them gives what django.utils.html.strip_tags gives, at a
# fraction of its cost (it runs an HTML parser twice): feeds take a title from each untitled entry.
_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')


def _text(html: str) -> str:
    return unescape(_TAG.sub("", html or ""))


def truncated(text: str, limit: int) -> str:
    """``Truncator(text).chars(limit)``, which leaves a text of at most ``limit`` characters as it is
    (it counts fewer when some combine), without walking through such a text."""
    return Truncator(text).chars(limit) if len(text) > limit else text


def plain_text(html: str, limit: int | None = DESCRIPTION_CHARS) -> str:
    """Sanitized HTML as one line of text, for meta descriptions (escape it again on output)."""
    text = " ".join(_text(html).split())
    return truncated(text, limit) if limit else text


def first_line(html: str, limit: int = HEADLINE_CHARS) -> str:
    """The first non-empty line of sanitized HTML as text, truncated."""
    for line in _text(html).splitlines():
        line = " ".join(line.split())
        if line:
            return truncated(line, limit)
    return ""


def headline(entry) -> str:
    """An entry's title, or the first line of its progress when it has none."""
    return entry.title or first_line(entry.progress_html)


def share_text(entry, round, path: str | None = None) -> str:
    """``Day N/T of #100DaysOfCode: <title> <permalink>`` (the community's wording, not translated).
    ``path``: the entry's own, when the caller has it."""
    path = path or entry.get_absolute_url()
    return f"Day {entry.day}/{round.target} of {HASHTAG}: {headline(entry)} {absolute_url(path)}"


@dataclass(frozen=True)
class ShareLink:
    name: str
    url: str


def share_links(entry, round, path: str | None = None) -> list[ShareLink]:
    """Links that open X, Bluesky and Mastodon with the share text; none for a private round."""
    if round.is_private:
        return []
    text = quote(share_text(entry, round, path), safe="")
    return [
        ShareLink("X", f"https://twitter.com/intent/tweet?text={text}"),
        ShareLink("Bluesky", f"https://bsky.app/intent/compose?text={text}"),
        # mastodonshare.com asks for the reader's instance, then opens <instance>/share?text=…
        ShareLink("Mastodon", f"https://mastodonshare.com/?text={text}"),
    ]


def badge_url(round) -> str:
    return absolute_url(
        reverse("journal:badge", kwargs={"handle": round.user.handle, "number": round.number})
    )


def badge_markdown(round) -> str:
    """The README snippet: the badge image linking to the journal."""
    return f"[![100DaysOfCode]({badge_url(round)})]({absolute_url(round.get_absolute_url())})"


def page_meta(
    *, title, description, path, kind="website", noindex=False, feed=None, image=None, image_alt=""
) -> dict:
    """What ``cards.seo_tags`` writes in the head: canonical URL, Open Graph, robots.

    ``description`` is plain text (see ``plain_text``); the template escapes it.
    """
    return {
        "title": title,
        "description": truncated(" ".join(str(description).split()), DESCRIPTION_CHARS),
        "url": absolute_url(path),
        "type": kind,
        "site_name": SITE_NAME,
        "noindex": noindex,
        "feed": absolute_url(feed) if feed else "",
        # A 1200×630 PNG (journal.og_image) for link previews, with its text alternative.
        "image": absolute_url(image) if image else "",
        "image_alt": image_alt,
    }


# --- HTTP validators ------------------------------------------------------------------


def make_etag(*parts) -> str:
    key = ":".join(str(p) for p in (MARKUP_GENERATION, *parts))
    return quote_etag(hashlib.md5(key.encode(), usedforsecurity=False).hexdigest())


@dataclass(frozen=True)
class Validators:
    """What lets a client revalidate a page, and when the page changes without a write."""

    etag: str
    last_modified: datetime
    # The owner's next midnight for pages that show missed days and streaks.
    expires: datetime | None = None

    def apply(self, response):
        response.headers["ETag"] = self.etag
        response.headers["Last-Modified"] = http_date(self.last_modified.timestamp())
        if self.expires is not None:
            response.headers["Expires"] = http_date(self.expires.timestamp())
        return response


def round_validators(round, today, *extra) -> Validators:
    """Validators of a page about ``round`` (``round.user`` loaded), as seen on ``today``.

    ``round.version`` is bumped by journal.services on every write to the round or
    its entries; the owner's name and avatar and the page language are shown too.
    The page changes at the start of the owner's day even when nothing was written.
    """
    user = round.user
    etag = make_etag(
        round.pk, round.version, today, get_language(), user.handle, user.name, user.avatar_url, *extra
    )
    return Validators(
        etag,
        max(round.updated_at, clock.day_started_at(user, today)),
        clock.day_ends_at(user, today),
    )


def changes_at_day_end(response, user, today):
    """Mark a page showing ``user``'s missed days and streaks as changing when their day ends."""
    response.headers["Expires"] = http_date(clock.day_ends_at(user, today).timestamp())
    return response

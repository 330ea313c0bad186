"""What a participant may write, in one place: field lengths, the rendered-HTML cap, and
the rules for tags, links and dates that every way in applies the same way.

Forms, the admin, the services, the importer, the API and the models read this module, so
a text, a tag or a link is bounded and normalised alike whichever way it comes in. It
sits below all of them (it imports only ``journal.rules``). The accounts app keeps its
own limits (it never imports journal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from journal import rules

# Text fields (characters).
ROUND_TITLE = 120
ROUND_DESCRIPTION = 5_000
ENTRY_TITLE = 120
ENTRY_PROGRESS = 20_000
ENTRY_THOUGHTS = 20_000
LINK_LABEL = 120
LINK_URL = 500
TAG = 40
TAGS_FIELD = 400
MAX_TAGS = 10  # per entry
MAX_LINKS = 10  # per entry

# Rendered HTML: at most this many times the Markdown it comes from (plus a small floor,
# so that a one-character quote or list still renders), and never more than HTML_MAX.
HTML_RATIO = 20
HTML_FLOOR = 2_000
HTML_MAX = 500_000
# Lists and quotes inside each other: GitHub shows a few levels; sanitizing costs grow with depth.
NESTING = 50
# Table cells in one text (cmark-gfm pads short rows to the header's width).
TABLE_CELLS = 5_000


def html_cap(text_length: int) -> int:
    """The most HTML (characters) a Markdown text of ``text_length`` characters may become."""
    return min(HTML_MAX, max(HTML_FLOOR, HTML_RATIO * text_length))


# --- tags ---------------------------------------------------------------------------------

_NOT_IN_TAG = re.compile(r"[^\w-]+", re.UNICODE)


def normalize_tags(raw) -> list[str]:
    """Tag names as stored: lower case, no ``#``, other punctuation as ``-``, no repeats,
    at most MAX_TAGS. ``raw`` is a list, or text separated by commas or spaces."""
    if isinstance(raw, str):
        raw = re.split(r"[,\s]+", raw)
    out = []
    for item in raw or ():
        name = _NOT_IN_TAG.sub("-", str(item).strip().lstrip("#").lower()).strip("-_")[:TAG]
        if name and name not in out:
            out.append(name)
    return out[:MAX_TAGS]


# --- links --------------------------------------------------------------------------------

# The database accepts only these (a named constraint); quotes and angle brackets never,
# so an address can't close the attribute it is printed in.
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


@dataclass
class LinkInput:
    url: str
    label: str = ""


def is_safe_url(url: str) -> bool:
    """Whether ``url`` may be stored as a link: http(s), no space, quote or bracket, not too long."""
    return len(url) <= LINK_URL and bool(_SAFE_URL.match(url))


def normalize_url(url) -> str:
    """Trimmed, with an http(s) scheme in lower case (the database checks it in lower case)."""
    url = (url or "").strip()
    scheme, sep, rest = url.partition("://")
    return f"{scheme.lower()}{sep}{rest}" if sep and scheme.lower() in ("http", "https") else url


def link_label(label) -> str:
    return (label or "").strip()[:LINK_LABEL].strip()


# --- dates --------------------------------------------------------------------------------


def date_error_message(code, round, d) -> str:
    """What to tell the person for a ``journal.rules.date_error`` code about date ``d`` of ``round``."""
    if code == "future":
        return _("You can't log a day that hasn't happened yet.")
    if code == "before_start":
        return _("This round starts on %(start)s.") % {"start": date_format(round.start_date)}
    if code == "duplicate":
        return _("%(date)s is already logged in this round. Edit that entry instead.") % {
            "date": date_format(d)
        }
    if code == "after_finish":
        return _("This round ended on %(finish)s.") % {
            "finish": date_format(rules.calendar_finish(round.start_date, round.target))
        }
    if code == "round_complete":
        return _("This round is complete: all %(target)s days are logged.") % {"target": round.target}
    return _("This date can't be logged.")

"""Plain data exchanged by the log parsers and writers (no models, no database).

The reasons of a :class:`LogError` are translated with Django's ``gettext`` when the error
is raised, so they come in the language active then (the request's, on the import page).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext

from journal.rules import OFFICIAL

# Mirrors of the model limits (journal.models), so that a file breaking them is refused
# with its line number instead of failing later inside the import transaction.
MAX_DAY = 366
MAX_TARGET = 366
MAX_MINUTES = 1440
MAX_TITLE = 120
MAX_LABEL = 120
MAX_URL = 500
MAX_TAG = 40
VISIBILITIES = ("public", "unlisted", "private")
PROFILE_KEYS = ("display_name", "handle", "time_zone", "rollover_hour", "language")


@dataclass
class LinkData:
    url: str
    label: str = ""


@dataclass
class EntryData:
    date: datetime.date | None  # None only for undated logs before a start date is applied
    day: int | None  # the day number written in the file (or computed on export)
    title: str = ""
    progress: str = ""  # Markdown
    thoughts: str = ""  # Markdown
    links: list[LinkData] = field(default_factory=list)
    minutes: int | None = None
    tags: list[str] = field(default_factory=list)
    line: int = 0  # 1-based line of the heading in the source (0 when not from a file)


@dataclass
class Note:
    """Something the Markdown reader did that the preview shows: what, in words, and where.

    ``kind`` groups them: "dates" (the order and format read), "skipped" (days left out),
    "description" (text outside the days), "links" (links kept as text), "labels" (day
    labels that disagree with the dates) and "rounds" (where a new round starts).
    """

    kind: str
    message: str  # translated when the file is read
    line: int | None = None


NOTE_KINDS = ("dates", "rounds", "skipped", "description", "links", "labels")


@dataclass
class RoundData:
    title: str = ""
    start_date: datetime.date | None = None
    target: int = 100
    rule: str = OFFICIAL  # "official" | "calendar"
    visibility: str = "private"  # "public" | "unlisted" | "private"
    description: str = ""
    number: int | None = None
    entries: list[EntryData] = field(default_factory=list)
    # What the Markdown reader noticed (see Note); not part of the round itself.
    notes: list[Note] = field(default_factory=list, compare=False)


@dataclass
class LogData:
    rounds: list[RoundData]
    # display_name, handle, time_zone, rollover_hour, language (JSON only)
    profile: dict = field(default_factory=dict)
    # Markdown: how numeric dates like 3/4/24 were read ("mdy" or "dmy", "" when there are
    # none), and the orders that fit every date when there is a choice to offer.
    date_order: str = field(default="", compare=False)
    date_orders: list[str] = field(default_factory=list, compare=False)
    date_example: str = field(default="", compare=False)  # the first numeric date, as written


class LogError(ValueError):
    """A log that cannot be read: one clear reason, and the line when one is to blame."""

    def __init__(self, reason: str, line: int | None = None):
        # One line, whatever text from the file the reason quotes.
        reason = " ".join(str(reason).splitlines())
        self.reason = reason
        self.line = line
        super().__init__(reason, line)

    def __str__(self) -> str:
        if self.line is None:
            return self.reason
        return gettext("line %(line)s: %(reason)s") % {"line": self.line, "reason": self.reason}

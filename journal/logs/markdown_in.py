"""Read a #100DaysOfCode log written in Markdown.

Three shapes are recognised, case- and accent-insensitively:

- simple: ``## Day N`` / ``## Día N`` headings with free text below, no dates;
- the community template: ``### Day N: July 17, 2017 (Monday)`` with bold labels
  (``**Today's Progress**:``, ``**Thoughts:**``, ``**Link(s) to work**`` and the
  Spanish ones);
- rapid: ``### R1D1`` headings after a line saying "Started on <date>".

The parser never raises anything but :class:`LogError`.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

from journal.rules import CALENDAR, OFFICIAL

from .data import (
    MAX_DAY,
    MAX_LABEL,
    MAX_MINUTES,
    MAX_TAG,
    MAX_TITLE,
    MAX_URL,
    EntryData,
    LinkData,
    LogError,
    RoundData,
)

# Translated when raised, in the language active then.
NO_DAYS = gettext_noop("no days found: expected headings like '### Day 1: March 4, 2024'")
NO_START = gettext_noop("this log has no dates: give the start date")
MAX_ROUND_NUMBER = 32767

# --- folding: case- and accent-insensitive matching ---------------------------------------


def fold(text: str) -> tuple[str, list[int] | None]:
    """Lower-case ``text`` without accents, with a map from folded to original positions.

    The map is None when positions are unchanged (ASCII text); otherwise ``pos[i]`` is the
    index in ``text`` of folded character ``i`` and ``pos[len(folded)] == len(text)``.
    """
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    pos: list[int] = []
    attached = False  # accents are dropped only from letters and digits ("Día"), not after ": "
    for i, char in enumerate(text):
        for part in unicodedata.normalize("NFD", char):
            for folded in part.casefold():
                if attached and unicodedata.combining(folded):
                    continue
                out.append(folded)
                pos.append(i)
                attached = folded.isalnum()
    pos.append(len(text))
    return "".join(out), pos


def _orig(pos: list[int] | None, index: int) -> int:
    """Where folded position ``index`` starts in the original text."""
    return index if pos is None else pos[index]


def _orig_end(pos: list[int] | None, index: int) -> int:
    """Where a match ending at folded position ``index`` ends in the original text.

    A character folded to several ("ß" to "ss") counts as matched only when all of it is.
    """
    if pos is None or index == 0 or pos[index] != pos[index - 1]:
        return _orig(pos, index)
    return pos[index - 1]


# --- dates ---------------------------------------------------------------------------------

MONTHS = {
    "january": 1, "jan": 1, "enero": 1, "ene": 1,
    "february": 2, "feb": 2, "febrero": 2,
    "march": 3, "mar": 3, "marzo": 3,
    "april": 4, "apr": 4, "abril": 4, "abr": 4,
    "may": 5, "mayo": 5,
    "june": 6, "jun": 6, "junio": 6,
    "july": 7, "jul": 7, "julio": 7,
    "august": 8, "aug": 8, "agosto": 8, "ago": 8,
    "september": 9, "sept": 9, "sep": 9, "septiembre": 9, "setiembre": 9, "set": 9,
    "october": 10, "oct": 10, "octubre": 10,
    "november": 11, "nov": 11, "noviembre": 11,
    "december": 12, "dec": 12, "diciembre": 12, "dic": 12,
}  # fmt: skip
WEEKDAYS_FULL = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo",
)  # fmt: skip
WEEKDAYS_SHORT = ("mon", "tues", "tue", "wed", "thurs", "thur", "thu", "fri", "sat", "sun")


def _alternation(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH = _alternation(MONTHS)
_WEEKDAY = _alternation(WEEKDAYS_FULL + WEEKDAYS_SHORT)
_ORDINAL = r"(?:st|nd|rd|th|o|a|º|ª)?"
_YEAR_TAIL = r"[ \t]*,?[ \t]*(?:del?[ \t]+)?(?P<y>[0-9]{4})(?![0-9])"
_DATE_PATTERNS = (
    # 2017-07-17, 2017/07/17
    re.compile(r"(?<![0-9])(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])"),
    # July 17, 2017 / July 17th 2017 / July 17, Monday, 2017
    re.compile(
        rf"\b(?P<mn>{_MONTH})\b\.?[ \t]*(?P<d>[0-9]{{1,2}}){_ORDINAL}\b"
        rf"(?:[ \t]*,?[ \t]*(?:{_WEEKDAY})\b\.?)?{_YEAR_TAIL}"
    ),
    # 17 July 2017 / 27 de junio de 2016 / 1º de marzo, 2024
    re.compile(
        rf"(?<![0-9])(?P<d>[0-9]{{1,2}}){_ORDINAL}[ \t]*(?:(?:de|of)[ \t]+)?(?P<mn>{_MONTH})\b\.?{_YEAR_TAIL}"
    ),
)
_WEEKDAY_WORDS = re.compile(
    rf"\([ \t]*(?:{_WEEKDAY})\b\.?[ \t]*\)|\b(?:{_alternation(WEEKDAYS_FULL)})\b[ \t]*,?"
)


@dataclass
class _FoundDate:
    value: datetime.date
    start: int  # where it is written in the text
    end: int


def find_date(text: str, line: int | None) -> _FoundDate | None:
    """The first date written in ``text``, or None; an impossible date is refused."""
    folded, pos = fold(text)
    best = None
    for pattern in _DATE_PATTERNS:
        match = pattern.search(folded)
        if match and (best is None or match.start() < best.start()):
            best = match
    if best is None:
        return None
    groups = best.groupdict()
    month = MONTHS[groups["mn"]] if groups.get("mn") else int(groups["m"])
    start, end = _orig(pos, best.start()), _orig_end(pos, best.end())
    try:
        value = datetime.date(int(groups["y"]), month, int(groups["d"]))
    except ValueError:
        raise LogError(gettext("'%(date)s' is not a valid date") % {"date": text[start:end]}, line) from None
    return _FoundDate(value, start, end)


# --- headings ------------------------------------------------------------------------------

_ATX = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
_DAY = re.compile(r"(?:day|dia)[ \t._-]*#?[ \t]*([0-9]+)(?:[ \t]*(?:/|of|de)[ \t]*[0-9]+(?![0-9]))?")
_RAPID = re.compile(r"(?:r|round|ronda)[ \t]*([0-9]+)[ \t]*[,:.-]?[ \t]*(?:d|day|dia)[ \t]*([0-9]+)")
_SEPARATORS_LEFT = " \t:-–—.|,;"
_SEPARATORS_RIGHT = " \t:-–—|,;"


def heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, without its closing ``#`` sequence."""
    match = _ATX.match(line)
    if not match:
        return None
    content = line[match.end() :].strip()
    if content.endswith("#"):
        bare = content.rstrip("#")
        if not bare or bare[-1] in " \t":
            content = bare.rstrip()
    return len(match.group(1)), content


def _day_match(line: str):
    """(content, folded, pos, match, rapid) when ``line`` looks like a day heading, else None."""
    found = heading(line)
    if found is None or found[0] < 2:
        return None
    content = found[1]
    folded, pos = fold(content)
    match = _RAPID.match(folded)
    if match:
        return content, folded, pos, match, True
    match = _DAY.match(folded)
    if match:
        return content, folded, pos, match, False
    return None


@dataclass
class _Heading:
    day: int
    date: datetime.date | None
    title: str
    round_number: int | None


_OUT_OF_RANGE = {
    "round": gettext_noop("round %(n)s is out of range (1 to %(limit)s)"),
    "day": gettext_noop("day %(n)s is out of range (1 to %(limit)s)"),
}


def _number(digits: str, what: str, limit: int, line: int) -> int:
    value = int(digits) if len(digits) <= 6 else limit + 1
    if not 1 <= value <= limit:
        shown = digits if len(digits) <= 12 else digits[:12] + "…"
        raise LogError(gettext(_OUT_OF_RANGE[what]) % {"n": shown, "limit": limit}, line)
    return value


def _remove_spans(text: str, spans) -> str:
    out, last = [], 0
    for a, b in sorted(spans):
        if a < last:
            a = last
        out.append(text[last:a])
        last = max(last, b)
    out.append(text[last:])
    return "".join(out)


def _clean_title(text: str) -> str:
    return text.lstrip(_SEPARATORS_LEFT).rstrip(_SEPARATORS_RIGHT)


def parse_day_heading(line: str, number: int) -> _Heading | None:
    found = _day_match(line)
    if found is None:
        return None
    content, folded, pos, match, rapid = found
    round_number = None
    if rapid:
        round_number = _number(match.group(1), "round", MAX_ROUND_NUMBER, number)
        day = _number(match.group(2), "day", MAX_DAY, number)
    else:
        day = _number(match.group(1), "day", MAX_DAY, number)
    rest = content[_orig_end(pos, match.end()) :]
    date = find_date(rest, number)
    if date is None:
        title = rest
    else:
        rest_folded, rest_pos = fold(rest)
        spans = [(date.start, date.end)]
        for weekday in _WEEKDAY_WORDS.finditer(rest_folded):
            spans.append((_orig(rest_pos, weekday.start()), _orig_end(rest_pos, weekday.end())))
        title = _remove_spans(rest, spans)
        # Brackets left empty around a removed date: "Day 1 [March 4, 2024]".
        title = re.sub(r"[\[(][ \t,]*[\])]", "", title)
    title = _clean_title(title.strip())
    return _Heading(day, date.value if date else None, title, round_number)


# --- labels --------------------------------------------------------------------------------

_APOSTROPHE = r"(?:['’`´]|[ \t])?"
_LABEL_NAMES = {
    "progress": (
        rf"today{_APOSTROPHE}s[ \t]+progress",
        r"progress",
        r"progreso(?:[ \t]+de[ \t]+hoy|[ \t]+del[ \t]+dia)?",
        r"avances?(?:[ \t]+de[ \t]+hoy)?",
    ),
    "thoughts": (r"thoughts?", r"reflexion(?:es)?", r"pensamientos?"),
    "links": (
        r"links?(?:[ \t]*\(s\))?(?:[ \t]+to[ \t]+(?:my[ \t]+)?work)?",
        r"enlaces?(?:[ \t]*\(s\))?(?:[ \t]+a[ \t]+mi[ \t]+trabajo)?",
    ),
    "title": (r"title", r"titulo"),
    "minutes": (r"minutes", r"minutos", r"time[ \t]+spent", r"tiempo"),
    "tags": (r"tags", r"etiquetas"),
}
_LABEL = re.compile(
    r"[ \t]{0,3}(?:[-*+][ \t]+)?(?P<b>\*\*|__)[ \t]*(?P<name>"
    + "|".join(f"(?P<{key}>{'|'.join(names)})" for key, names in _LABEL_NAMES.items())
    + r")[ \t]*(?P<c1>:)?[ \t]*(?P=b)[ \t]*(?P<c2>:)?[ \t]*"
)
_LABEL_PREFIX = 160  # labels are short: fold only the start of long lines


def label(line: str) -> tuple[str, str] | None:
    """(field, value on the same line) when ``line`` is a bold label like ``**Thoughts:** ...``."""
    stripped = line.lstrip(" \t")
    if stripped[:1] not in ("*", "_", "-", "+"):
        return None
    head = line[:_LABEL_PREFIX]
    folded, pos = fold(head)
    match = _LABEL.match(folded)
    if not match:
        return None
    value = line[_orig_end(pos, match.end()) :].strip()
    if not (match.group("c1") or match.group("c2")) and value:
        # "**Progress** on the parser was slow" is a sentence, not a label.
        return None
    key = next(key for key in _LABEL_NAMES if match.group(key) is not None)
    return key, value


# --- escaping lines that would be misread ---------------------------------------------------


def is_structural(line: str, preamble: bool = False) -> bool:
    """Would the parser read ``line`` as a day heading or a label (or, before the days, a heading)?"""
    if _day_match(line) is not None or label(line) is not None:
        return True
    # Before the days, any heading matters: the first is the title, trailing ones are dropped.
    return preamble and heading(line) is not None


_ESCAPED = re.compile(r"([ \t]*)(\\+)")


def needs_escape(line: str, preamble: bool = False) -> bool:
    """Lines the writer prefixes with a backslash so they read back as text (see ``unescape``)."""
    match = _ESCAPED.match(line)
    if match and match.group(2):
        line = match.group(1) + line[match.end() :]
    return is_structural(line, preamble)


def escape(line: str) -> str:
    indent = len(line) - len(line.lstrip(" \t"))
    return line[:indent] + "\\" + line[indent:]


def unescape(line: str, preamble: bool = False) -> str:
    match = _ESCAPED.match(line)
    if not match or not match.group(2):
        return line
    bare = match.group(1) + line[match.end() :]
    if is_structural(bare, preamble):
        return line[: match.start(2)] + line[match.start(2) + 1 :]
    return line


# --- links ---------------------------------------------------------------------------------

_MD_LINK = re.compile(
    r"\[(?P<label>(?:\\.|[^\[\]\\]){0,1000})\]\([ \t]*(?:<(?P<angle>[^<>\n]*)>|(?P<url>[^\s()]*(?:\([^\s()]*\)[^\s()]*)*))"
    r"(?:[ \t]+(?:\"[^\"]*\"|'[^']*'))?[ \t]*\)"
)
_AUTOLINK = re.compile(r"<(?P<url>[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s]*)>")
_BARE_URL = re.compile(r"(?i)\bhttps?://[^\s<>]+")
_UNESCAPE = re.compile(r"\\(.)")
_TRAILING = ".,;:!?'\"*_"
_WEB = re.compile(r"(?i)https?://\S")


def _trim_bare(url: str) -> str:
    while url:
        if url[-1] in _TRAILING:
            url = url[:-1]
        elif url[-1] == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url


def find_links(text: str, line: int) -> list[LinkData]:
    """Links in one line of a links section: ``[label](url)``, ``<url>`` or a bare URL."""
    found: list[tuple[int, LinkData]] = []
    taken: list[tuple[int, int]] = []
    for match in _MD_LINK.finditer(text):
        url = match.group("angle") if match.group("angle") is not None else match.group("url")
        found.append(
            (match.start(), LinkData(url.strip(), _UNESCAPE.sub(r"\1", match.group("label")).strip()))
        )
        taken.append(match.span())
    for match in _AUTOLINK.finditer(text):
        if not any(a <= match.start() < b for a, b in taken):
            found.append((match.start(), LinkData(match.group("url"), "")))
            taken.append(match.span())
    for match in _BARE_URL.finditer(text):
        if not any(a <= match.start() < b for a, b in taken):
            url = _trim_bare(match.group(0))
            if _WEB.match(url):
                found.append((match.start(), LinkData(url, "")))
    links = [link for _, link in sorted(found, key=lambda item: item[0])]
    for link in links:
        shown = link.url if len(link.url) <= 60 else link.url[:60] + "…"
        if not _WEB.match(link.url):
            raise LogError(
                gettext("the link '%(url)s' is not a web address (it must start with https://)")
                % {"url": shown},
                line,
            )
        if len(link.url) > MAX_URL:
            raise LogError(
                gettext("the link '%(url)s' is longer than %(limit)s characters")
                % {"url": shown, "limit": MAX_URL},
                line,
            )
        if len(link.label) > MAX_LABEL:
            raise LogError(
                gettext("a link label is longer than %(limit)s characters") % {"limit": MAX_LABEL}, line
            )
    return links


# --- single values -------------------------------------------------------------------------

_MINUTE_WORD = r"(?:m|min|mins|minutes?|minutos?)\.?"
_MINUTES = re.compile(rf"([0-9]{{1,5}})[ \t]*(?:{_MINUTE_WORD})?")
_HOURS = re.compile(
    rf"([0-9]{{1,2}})[ \t]*(?:h|hr|hrs|hours?|horas?)\.?(?:[ \t]*,?[ \t]*([0-9]{{1,3}})[ \t]*(?:{_MINUTE_WORD})?)?"
)


def parse_minutes(value: str, line: int) -> int | None:
    if not value:
        return None
    folded, _ = fold(value.strip())
    match = _MINUTES.fullmatch(folded)
    if match:
        minutes = int(match.group(1))
    else:
        match = _HOURS.fullmatch(folded)
        if not match:
            shown = value if len(value) <= 40 else value[:40] + "…"
            raise LogError(
                gettext("minutes must be a number like 45 or '1h 30m', not '%(value)s'") % {"value": shown},
                line,
            )
        minutes = int(match.group(1)) * 60 + int(match.group(2) or 0)
    if minutes > MAX_MINUTES:
        raise LogError(
            gettext("%(minutes)s minutes is more than a day (%(limit)s)")
            % {"minutes": minutes, "limit": MAX_MINUTES},
            line,
        )
    return minutes


def parse_tags(value: str, line: int) -> list[str]:
    """``python, django`` or ``#python #django``."""
    parts = value.split()
    if "," in value or not all(part.startswith("#") for part in parts):
        parts = value.split(",")
    tags: list[str] = []
    for part in parts:
        tag = part.strip().lstrip("#").strip()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG:
            raise LogError(
                gettext("the tag '%(tag)s…' is longer than %(limit)s characters")
                % {"tag": tag[:MAX_TAG], "limit": MAX_TAG},
                line,
            )
        tags.append(tag)
    return tags


_TITLE_TOO_LONG = {
    "the title": gettext_noop("the title is longer than %(limit)s characters"),
    "the day's title": gettext_noop("the day's title is longer than %(limit)s characters"),
}


def check_title(title: str, line: int, what: str = "the title") -> str:
    if len(title) > MAX_TITLE:
        raise LogError(gettext(_TITLE_TOO_LONG[what]) % {"limit": MAX_TITLE}, line)
    return title


# --- the parser ----------------------------------------------------------------------------

_STARTED = re.compile(
    r"\b(?:started on|start date|starting date|empece el|comence el|empezado el|fecha de inicio"
    r"|fecha de comienzo)\b"
)
_STARTED_HINTS = ("start", "empe", "comen", "inicio", "comienzo")
_TEXT_FIELDS = ("progress", "thoughts")
_SINGLE_FIELDS = ("title", "minutes", "tags")


@dataclass
class _Block:
    """The lines of one text field, with blank lines kept only between content."""

    lines: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        if self.lines:
            self.lines.extend(self.pending)
        self.pending = []
        self.lines.append(line)

    def blank(self, line: str) -> None:
        self.pending.append(line)

    def text(self) -> str:
        return "\n".join(self.lines).rstrip()


@dataclass
class _RawEntry:
    head: _Heading
    line: int
    blocks: dict = field(default_factory=lambda: {name: _Block() for name in _TEXT_FIELDS})
    links: list = field(default_factory=list)
    title: str | None = None
    minutes: int | None = None
    tags: list = field(default_factory=list)
    current: str = "progress"

    def blank(self, line: str) -> None:
        if self.current in _TEXT_FIELDS:
            self.blocks[self.current].blank(line)
        else:
            # A blank line between two paragraphs of progress survives a links section.
            self.blocks["progress"].blank(line)

    def text(self, line: str, number: int) -> None:
        if self.current == "links":
            links = find_links(line, number)
            if links:
                self.links.extend(links)
                return
            self.current = "progress"
        elif self.current in _SINGLE_FIELDS:
            self.single(self.current, line.strip(), number)
            self.current = "progress"
            return
        self.blocks[self.current].add(unescape(line))

    def labelled(self, key: str, value: str, number: int) -> None:
        self.current = key
        if key in _TEXT_FIELDS:
            self.blocks[key].pending = []
            if value:
                self.blocks[key].add(value)
        elif key == "links":
            if value:
                self.text(value, number)
        elif value:
            self.single(key, value, number)
            self.current = "progress"

    def single(self, key: str, value: str, number: int) -> None:
        if key == "title":
            self.title = check_title(value, number, "the day's title")
        elif key == "minutes":
            self.minutes = parse_minutes(value, number)
        else:
            for tag in parse_tags(value, number):
                if tag not in self.tags:
                    self.tags.append(tag)

    def data(self) -> EntryData:
        title = (
            self.title
            if self.title is not None
            else check_title(self.head.title, self.line, "the day's title")
        )
        return EntryData(
            date=self.head.date,
            day=self.head.day,
            title=title,
            progress=self.blocks["progress"].text(),
            thoughts=self.blocks["thoughts"].text(),
            links=self.links,
            minutes=self.minutes,
            tags=self.tags,
            line=self.line,
        )


def _lines(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_markdown(text: str, start: datetime.date | None = None) -> RoundData:
    """Read one round from a Markdown log; ``start`` dates a log that has no dates of its own."""
    if not isinstance(text, str):
        raise LogError(gettext("the log is not text"))
    if isinstance(start, datetime.datetime):
        start = start.date()
    if start is not None and not isinstance(start, datetime.date):
        raise LogError(gettext("the start date is not a date"))
    if "\x00" in text:
        raise LogError(
            gettext("the log contains NUL characters: it is not a text file"),
            len(_lines(text[: text.index("\x00")])),
        )
    title = ""
    preamble = _Block()
    kept = 0  # preamble lines up to the last one that is not a heading
    started: datetime.date | None = None
    entries: list[_RawEntry] = []
    entry: _RawEntry | None = None
    for number, line in enumerate(_lines(text), start=1):
        head = parse_day_heading(line, number)
        if head is not None:
            entry = _RawEntry(head, number)
            entries.append(entry)
            continue
        if entry is None:
            found = heading(line)
            if found is not None and found[0] == 1 and not title and not preamble.lines:
                title = check_title(found[1], number)
                continue
            if started is None:
                started = _started_on(line, number)
            if line.strip():
                preamble.add(unescape(line, preamble=True))
                if found is None:
                    kept = len(preamble.lines)
            else:
                preamble.blank(line)
            continue
        if not line.strip():
            entry.blank(line)
            continue
        found_label = label(line)
        if found_label is not None:
            entry.labelled(found_label[0], found_label[1], number)
        else:
            entry.text(line, number)
    if not entries:
        raise LogError(gettext(NO_DAYS))
    # Section headings right before the first day ("## Log") are the file's, not the description's.
    del preamble.lines[kept:]
    result = RoundData(title=title, description=preamble.text())
    result.number = _round_number(entries)
    _date_entries(result, entries, started or start)
    return result


def _started_on(line: str, number: int) -> datetime.date | None:
    lower = line.lower()
    if not any(word in lower for word in _STARTED_HINTS):
        return None
    folded, pos = fold(line)
    match = _STARTED.search(folded)
    if not match:
        return None
    found = find_date(line[_orig_end(pos, match.end()) :], number)
    return found.value if found else None


def _round_number(entries: list[_RawEntry]) -> int | None:
    first = None
    for entry in entries:
        number = entry.head.round_number
        if number is None:
            continue
        if first is None:
            first = number
        elif number != first:
            raise LogError(
                gettext("this log mixes rounds R%(first)s and R%(second)s: import one round at a time")
                % {"first": first, "second": number},
                entry.line,
            )
    return first


def _shift(start: datetime.date, days: int, line: int | None) -> datetime.date:
    try:
        return start + datetime.timedelta(days=days)
    except OverflowError:
        raise LogError(gettext("the dates fall outside the calendar (years 1 to 9999)"), line) from None


def _date_entries(result: RoundData, raw: list[_RawEntry], start: datetime.date | None) -> None:
    dated = raw[0].head.date is not None
    for entry in raw:
        if (entry.head.date is not None) != dated:
            if dated:
                reason = gettext("day %(day)s has no date, but day %(first)s has one")
            else:
                reason = gettext("day %(day)s has a date, but day %(first)s has none")
            raise LogError(reason % {"day": entry.head.day, "first": raw[0].head.day}, entry.line)
    if len(raw) > 1 and _descending(raw, dated):
        # A log written newest first: read it oldest first.
        raw = raw[::-1]
    seen: dict[int, int] = {}
    for entry in raw:
        if entry.head.day in seen:
            raise LogError(
                gettext("day %(day)s appears twice (first on line %(first)s)")
                % {"day": entry.head.day, "first": seen[entry.head.day]},
                entry.line,
            )
        seen[entry.head.day] = entry.line
    entries = [entry.data() for entry in raw]
    if dated:
        _rule_from_dates(result, entries)
    else:
        _rule_from_numbers(result, entries, start)
    result.target = max(100, max(entry.day for entry in entries))
    result.entries = entries


def _descending(raw: list[_RawEntry], dated: bool) -> bool:
    """Both the day numbers and the dates (if any) always go down."""
    pairs = list(zip(raw, raw[1:], strict=False))
    return all(a.head.day > b.head.day for a, b in pairs) and (
        not dated or all(a.head.date > b.head.date for a, b in pairs)
    )


def _rule_from_dates(result: RoundData, entries: list[EntryData]) -> None:
    seen: dict[datetime.date, int] = {}
    for index, entry in enumerate(entries):
        if entry.date in seen:
            raise LogError(
                gettext("the date %(date)s appears twice (first on line %(first)s)")
                % {"date": entry.date, "first": seen[entry.date]},
                entry.line,
            )
        seen[entry.date] = entry.line
        if index and entry.date < entries[index - 1].date:
            raise LogError(
                gettext("the dates go backwards: %(date)s comes after %(previous)s")
                % {"date": entry.date, "previous": entries[index - 1].date},
                entry.line,
            )
    first = entries[0]
    official = all(entry.day == index for index, entry in enumerate(entries, start=1))
    if official:
        result.rule, result.start_date = OFFICIAL, first.date
        return
    calendar = all(entry.day == first.day + (entry.date - first.date).days for entry in entries)
    if calendar:
        result.rule = CALENDAR
        result.start_date = _shift(first.date, 1 - first.day, first.line)
        return
    # The first heading from which neither rule can hold any more.
    broken_official = next(i for i, entry in enumerate(entries) if entry.day != i + 1)
    broken_calendar = next(
        i for i, entry in enumerate(entries) if entry.day != first.day + (entry.date - first.date).days
    )
    index = max(broken_official, broken_calendar)
    entry = entries[index]
    values = {
        "day": entry.day,
        "date": entry.date,
        "logged": index + 1,  # its number counting logged days
        "calendar": first.day + (entry.date - first.date).days,  # counting calendar days
        "first": first.date,
    }
    if broken_official == broken_calendar:
        reason = gettext(
            "day %(day)s (%(date)s) fits no counting rule: expected day %(logged)s counting logged days, "
            "or day %(calendar)s counting calendar days since %(first)s"
        )
    elif broken_official < broken_calendar:
        other = entries[broken_official]
        values.update(other=other.day, line=other.line)
        reason = gettext(
            "day %(day)s (%(date)s) should be day %(calendar)s counting calendar days since %(first)s "
            "(day %(other)s on line %(line)s does not count logged days)"
        )
    else:
        other = entries[broken_calendar]
        values.update(other=other.day, line=other.line)
        reason = gettext(
            "day %(day)s (%(date)s) should be day %(logged)s counting logged days "
            "(day %(other)s on line %(line)s does not count calendar days)"
        )
    raise LogError(reason % values, entry.line)


def _rule_from_numbers(result: RoundData, entries: list[EntryData], start: datetime.date | None) -> None:
    for index, entry in enumerate(entries[1:], start=1):
        if entry.day < entries[index - 1].day:
            raise LogError(
                gettext("the day numbers go backwards: day %(day)s comes after day %(previous)s")
                % {"day": entry.day, "previous": entries[index - 1].day},
                entry.line,
            )
    if start is None:
        raise LogError(gettext(NO_START))
    official = all(entry.day == index for index, entry in enumerate(entries, start=1))
    result.rule = OFFICIAL if official else CALENDAR
    result.start_date = start
    for entry in entries:
        entry.date = _shift(start, entry.day - 1, entry.line)

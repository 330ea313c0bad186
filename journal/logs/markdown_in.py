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
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop, ngettext

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
    LogData,
    LogError,
    Note,
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
# Full names, for misspellings ("Feruary", "Febraury", "Setiembre" is already a name).
_LONG_MONTHS = tuple(name for name in MONTHS if len(name) >= 5)
WEEKDAYS_FULL = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo",
)  # fmt: skip
WEEKDAYS_SHORT = ("mon", "tues", "tue", "wed", "thurs", "thur", "thu", "fri", "sat", "sun")


def _alternation(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_WEEKDAY = _alternation(WEEKDAYS_FULL + WEEKDAYS_SHORT)
_ORDINAL = r"(?:st|nd|rd|th|o|a|º|ª)?"
_YEAR_TAIL = r"(?:[ \t]*,?[ \t]*(?:del?[ \t]+)?(?P<y>[0-9]{4})(?![0-9]))?"
_WORD = r"(?P<mn>[a-z]{3,12})"
_DATE_PATTERNS = (
    # 2017-07-17, 2017/07/17
    (
        "iso",
        re.compile(
            r"(?<![0-9])(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])"
        ),
    ),
    # 11/22/18, 01.11.22, 22-11-2018: month and day in an order the whole file decides
    (
        "num",
        re.compile(
            r"(?<![0-9./-])(?P<a>[0-9]{1,2})(?P<sep>[-/.])(?P<b>[0-9]{1,2})(?P=sep)"
            r"(?P<y>[0-9]{4}|[0-9]{2})(?![0-9]|[./-][0-9])"
        ),
    ),
    # July 17, 2017 / January, 01, 2020 / November, 1st, 2022 / July 17, Monday, 2017 / June 27
    (
        "md",
        re.compile(
            rf"\b{_WORD}\b\.?[ \t]*,?[ \t]*(?P<d>[0-9]{{1,2}}){_ORDINAL}\b"
            rf"(?:[ \t]*,?[ \t]*(?:{_WEEKDAY})\b\.?)?{_YEAR_TAIL}"
        ),
    ),
    # 17 July 2017 / 27 de junio de 2016 / 1º de marzo, 2024 / 5th Jan. 2021
    (
        "dm",
        re.compile(
            rf"(?<![0-9])(?P<d>[0-9]{{1,2}}){_ORDINAL}[ \t]*(?:(?:de|of)[ \t]+)?{_WORD}\b\.?{_YEAR_TAIL}"
        ),
    ),
)
_WEEKDAY_WORDS = re.compile(
    rf"\([ \t]*(?:{_WEEKDAY})\b\.?[ \t]*\)|\b(?:{_alternation(WEEKDAYS_FULL)})\b[ \t]*,?"
)
_DATE_SCAN = 300  # dates are looked for in the first characters of a heading or line


def _edits(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return min(previous[-1], limit + 1)


def month_number(word: str) -> int | None:
    """The month a (folded) word names, forgiving one or two typos in a long name."""
    if word in MONTHS:
        return MONTHS[word]
    if len(word) < 5:
        return None
    best = {MONTHS[name] for name in _LONG_MONTHS if name[0] == word[0] and _edits(word, name) <= 2}
    return best.pop() if len(best) == 1 else None


@dataclass
class RawDate:
    """A date as written: exact ("iso", "md", "dm"), numeric with its order still open
    ("num": ``a``/``b``/``year``), or without a year (``year`` 0). ``start``/``end`` are
    where it is written in the text it was found in."""

    kind: str
    start: int
    end: int
    text: str
    a: int = 0  # month ("iso", "md", "dm") or first number ("num")
    b: int = 0  # day, or second number
    year: int = 0

    def value(self, order: str = "mdy", year: int | None = None) -> datetime.date | None:
        """The date under ``order`` (numeric dates), None when it does not exist."""
        month, day = self.a, self.b
        if self.kind == "num" and order == "dmy":
            month, day = self.b, self.a
        try:
            return datetime.date(year or self.year, month, day)
        except ValueError:
            return None


def find_date(text: str) -> RawDate | None:
    """The first date written in ``text`` (its first characters only), or None."""
    folded, pos = fold(text[:_DATE_SCAN])
    best: tuple[int, RawDate] | None = None
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(folded):
            if best is not None and match.start() >= best[0]:
                break
            groups = match.groupdict()
            if kind in ("md", "dm"):
                month = month_number(groups["mn"])
                if month is None:
                    continue
                a, b = month, int(groups["d"])
            elif kind == "iso":
                a, b = int(groups["m"]), int(groups["d"])
            else:
                a, b = int(groups["a"]), int(groups["b"])
            year = int(groups["y"]) if groups.get("y") else 0
            if kind == "num" and year < 100:
                year += 2000
            start, end = _orig(pos, match.start()), _orig_end(pos, match.end())
            best = (match.start(), RawDate(kind, start, end, text[start:end].strip(), a, b, year))
            break
    return best[1] if best else None


# --- headings ------------------------------------------------------------------------------

_ATX = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
# "Day 5", "Día 017/100", "Days 11 - 22" (a range), "Day #3 of 100"
_DAY = re.compile(
    r"(?:days?|dias?)[ \t._-]*#?[ \t]*(?P<day>[0-9]+)(?:[ \t]*(?:/|of|de)[ \t]*[0-9]+(?![0-9]))?"
    r"(?:[ \t]*(?:-|–|—|~|to|a|al|and|y|&)[ \t]*(?:(?:days?|dias?)[ \t]*)?(?P<to>[0-9]{1,6})(?![0-9]))?"
)
# "R1D5", "R2D0", "Round 1, Day 5", "R1D30~32" (a range)
_RAPID = re.compile(
    r"(?:r|round|ronda)[ \t]*(?P<round>[0-9]+)[ \t]*[,:.-]?[ \t]*(?:d|day|dia)[ \t]*(?P<day>[0-9]+)"
    r"(?:[ \t]*(?:-|–|—|~|to|a|al)[ \t]*(?:d[ \t]*)?(?P<to>[0-9]{1,6})(?![0-9]))?"
)
# "# Round 2", "## R2 – restart", "## Ronda 2", "# 100 Days Of Code - Round 1"
_ROUND = re.compile(r"(?:^|[^a-z0-9])(?:round|ronda)[ \t]*#?[ \t]*([0-9]{1,5})(?![0-9])|^r([0-9]{1,5})\b")
_LEAD = re.compile(r"[^0-9a-z#]{0,8}")  # emoji, brackets or bold before "Day 5"
_BOLD_DAY = re.compile(
    r"[ \t]{0,3}(?:[-*+][ \t]+|[0-9]{1,3}[.)][ \t]+)?(\*\*|__)(?P<inner>[^*_\n]{1,300}?)\1(?P<rest>.*)"
)
_EXAMPLE = re.compile(r"\b(?:example|ejemplo|delete me|borrame|borra esto)\b")
_DELETE_ME = re.compile(r"\b(?:delete me|comment me out|borrame|borra esto)\b")
_SEPARATORS_LEFT = " \t:-–—.|,;"
_SEPARATORS_RIGHT = " \t:-–—|,;"
_HEADING_SCAN = 300  # day headings are short: only their start is analysed
_DAY_INITIALS = frozenset("dDrRdD")  # Day, Día, Days, R1D1, Round, Ronda
_NOT_ALNUM = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())
BOLD_LEVEL = 7  # a day written as a bold line sits below every heading level


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


@dataclass
class DayHead:
    """A line that starts a day: a heading or a bold line, with what it says."""

    level: int  # 1-6 for headings, BOLD_LEVEL for a bold line
    day: int | None  # the label ("Day 5"), None for a heading that is only a date
    date: RawDate | None
    title: str
    round_number: int | None = None
    rest: str = ""  # text after a bold day on the same line
    until: int | None = None  # "Days 11 - 22": the last day of a range
    example: bool = False  # the template's own example day


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


def _without_date(rest: str, date: RawDate | None) -> str:
    """The title left once the date and weekday names are taken out of ``rest``."""
    if date is None:
        return _clean_title(rest.strip())
    rest_folded, rest_pos = fold(rest[:_DATE_SCAN])
    spans = [(date.start, date.end)]
    for weekday in _WEEKDAY_WORDS.finditer(rest_folded):
        spans.append((_orig(rest_pos, weekday.start()), _orig_end(rest_pos, weekday.end())))
    title = _remove_spans(rest, spans)
    # Brackets or emphasis left empty around a removed date: "Day 1 [March 4, 2024]", "*3/4/24*".
    title = re.sub(r"[\[(][ \t,]*[\])]|(?<![*_])([*_]{1,2})[ \t,]*\1(?![*_])", "", title)
    return _clean_title(title.strip())


def _leading_date(text: str) -> RawDate | None:
    """A date that opens ``text`` (after brackets, emphasis, a weekday or "Date:")."""
    date = find_date(text)
    if date is None:
        return None
    before, _ = fold(text[: date.start])
    before = _WEEKDAY_WORDS.sub("", before)
    before = re.sub(r"\b(?:date|fecha)\b", "", before)
    return date if not before.strip(" \t*_[(|:,.-–—📅🗓️") else None


def _label_head(content: str, level: int) -> DayHead | None:
    """A "Day 5 …" or "R1D5 …" text, else None."""
    head = content[:_HEADING_SCAN]
    folded, pos = fold(head)
    lead = _LEAD.match(folded)
    offset = lead.end() if lead else 0
    match = _RAPID.match(folded, offset)
    rapid = match is not None
    if not rapid:
        match = _DAY.match(folded, offset)
        if match is None:
            return None
    day = int(match.group("day")) if len(match.group("day")) <= 6 else 10**6
    round_number = None
    if rapid:
        digits = match.group("round")
        round_number = int(digits) if len(digits) <= 6 else 10**6
    until = None
    end = match.end()
    if match.group("to") is not None:
        after = content[_orig(pos, match.start("to")) :]
        date_there = find_date(after)
        if date_there is not None and date_there.start == 0:
            end = match.end("day")  # "Day 5 - 22 Feb 2019": the number after the dash is the date's
        elif int(match.group("to")) > day:
            until = int(match.group("to"))
        else:
            end = match.end("day")
    rest = content[_orig_end(pos, end) :]
    bold = lead.group(0).strip()[:2] if lead else ""
    if bold in ("**", "__") and bold in rest:
        rest = rest.replace(bold, "", 1)  # "### **Day 5:** …"
    date = find_date(rest)
    title = _without_date(rest, date)
    example = bool(_EXAMPLE.search(fold(title[:200])[0]))
    return DayHead(level, day, date, title, round_number, until=until, example=example)


def day_head(line: str) -> DayHead | None:
    """The day a line starts: ``### Day 5: March 4, 2024``, ``## R1D5``, ``### 5th Jan. 2021``
    or a bold list item ``- **Day 17 [June 28, 2020]**``; None for any other line."""
    first = line.lstrip(" \t")[:1]
    if first == "#":
        found = heading(line)
        if found is None:
            return None
        level, content = found
        head = _label_head(content, level)
        if head is not None:
            return head
        if level < 2:
            return None
        date = _leading_date(content[:_HEADING_SCAN])
        if date is None:
            return None
        title = _without_date(content, date)
        return DayHead(level, None, date, title)
    if first in ("*", "_", "-", "+") or first.isdigit():
        match = _BOLD_DAY.match(line[: _HEADING_SCAN + 20])
        if match is None or match.group("inner").lstrip(" \t[(").lstrip(_NOT_ALNUM)[:1] not in _DAY_INITIALS:
            return None
        head = _label_head(match.group("inner"), BOLD_LEVEL)
        if head is None:
            return None
        rest = line[match.start("rest") :].strip()
        if head.date is None:
            date = _leading_date(rest)
            if date is not None:
                head.date = date
                rest = _without_date(rest, date)
        head.rest = rest.lstrip(_SEPARATORS_LEFT).strip()
        return head
    return None


def round_heading(content: str) -> int | None:
    """The round a heading names ("Round 2", "Ronda 2", "R2"), or None."""
    folded, _ = fold(content[:_HEADING_SCAN])
    match = _ROUND.search(folded)
    if match is None:
        return None
    digits = match.group(1) or match.group(2)
    return int(digits)


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
    # The bold part decides; it repeats from day to day, so its reading is cached.
    begin = line.find("**")
    under = line.find("__")
    if begin < 0 or (0 <= under < begin):
        begin = under
    if begin < 0 or begin > 8:
        return None
    close = line.find(line[begin : begin + 2], begin + 2)
    if close < 0 or close > _LABEL_PREFIX:
        return None
    end = close + 2
    while end < len(line) and end < close + 8 and line[end] in " \t:":
        end += 1
    found = _bold_label(line[:end])
    if found is None:
        return None
    key, size, colon = found
    value = line[size:].strip()
    if not colon and value:
        # "**Progress** on the parser was slow" is a sentence, not a label.
        return None
    return key, value


@functools.lru_cache(maxsize=512)
def _bold_label(head: str) -> tuple[str, int, bool] | None:
    folded, pos = fold(head)
    match = _LABEL.match(folded)
    if not match:
        return None
    key = next(key for key in _LABEL_NAMES if match.group(key) is not None)
    return key, _orig_end(pos, match.end()), bool(match.group("c1") or match.group("c2"))


# --- escaping lines that would be misread ---------------------------------------------------


def is_structural(line: str, preamble: bool = False) -> bool:
    """Would the parser read ``line`` as something other than text: a day, a label, a
    heading that ends a day (levels 1 to 3, where the writer puts its days) or, before
    the days, any heading (the first is the title, trailing ones are dropped)?"""
    if day_head(line) is not None or label(line) is not None:
        return True
    found = heading(line)
    return found is not None and (preamble or found[0] <= 3)


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
    r"(?P<esc>\\?)(?P<bang>!?)\[(?P<label>(?:\\.|[^\[\]\\]){0,1000})\]\([ \t]*(?:<(?P<angle>[^<>\n]*)>|(?P<url>[^\s()]*(?:\([^\s()]*\)[^\s()]*)*))"
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


def _link_url(match) -> str:
    return (match.group("angle") if match.group("angle") is not None else match.group("url")).strip()


def _shown(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


_ANCHOR_ONLY = re.compile(r"\[[^\]]*\]\([ \t]*<?#")


MAX_LINK_LINE = 10_000  # longer lines are kept as text, links and all (bounded work)


def plain_links(text: str) -> tuple[str, list[str]]:
    """``text`` with its links that are not web addresses made text, and what changed.

    An image from a file (``![](assets/day58.png)``) is dropped; an anchor
    (``[Back to top](#days)``) keeps its text; a relative link (``[code](src/day1.py)``)
    becomes ``code (src/day1.py)``. Web links and web images stay as they are.
    """
    if "](" not in text or len(text) > MAX_LINK_LINE:
        return text, []
    changes: list[str] = []

    def replace(match) -> str:
        url = _link_url(match)
        if _WEB.match(url):
            return match.group(0)
        if match.group("esc"):
            # The writer's "\[x](#top)": someone's own link, kept as they wrote it.
            return match.group(0)[1:]
        changes.append(match.group(0))
        label = _UNESCAPE.sub(r"\1", match.group("label")).strip()
        if match.group("bang"):
            return ""
        if not url or url.startswith("#") or url == label:
            return label or url
        return f"{label} ({url})" if label else url

    return _MD_LINK.sub(replace, text), changes


def escape_links(text: str) -> str:
    """For the writer: a backslash before each link that is not a web address, so that
    :func:`plain_links` keeps it as it is written instead of making it text."""
    if "](" not in text:
        return text
    return _MD_LINK.sub(
        # An escaped one gets a second backslash: the reader takes one off, the person's stays.
        lambda m: m.group(0) if _WEB.match(_link_url(m)) else "\\" + m.group(0),
        text,
    )


def find_links(text: str, line: int) -> list[LinkData]:
    """Web links in one line of a links section: ``[label](url)``, ``<url>`` or a bare URL.

    Links that are not web addresses are left to :func:`plain_links`.
    """
    if len(text) > MAX_LINK_LINE:
        return []
    found: list[tuple[int, LinkData]] = []
    taken: list[tuple[int, int]] = []
    for match in _MD_LINK.finditer(text):
        taken.append(match.span())
        url = _link_url(match)
        if _WEB.match(url) and not match.group("bang") and not match.group("esc"):
            found.append((match.start(), LinkData(url, _UNESCAPE.sub(r"\1", match.group("label")).strip())))
    for match in _AUTOLINK.finditer(text):
        if not any(a <= match.start() < b for a, b in taken):
            taken.append(match.span())
            if _WEB.match(match.group("url")):
                found.append((match.start(), LinkData(match.group("url"), "")))
    for match in _BARE_URL.finditer(text):
        if not any(a <= match.start() < b for a, b in taken):
            url = _trim_bare(match.group(0))
            if _WEB.match(url):
                found.append((match.start(), LinkData(url, "")))
    links = [link for _, link in sorted(found, key=lambda item: item[0])]
    for link in links:
        if len(link.url) > MAX_URL:
            raise LogError(
                gettext("the link '%(url)s' is longer than %(limit)s characters")
                % {"url": _shown(link.url), "limit": MAX_URL},
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
    r"\b(?:started on|start date|starting date|started|empece el|comence el|empezado el|fecha de inicio"
    r"|fecha de comienzo)\b"
)
_STARTED_HINTS = ("start", "empe", "comen", "inicio", "comienzo")
_TEXT_FIELDS = ("progress", "thoughts")
_SINGLE_FIELDS = ("title", "minutes", "tags")
MAX_DAYS_IN_FILE = 3000  # day headings in one file (ten full rounds and then some)
# What the community template pre-fills, and what people leave in a day they meant to write.
_PLACEHOLDERS = {
    "", "...", "…", "-", "--", "tbd", "todo", "to do", "n/a", "na", "wip", "lorem ipsum", "pendiente",
    "por hacer", "fixed css, worked on canvas functionality for the app.",
}  # fmt: skip


def _only_date(line: str, date: RawDate) -> bool:
    """Whether ``line`` holds nothing but ``date`` (with brackets, emphasis, "Date:")."""
    if len(line) > 120:
        return False
    rest, _ = fold(_without_date(line, date))
    return not re.sub(r"\b(?:date|fecha)\b", "", rest).strip(" \t>*_[]()#|:.-")


def is_placeholder(text: str) -> bool:
    """Text the template or its user left as a placeholder: empty, "…", "TBD", the example."""
    if len(text) > 80:
        return False
    folded, _ = fold(text.strip().strip("*_`"))
    return folded.strip() in _PLACEHOLDERS


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
    head: DayHead
    line: int
    notes: list
    blocks: dict = field(default_factory=lambda: {name: _Block() for name in _TEXT_FIELDS})
    links: list = field(default_factory=list)
    title: str | None = None
    minutes: int | None = None
    tags: list = field(default_factory=list)
    current: str = "progress"
    content: bool = False  # a line other than a blank one was read below the heading
    date: datetime.date | None = None  # once the whole file's dates are read

    @property
    def level(self) -> int:
        return self.head.level

    def blank(self, line: str) -> None:
        if self.current in _TEXT_FIELDS:
            self.blocks[self.current].blank(line)
        else:
            # A blank line between two paragraphs of progress survives a links section.
            self.blocks["progress"].blank(line)

    def _plain(self, line: str, number: int) -> str:
        plain, changes = plain_links(line)
        if (
            changes
            and _MD_LINK.sub("", line).strip(" \t-*+|·•") == ""
            and all(_ANCHOR_ONLY.match(change) for change in changes)
        ):
            # A line of links within the page ("[Back to top](#days)"): navigation, dropped.
            self.notes.append(
                Note(
                    "links",
                    gettext("“%(link)s” only links within the page: dropped")
                    % {"link": _shown(line.strip(), 80)},
                    number,
                )
            )
            return ""
        for change in changes:
            if change.startswith("!"):
                message = gettext("the image “%(link)s” is not on the web: dropped")
            else:
                message = gettext("“%(link)s” is not a web address: kept as text")
            self.notes.append(Note("links", message % {"link": _shown(change, 80)}, number))
        return plain

    def text(self, line: str, number: int) -> None:
        self.content = True
        if self.current == "links":
            links = find_links(line, number)
            plain = self._plain(line, number)
            if links:
                self.links.extend(links)
                return
            if plain != line:
                if plain.strip(" \t-*+0123456789.)"):
                    self.blocks["progress"].add(plain)
                return
            self.current = "progress"
            self.blocks[self.current].add(unescape(line))
            return
        elif self.current in _SINGLE_FIELDS:
            self.single(self.current, line.strip(), number)
            self.current = "progress"
            return
        plain = self._plain(line, number)
        if plain or not line.strip():
            self.blocks[self.current].add(unescape(plain))

    def labelled(self, key: str, value: str, number: int) -> None:
        self.content = True
        self.current = key
        if key in _TEXT_FIELDS:
            self.blocks[key].pending = []
            if value:
                self.blocks[key].add(self._plain(value, number))
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

    def empty(self) -> bool:
        return (
            not self.links
            and self.minutes is None
            and not self.tags
            and not (self.title if self.title is not None else self.head.title)
            and all(is_placeholder(block.text()) for block in self.blocks.values())
        )

    def data(self) -> EntryData:
        title = (
            self.title
            if self.title is not None
            else check_title(self.head.title, self.line, "the day's title")
        )
        return EntryData(
            date=self.date,
            day=self.head.day,
            title=title,
            progress=self.blocks["progress"].text(),
            thoughts=self.blocks["thoughts"].text(),
            links=self.links,
            minutes=self.minutes,
            tags=self.tags,
            line=self.line,
        )


@dataclass
class _Section:
    """Text under a heading that is not a day, between or after the days."""

    line: int
    heading: str
    block: _Block = field(default_factory=_Block)


@dataclass
class _RawRound:
    line: int = 1
    title: str = ""
    number: int | None = None
    preamble: _Block = field(default_factory=_Block)
    preamble_line: int | None = None
    kept: int = 0  # preamble lines up to the last one that is not a heading
    started: RawDate | None = None
    started_line: int | None = None
    entries: list[_RawEntry] = field(default_factory=list)
    sections: list[_Section] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def _lines(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


COMMENT_ESCAPE = "<\\!--"  # how the writer keeps a literal "<!--" in someone's text


MAX_COMMENT_CHECKS = 2000  # commented-out pieces looked at for day headings (for the note)
_EMPTY_ANCHOR = re.compile(r"[ \t]*<a[ \t]+(?:name|id)=[^<>]{0,200}>[ \t]*</a>[ \t]*$", re.IGNORECASE)


def _strip_comments(lines: list[str]) -> tuple[list[str], list[int]]:
    """The lines with HTML comments and empty anchors (``<a name="days"></a>``) blanked out
    (invisible once rendered), and the lines of the day headings found inside comments."""
    out: list[str] = []
    hidden: list[int] = []
    inside = False
    checks = 0
    for number, line in enumerate(lines, start=1):
        if not inside and line[:1] in (" ", "<") and _EMPTY_ANCHOR.match(line):
            out.append("")
            continue
        if not inside and "<!--" not in line:
            out.append(line.replace(COMMENT_ESCAPE, "<!--") if COMMENT_ESCAPE in line else line)
            continue
        kept: list[str] = []
        i = 0
        while i <= len(line):
            if inside:
                j = line.find("-->", i)
                checks += 1
                if checks <= MAX_COMMENT_CHECKS and day_head(line[i:] if j < 0 else line[i:j]) is not None:
                    hidden.append(number)
                if j < 0:
                    break
                inside, i = False, j + 3
            else:
                j = line.find("<!--", i)
                if j < 0:
                    kept.append(line[i:])
                    break
                kept.append(line[i:j])
                inside, i = True, j + 4
        joined = "".join(kept)
        out.append(joined if joined.strip() else "")
    return out, hidden


def parse_markdown_log(
    text: str, start: datetime.date | None = None, date_order: str | None = None
) -> LogData:
    """Read every round of a Markdown log.

    ``start`` dates a log that has no dates of its own; ``date_order`` ("mdy" or "dmy")
    picks how numeric dates like 3/4/24 are read when the file allows both.
    """
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
    lines, hidden = _strip_comments(_lines(text))
    rounds = _read_rounds(lines)
    if hidden:
        rounds[0].notes.append(
            Note(
                "skipped",
                ngettext(
                    "%(n)s day inside an HTML comment (<!-- -->), skipped",
                    "%(n)s days inside HTML comments (<!-- -->), skipped",
                    len(hidden),
                )
                % {"n": len(hidden)},
                hidden[0],
            )
        )
    for raw in rounds:
        _skip_empty(raw)
    rounds = [raw for raw in rounds if raw.entries] or rounds[:1]
    if not any(raw.entries for raw in rounds):
        raise LogError(gettext(NO_DAYS))
    if len(rounds) > 1:
        for raw in rounds:
            if raw.started is None and any(e.head.date is None for e in raw.entries):
                raise LogError(
                    gettext(
                        "this log holds several rounds, and round %(n)s has no dates: give its days "
                        "their dates, or import one round at a time"
                    )
                    % {"n": raw.number or rounds.index(raw) + 1},
                    rounds[1].line,
                )
    order, orders = _date_order(rounds, start, date_order)
    log = LogData(rounds=[], date_order=order, date_orders=orders, date_example=_numeric_example(rounds))
    for raw in rounds:
        log.rounds.extend(_finish_round(raw, start, order, orders))
    log.rounds.sort(key=lambda r: (r.start_date or datetime.date.min))
    return log


def parse_markdown(text: str, start: datetime.date | None = None, date_order: str | None = None) -> RoundData:
    """Read a Markdown log that holds one round; ``start`` dates a log without dates."""
    log = parse_markdown_log(text, start, date_order)
    if len(log.rounds) > 1:
        raise LogError(
            gettext("this log holds %(n)s rounds: import it as a file") % {"n": len(log.rounds)},
            log.rounds[1].entries[0].line,
        )
    return log.rounds[0]


def _read_rounds(lines: list[str]) -> list[_RawRound]:
    """Cut the lines into rounds, days and the text outside them (no dates read yet)."""
    rounds = [_RawRound()]
    current = rounds[0]
    entry: _RawEntry | None = None
    section: _Section | None = None
    count = 0

    def new_round(number_line: int, round_number: int | None, title: str = "") -> _RawRound:
        made = _RawRound(line=number_line, number=round_number, title=title)
        rounds.append(made)
        return made

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if entry is not None:
                entry.blank(line)
            elif section is not None:
                section.block.blank(line)
            else:
                current.preamble.blank(line)
            continue
        head = day_head(line)
        if head is not None:
            if head.day is not None and head.day > MAX_DAY:
                raise LogError(
                    gettext("day %(n)s is out of range (0 to %(limit)s)")
                    % {"n": _shown(str(head.day), 12), "limit": MAX_DAY},
                    number,
                )
            if head.until is not None:
                raise LogError(
                    gettext(
                        "one heading for days %(first)s to %(last)s: give each day its own heading "
                        "with its date, or write it as one day"
                    )
                    % {"first": head.day, "last": head.until},
                    number,
                )
            if (
                entry is not None
                and not entry.content
                and head.level > entry.level
                and head.day in (None, entry.head.day)
                and (head.date is None or entry.head.date is None)
            ):
                # "## Day 5" then "### R1D5 2/22/19" or "### March 4, 2024": one day.
                entry.head.date = entry.head.date or head.date
                entry.head.round_number = entry.head.round_number or head.round_number
                if head.round_number is not None and current.number is None:
                    current.number = head.round_number
                entry.head.title = entry.head.title or head.title
                entry.head.example = entry.head.example or head.example
                if head.rest:
                    entry.text(head.rest, number)
                continue
            if head.round_number is not None and head.round_number > MAX_ROUND_NUMBER:
                raise LogError(
                    gettext("round %(n)s is out of range (1 to %(limit)s)")
                    % {"n": _shown(str(head.round_number), 12), "limit": MAX_ROUND_NUMBER},
                    number,
                )
            if head.round_number is not None and head.round_number != current.number:
                if current.entries and current.number is not None:
                    current = new_round(number, head.round_number)
                    current.notes.append(
                        Note("rounds", gettext("R%(n)s starts here") % {"n": head.round_number}, number)
                    )
                elif not current.entries or all(e.head.round_number is None for e in current.entries):
                    current.number = head.round_number
            count += 1
            if count > MAX_DAYS_IN_FILE:
                raise LogError(
                    gettext("more than %(n)s days in one file: split it") % {"n": MAX_DAYS_IN_FILE}, number
                )
            entry = _RawEntry(head, number, current.notes)
            current.entries.append(entry)
            section = None
            if head.rest:
                entry.text(head.rest, number)
            continue
        found = heading(line)
        if found is not None:
            level, content = found
            round_number = round_heading(content)
            if round_number is not None and (entry is None or level <= entry.level) and current.entries:
                current = new_round(number, round_number, check_title(content, number))
                current.notes.append(
                    Note("rounds", gettext("round %(n)s starts here") % {"n": round_number}, number)
                )
                entry, section = None, None
                continue
            if round_number is not None and not current.entries and current.number is None:
                current.number = round_number
            if entry is not None and level <= entry.level:
                # A heading at the days' level that is no day ("## FoTW - #12", "## Resources").
                entry = None
                section = _Section(number, content)
                current.sections.append(section)
                continue
            if entry is None and section is not None:
                section = _Section(number, content)
                current.sections.append(section)
                continue
        if entry is None and section is not None:
            section.block.add(line)
            continue
        if entry is None:
            if found is not None and found[0] == 1 and not current.title and not current.preamble.lines:
                current.title = check_title(found[1], number)
                continue
            if current.started is None:
                current.started = _started_on(line)
                current.started_line = number
            if current.preamble_line is None:
                current.preamble_line = number
            current.preamble.add(unescape(line, preamble=True))
            if found is None:
                current.kept = len(current.preamble.lines)
            continue
        if not entry.content and entry.head.date is None:
            # A date on the line below the heading: "*11/22/20*", "(01/10/2021)", "Date: …".
            date = _leading_date(line)
            if date is not None and _only_date(line, date):
                entry.head.date = date
                continue
        if not entry.content and len(line) < 80 and _DELETE_ME.search(fold(line)[0]):
            # "##### (delete me or comment me out)" under the template's example days
            entry.head.example = True
            continue
        found_label = label(line)
        if found_label is not None:
            entry.labelled(found_label[0], found_label[1], number)
        else:
            entry.text(line, number)
    return rounds


def _started_on(line: str) -> RawDate | None:
    lower = line.lower()
    if not any(word in lower for word in _STARTED_HINTS):
        return None
    folded, pos = fold(line[:_DATE_SCAN])
    match = _STARTED.search(folded)
    if not match:
        return None
    return find_date(line[_orig_end(pos, match.end()) :])


def _skip_empty(raw: _RawRound) -> None:
    """Leave out the template's example days and days with nothing written, noting them
    (a run of empty days, like the unwritten rest of a pre-filled log, as one note)."""
    kept = []
    empty: list[_RawEntry] = []

    def note_empty() -> None:
        if not empty:
            return
        if len(empty) == 1:
            message = gettext("%(day)s: nothing written, skipped") % {"day": _day_name(empty[0])}
        else:
            message = gettext("%(first)s to %(last)s (%(n)s days): nothing written, skipped") % {
                "first": _day_name(empty[0]),
                "last": _day_name(empty[-1]),
                "n": len(empty),
            }
        raw.notes.append(Note("skipped", message, empty[0].line))
        empty.clear()

    for entry in raw.entries:
        if entry.head.example:
            note_empty()
            raw.notes.append(
                Note(
                    "skipped",
                    gettext("%(day)s: the template's example, skipped") % {"day": _day_name(entry)},
                    entry.line,
                )
            )
        elif entry.empty():
            empty.append(entry)
        else:
            note_empty()
            kept.append(entry)
    note_empty()
    raw.entries = kept


def _day_name(entry: _RawEntry) -> str:
    if entry.head.day is not None:
        return gettext("day %(n)s") % {"n": entry.head.day}
    return entry.head.date.text if entry.head.date else gettext("a day")


# --- reading the dates ---------------------------------------------------------------------

ORDERS = ("mdy", "dmy")
ORDER_NAMES = {"mdy": gettext_noop("month/day/year"), "dmy": gettext_noop("day/month/year")}


def _resolve(raw: _RawRound, order: str, start: datetime.date | None) -> tuple[list, int]:
    """The dates of ``raw``'s entries under ``order`` (None where one does not exist),
    and how many numeric dates do not exist."""
    values: list[datetime.date | None] = []
    invalid = 0
    for entry in raw.entries:
        date = entry.head.date
        if date is None or date.year == 0:
            values.append(None)
            continue
        value = date.value(order)
        invalid += value is None and date.kind == "num"
        values.append(value)
    anchors = [v for v in values if v is not None]
    fallback = raw.started.value(order) if raw.started and raw.started.year else None
    for index, entry in enumerate(raw.entries):
        date = entry.head.date
        if date is None or date.year != 0:
            continue
        near = _nearest(values, index) or fallback or start or (anchors[0] if anchors else None)
        if near is None:
            continue
        options = [
            date.value(order, year) for year in (near.year - 1, near.year, near.year + 1) if 1 < year < 9999
        ]
        options = [v for v in options if v is not None]
        values[index] = min(options, key=lambda v: abs((v - near).days)) if options else None
    return values, invalid


def _nearest(values: list, index: int) -> datetime.date | None:
    for distance in range(1, len(values)):
        for other in (index - distance, index + distance):
            if 0 <= other < len(values) and values[other] is not None:
                return values[other]
    return None


def _fits(values: list) -> tuple[bool, int]:
    """Whether ``values`` all exist and run one way (either way), and the days they miss."""
    dates = [v for v in values if v is not None]
    if len(dates) != len(values):
        return False, 0
    if len(dates) < 2:
        return True, 0
    ups = sum(a < b for a, b in zip(dates, dates[1:], strict=False))
    downs = sum(a > b for a, b in zip(dates, dates[1:], strict=False))
    if ups and downs or ups + downs < len(dates) - 1:
        return False, 0
    return True, abs((dates[-1] - dates[0]).days) + 1 - len(dates)


def _date_order(rounds: list[_RawRound], start, chosen: str | None) -> tuple[str, list[str]]:
    """How to read numeric dates: the order under which every date exists and the dates run
    one way. Both fit: the one missing fewer days, unless ``chosen``; the preview asks."""
    numeric = any(
        (e.head.date is not None and e.head.date.kind == "num") for raw in rounds for e in raw.entries
    ) or any(raw.started is not None and raw.started.kind == "num" for raw in rounds)
    if not numeric:
        return "", []
    fitting: dict[str, int] = {}
    scores: dict[str, tuple[int, int]] = {}
    for order in ORDERS:
        ok, missed, invalid = True, 0, 0
        for raw in rounds:
            values, bad = _resolve(raw, order, start)
            invalid += bad
            fits, gap = _fits([v for v, e in zip(values, raw.entries, strict=True) if e.head.date])
            ok = ok and fits and not bad
            missed += gap
        if ok:
            fitting[order] = missed
        scores[order] = (invalid, missed)
    if chosen in ORDERS and (chosen in fitting or not fitting):
        order = chosen
    elif fitting:
        order = min(fitting, key=lambda o: (fitting[o], ORDERS.index(o)))
    else:
        order = min(ORDERS, key=lambda o: scores[o])
    return order, sorted(fitting, key=ORDERS.index) if len(fitting) > 1 else []


def _numeric_example(rounds: list[_RawRound]) -> str:
    for raw in rounds:
        for entry in raw.entries:
            if entry.head.date is not None and entry.head.date.kind == "num":
                return entry.head.date.text
    return ""


def read_numeric(text: str, order: str) -> datetime.date | None:
    """What a numeric date like ``03/04/24`` is under ``order`` ("mdy" or "dmy")."""
    found = find_date(text)
    return found.value(order) if found is not None and found.kind == "num" else None


def _finish_round(raw: _RawRound, start, order: str, orders: list[str]) -> list[RoundData]:
    """The round(s) of one part of the file: its dates checked, its rule found."""
    result = RoundData(title=raw.title, number=raw.number, notes=raw.notes)
    _description(raw, result)
    if not raw.entries:
        return []
    values, _invalid = _resolve(raw, order, start)
    dated = [entry for entry in raw.entries if entry.head.date is not None]
    for entry, value in zip(raw.entries, values, strict=True):
        date = entry.head.date
        if date is None:
            continue
        if value is None:
            if date.year == 0:
                raise LogError(
                    gettext(
                        "the date “%(date)s” has no year: write the year in one of the days or in “Started on …”"
                    )
                    % {"date": date.text},
                    entry.line,
                )
            how = ""
            if date.kind == "num":
                how = " " + gettext("(read as %(order)s)") % {"order": gettext(ORDER_NAMES[order])}
            raise LogError(
                gettext("“%(date)s” is not a valid date%(how)s") % {"date": date.text, "how": how}, entry.line
            )
        entry.date = value
    if dated:
        _date_note(raw, result, order, orders)
    if dated and len(dated) != len(raw.entries):
        first = raw.entries[0]
        other = next(e for e in raw.entries if (e.head.date is None) != (first.head.date is None))
        if first.head.date is not None:
            reason = gettext("%(day)s has no date, but %(first)s has one: add its date")
        else:
            reason = gettext(
                "%(day)s has a date, but %(first)s has none: add the missing dates or remove this one"
            )
        raise LogError(reason % {"day": _day_name(other), "first": _day_name(first)}, other.line)
    if not dated:
        return [_undated(raw, result, start, order)]
    entries = _oriented(raw.entries)
    parts = _restarts(entries)
    out = []
    for index, part in enumerate(parts):
        piece = result if index == 0 else RoundData(notes=[])
        if index:
            piece.number = (result.number + index) if result.number else None
            piece.notes.append(
                Note(
                    "rounds",
                    gettext("%(day)s starts again after %(previous)s: read as a new round")
                    % {"day": _day_name(part[0]), "previous": _day_name(parts[index - 1][-1])},
                    part[0].line,
                )
            )
        _check_dates(part)
        _rule_from_dates(piece, part)
        out.append(piece)
    return out


def _description(raw: _RawRound, result: RoundData) -> None:
    """Text before the first day and under headings that are not days: the round's description."""
    del raw.preamble.lines[raw.kept :]
    parts = [raw.preamble.text()] if raw.preamble.text().strip() else []
    if parts and raw.started is None:
        result.notes.append(
            Note(
                "description",
                gettext("the text before the first day is the round's description"),
                raw.preamble_line,
            )
        )
    elif parts:
        result.notes.append(
            Note(
                "description",
                gettext("the text before the first day (with the start date) is the round's description"),
                raw.preamble_line,
            )
        )
    for section in raw.sections:
        text = section.block.text()
        if not text.strip():
            continue
        parts.append(f"### {section.heading}\n\n{text}" if section.heading else text)
        result.notes.append(
            Note(
                "description",
                gettext("“%(heading)s” is no day: its text went to the round's description")
                % {"heading": _shown(section.heading, 60)},
                section.line,
            )
        )
    result.description = "\n\n".join(parts)


def _date_note(raw: _RawRound, result: RoundData, order: str, orders: list[str]) -> None:
    example = next(e.head.date for e in raw.entries if e.head.date is not None)
    numeric = [e for e in raw.entries if e.head.date is not None and e.head.date.kind == "num"]
    if numeric:
        example = numeric[0].head.date
        if orders:
            message = gettext(
                "dates like “%(example)s” fit both month/day/year and day/month/year: read as %(order)s, "
                "which misses fewer days (you can choose)"
            )
        else:
            message = gettext(
                "dates like “%(example)s” read as %(order)s (the only order that fits every date)"
            )
        values = {"example": _shown(example.text, 40), "order": gettext(ORDER_NAMES[order])}
        result.notes.insert(0, Note("dates", message % values, numeric[0].line))
    else:
        result.notes.insert(
            0,
            Note(
                "dates", gettext("dates written like “%(example)s”") % {"example": _shown(example.text, 40)}
            ),
        )
    yearless = [e for e in raw.entries if e.head.date is not None and e.head.date.year == 0]
    if yearless:
        result.notes.insert(
            1,
            Note(
                "dates",
                ngettext(
                    "%(n)s date without a year: the year is taken from the nearest dated day",
                    "%(n)s dates without a year: the year is taken from the nearest dated day",
                    len(yearless),
                )
                % {"n": len(yearless)},
                yearless[0].line,
            ),
        )


def _oriented(entries: list[_RawEntry]) -> list[_RawEntry]:
    """Oldest first: a log written newest first is turned over (the way most dates go)."""
    pairs = list(zip(entries, entries[1:], strict=False))
    downs = sum(a.date > b.date for a, b in pairs)
    ups = sum(a.date < b.date for a, b in pairs)
    return entries[::-1] if downs > ups else list(entries)


def _restarts(entries: list[_RawEntry]) -> list[list[_RawEntry]]:
    """Cut where the labels start again at day 0 or 1 while the dates go on: a new round."""
    parts = [[entries[0]]] if entries else []
    for previous, entry in zip(entries, entries[1:], strict=False):
        day, before = entry.head.day, previous.head.day
        if (
            day is not None
            and before is not None
            and day <= 1
            and before > day + 1
            and entry.date > previous.date
            and len(parts[-1]) > 1
        ):
            parts.append([entry])
        else:
            parts[-1].append(entry)
    return parts


def _check_dates(entries: list[_RawEntry]) -> None:
    """The same date twice or a date out of order: refused at the line that is wrong."""
    seen: dict[datetime.date, int] = {}
    for entry in entries:
        if entry.date in seen:
            first, later = sorted((seen[entry.date], entry.line))
            raise LogError(
                gettext(
                    "the date %(date)s appears twice (first on line %(first)s): correct one of them, "
                    "or merge the two days"
                )
                % {"date": entry.date, "first": first},
                later,
            )
        seen[entry.date] = entry.line
    for index in range(1, len(entries)):
        previous, entry = entries[index - 1], entries[index]
        if entry.date > previous.date:
            continue
        # One of the two is wrong: the one that does not fit between its neighbours.
        after = entries[index + 1].date if index + 1 < len(entries) else None
        before = entries[index - 2].date if index >= 2 else None
        wrong, right = entry, previous
        if after is not None and previous.date > after and (before is None or entry.date > before):
            wrong, right = previous, entry
        raise LogError(
            gettext(
                "the dates go backwards: %(date)s comes after %(previous)s: check this day's date "
                "(its day, month and year)"
            )
            % (
                {"date": wrong.date, "previous": right.date}
                if wrong is entry
                else {"date": right.date, "previous": wrong.date}
            ),
            wrong.line,
        )


def _shift(start: datetime.date, days: int, line: int | None) -> datetime.date:
    try:
        return start + datetime.timedelta(days=days)
    except OverflowError:
        raise LogError(gettext("the dates fall outside the calendar (years 1 to 9999)"), line) from None


def _rule_from_dates(result: RoundData, raw: list[_RawEntry]) -> None:
    """Dates win over labels: the rule the labels agree with best, the others noted."""
    entries = [entry.data() for entry in raw]
    first = entries[0]
    labelled = [e for e in entries if e.day is not None]
    zero = bool(labelled) and labelled[0].day == 0
    base = 0 if zero else 1
    official_miss = [(e, base + i) for i, e in enumerate(entries) if e.day is not None and e.day != base + i]
    calendar_miss: list = []
    anchor = labelled[0] if labelled else None
    if anchor is not None:
        calendar_miss = [
            (e, anchor.day + (e.date - anchor.date).days)
            for e in labelled
            if e.day != anchor.day + (e.date - anchor.date).days
        ]
    calendar = anchor is not None and len(calendar_miss) < len(official_miss)
    if calendar:
        result.rule = CALENDAR
        result.start_date = _shift(anchor.date, -(anchor.day - base), anchor.line)
        if result.start_date > first.date:
            result.start_date = first.date
        misses = calendar_miss
        result.target = max(100, (entries[-1].date - result.start_date).days + 1)
    else:
        result.rule = OFFICIAL
        result.start_date = first.date
        misses = official_miss
        result.target = max(100, len(entries))
    for entry, expected in misses[:20]:
        result.notes.append(
            Note(
                "labels",
                gettext("“Day %(label)s” is day %(day)s by its date (%(date)s)")
                % {"label": entry.day, "day": expected + (1 - base), "date": entry.date},
                entry.line,
            )
        )
    if len(misses) > 20:
        result.notes.append(
            Note(
                "labels",
                gettext("and %(n)s more labels that disagree with the dates") % {"n": len(misses) - 20},
            )
        )
    result.entries = entries


def _undated(raw: _RawRound, result: RoundData, start: datetime.date | None, order: str) -> RoundData:
    entries = list(raw.entries)
    if len(entries) > 1 and all(a.head.day > b.head.day for a, b in zip(entries, entries[1:], strict=False)):
        entries = entries[::-1]  # written newest first
    seen: dict[int, int] = {}
    for entry in entries:
        if entry.head.day in seen:
            raise LogError(
                gettext("day %(day)s appears twice (first on line %(first)s)")
                % {"day": entry.head.day, "first": seen[entry.head.day]},
                entry.line,
            )
        seen[entry.head.day] = entry.line
    for previous, entry in zip(entries, entries[1:], strict=False):
        if entry.head.day < previous.head.day:
            raise LogError(
                gettext("the day numbers go backwards: day %(day)s comes after day %(previous)s")
                % {"day": entry.head.day, "previous": previous.head.day},
                entry.line,
            )
    begin = raw.started.value(order or "mdy") if raw.started is not None and raw.started.year else None
    begin = begin or start
    if begin is None:
        raise LogError(gettext(NO_START))
    base = min(1, entries[0].head.day)
    for entry in entries:
        entry.date = _shift(begin, entry.head.day - base, entry.line)
    data = [entry.data() for entry in entries]
    official = all(e.day == base + i for i, e in enumerate(data))
    result.rule = OFFICIAL if official else CALENDAR
    result.start_date = begin
    result.target = max(100, max(e.day for e in data) + 1 - base)
    result.entries = data
    return result

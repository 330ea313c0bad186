"""Write a round as a Markdown log in the community template, in English or Spanish.

What this writes, :func:`journal.logs.markdown_in.parse_markdown` reads back: the same dates,
day numbers, rule, titles, progress, thoughts, links, minutes and tags. Lines of the user's
text that the parser would take for a day heading or a label get a backslash in front.
"""

from __future__ import annotations

import datetime
import re

from journal.rules import CALENDAR, OFFICIAL

from .data import EntryData, LinkData, RoundData
from .markdown_in import COMMENT_ESCAPE, escape, escape_links, needs_escape

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_ES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")

LABELS = {
    "en": {
        "day": "Day",
        "title": "Title",
        "progress": "Today's Progress",
        "thoughts": "Thoughts",
        "links": "Link(s) to work",
        "minutes": "Minutes",
        "tags": "Tags",
    },
    "es": {
        "day": "Día",
        "title": "Título",
        "progress": "Progreso de hoy",
        "thoughts": "Reflexiones",
        "links": "Enlace(s) a mi trabajo",
        "minutes": "Minutos",
        "tags": "Etiquetas",
    },
}

_LIST_START = re.compile(r"(?:[-*+]|[0-9]{1,9}[.)])(?:[ \t]|$)")
_SAFE_BARE_URL = re.compile(r"(?i)https?://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"*_]")
_URL_NEEDS_ANGLES = re.compile(r"[\s()<>]")


def _language(lang: str) -> str:
    return "es" if (lang or "").lower().startswith("es") else "en"


def format_date(value: datetime.date, lang: str = "en") -> str:
    """``March 4, 2024 (Monday)`` or ``4 de marzo de 2024 (lunes)``."""
    if _language(lang) == "es":
        month, weekday = MONTHS_ES[value.month - 1], WEEKDAYS_ES[value.weekday()]
        return f"{value.day} de {month} de {value.year} ({weekday})"
    month, weekday = MONTHS_EN[value.month - 1], WEEKDAYS_EN[value.weekday()]
    return f"{month} {value.day}, {value.year} ({weekday})"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _normalize(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _body(text: str, preamble: bool = False) -> list[str]:
    lines = text.split("\n") if preamble else [escape_links(line) for line in text.split("\n")]
    return [escape(line) if needs_escape(line, preamble) else line for line in lines]


def _field(name: str, text: str) -> list[str]:
    text = _normalize(text)
    if "\n" in text or _LIST_START.match(text):
        return [f"**{name}**:", *_body(text)]
    return [f"**{name}**: {escape_links(text)}".rstrip()]


def _link(link: LinkData) -> str:
    url = link.url.strip()
    label = _one_line(link.label or "")
    if _URL_NEEDS_ANGLES.search(url):
        url = "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    if not label:
        if _SAFE_BARE_URL.fullmatch(url):
            return url
        return url if url.startswith("<") else f"<{url}>"
    label = label.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"[{label}]({url})"


def _title_line(title: str) -> str:
    title = _one_line(title)
    # A title ending in "#" would lose it as a closing sequence: close the heading explicitly.
    return f"# {title} #" if title.endswith("#") else f"# {title}"


def _numbers(round: RoundData) -> dict[int, int]:
    """Day numbers for entries that have none, from the round's rule (else their position)."""
    dated = sorted({entry.date for entry in round.entries if entry.date is not None})
    start = round.start_date or (dated[0] if dated else None)
    ordinal = {value: number for number, value in enumerate(dated, start=1)}
    out = {}
    for index, entry in enumerate(round.entries):
        if entry.day is not None:
            continue
        if entry.date is not None and round.rule == CALENDAR and start is not None:
            out[index] = (entry.date - start).days + 1
        elif entry.date is not None and round.rule == OFFICIAL:
            out[index] = ordinal[entry.date]
        else:
            out[index] = index + 1
    return out


def _order(entries: list[EntryData]) -> list[int]:
    def key(index: int):
        entry = entries[index]
        return (entry.date is None, entry.date or datetime.date.min, entry.day or 0, index)

    return sorted(range(len(entries)), key=key)


def write_markdown(round: RoundData, lang: str = "en") -> str:
    """The round as a community-template Markdown log."""
    language = _language(lang)
    labels = LABELS[language]
    out: list[str] = []
    if _one_line(round.title or ""):
        out += [_title_line(round.title), ""]
    description = _normalize(round.description)
    if description:
        out += [*_body(description, preamble=True), ""]
    numbers = _numbers(round)
    for index in _order(round.entries):
        entry = round.entries[index]
        day = entry.day if entry.day is not None else numbers[index]
        head = f"### {labels['day']} {day}"
        if entry.date is not None:
            head += f": {format_date(entry.date, language)}"
        out += [head, ""]
        if _one_line(entry.title or ""):
            out += [f"**{labels['title']}**: {_one_line(entry.title)}", ""]
        out += [*_field(labels["progress"], entry.progress), ""]
        if _normalize(entry.thoughts):
            out += [*_field(labels["thoughts"], entry.thoughts), ""]
        if entry.links:
            out.append(f"**{labels['links']}**")
            out += [f"{number}. {_link(link)}" for number, link in enumerate(entry.links, start=1)]
            out.append("")
        if entry.minutes is not None:
            out += [f"**{labels['minutes']}**: {entry.minutes}", ""]
        if entry.tags:
            out += [f"**{labels['tags']}**: {', '.join(_one_line(tag) for tag in entry.tags)}", ""]
    # "<!--" in someone's text would hide the rest from the reader (and from a Markdown
    # viewer): "<\!--" shows the same and reads back as "<!--".
    return ("\n".join(out).rstrip("\n") + "\n").replace("<!--", COMMENT_ESCAPE)

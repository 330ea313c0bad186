"""A participant's year as a heatmap, like a contribution graph: one square a day, all rounds.

Two sizes of the same data: the last 53 weeks for a wide screen, the last 17 for a phone
(app.css shows one of them). Each square has its own text ("March 4, 2024: logged, 60
minutes"); a table by month is the fallback. ``Heatmap.html`` writes the whole section
(coordinates as plain strings, never localized; every text escaped). It is written here, not
in a template: a grid has up to 371 squares, and the squares of the days nobody logged, the
same on every profile drawn that day in that language, are kept (``_skeleton``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from html import escape

from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

CELL, GAP, LEFT, TOP = 11, 2, 30, 16
PITCH = CELL + GAP


@dataclass
class Cell:
    x: str
    y: str
    level: int
    text: str


@dataclass(frozen=True)
class _Day:
    """A square of the grid, the same on every profile shown in one language on one day."""

    date: date
    x: str
    y: str
    empty_html: str  # the square when nothing was logged that day


@lru_cache(maxsize=16)
def _skeleton(language, today: date, weeks: int):
    """The squares and month labels of a ``weeks``-wide grid ending with ``today``, in ``language``.

    Kept: every profile drawn on the same day in the same language shares them, so a page
    only writes the few squares its participant logged (a grid has up to 371 squares).
    """
    # Weeks run Monday to Sunday; the last column holds today.
    last_monday = today - timedelta(days=today.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    months = []
    days = []
    shown_month = None
    for week in range(weeks):
        monday = first + timedelta(weeks=week)
        if monday.month != shown_month and (week < weeks - 2):
            if shown_month is not None or monday.day <= 7:
                months.append({"x": str(LEFT + week * PITCH), "text": str(MONTHS_3[monday.month]).title()})
            shown_month = monday.month
        for weekday in range(7):
            d = monday + timedelta(days=weekday)
            if d > today:
                break
            x, y = str(LEFT + week * PITCH), str(TOP + weekday * PITCH)
            text = _("%(date)s: nothing logged") % {"date": date_format(d)}
            days.append(_Day(d, x, y, _square(0, x, y, text)))
    width, height = LEFT + weeks * PITCH, TOP + 7 * PITCH
    labels = "".join(f'<text x="{m["x"]}" y="10">{escape(m["text"])}</text>' for m in months)
    weekdays = "".join(f'<text x="0" y="{w["y"]}">{escape(w["text"])}</text>' for w in _weekdays())
    head = (
        f'\n  <svg class="{{id}}" role="img" aria-labelledby="heatmap-title heatmap-desc" viewBox="0 0 {width} {height}">'
        f"\n    {labels}\n    {weekdays}\n    "
    )
    return tuple(months), tuple(days), head


def _weekdays():
    return [{"y": str(TOP + i * PITCH + CELL - 2), "text": str(WEEKDAYS_ABBR[i])} for i in (0, 2, 4)]


@lru_cache(maxsize=8)
def _section_words(language) -> dict:
    """The fixed parts of the section in ``language``, translated once."""
    return {
        "title": escape(_("Days logged in the last year")),
        "legend": (
            f'  <p class="legend small" aria-hidden="true">{_("Less")} <i class="h0"></i> <i class="h1"></i> '
            f'<i class="h2"></i> <i class="h3"></i> {_("More minutes")}</p>\n'
        ),
        "table_head": (f"  <details>\n    <summary>{_('The last year as a table')}</summary>\n"),
        "columns": (
            f'<thead><tr><th scope="col">{_("Month")}</th><th scope="col">{_("Days logged")}</th>'
            f'<th scope="col">{_("Minutes")}</th></tr></thead>'
        ),
        "nothing": f'<p class="muted">{_("Nothing logged in the last year.")}</p>',
    }


def _square(level, x, y, text) -> str:
    return (
        f'<rect class="h{level}" x="{x}" y="{y}" width="11" height="11"><title>{escape(text)}</title></rect>'
    )


@lru_cache(maxsize=4096)
def _date_text(language, d) -> str:
    return date_format(d)


@lru_cache(maxsize=4096)
def _minutes_words(language, minutes) -> str:
    return _minutes_text(minutes)


@lru_cache(maxsize=8)
def _logged_formats(language):
    return _("%(date)s: logged, %(minutes)s"), _("%(date)s: logged")


def _logged_text(d, minutes, language) -> str:
    """What a logged square says; its parts are kept per language (dates, minutes, sentences)."""
    with_minutes, without = _logged_formats(language)
    if minutes:
        return with_minutes % {"date": _date_text(language, d), "minutes": _minutes_words(language, minutes)}
    return without % {"date": _date_text(language, d)}


class Grid:
    """One size of the heatmap: ``cells`` (a :class:`Cell` a day) and ``cells_html`` (the squares)."""

    def __init__(self, id, days: dict, today: date, weeks: int):
        self.id = id
        self.weeks = weeks
        self.width = LEFT + weeks * PITCH
        self.height = TOP + 7 * PITCH
        self._language = get_language()
        self.months, self._squares, self._head = _skeleton(self._language, today, weeks)
        self._days = days
        self.weekdays = [
            {"y": str(TOP + i * PITCH + CELL - 2), "text": str(WEEKDAYS_ABBR[i])} for i in (0, 2, 4)
        ]

    @property
    def cells(self) -> list[Cell]:
        out = []
        for square in self._squares:
            if square.date in self._days:
                minutes = self._days[square.date]
                out.append(
                    Cell(
                        square.x, square.y, level(minutes), _logged_text(square.date, minutes, self._language)
                    )
                )
            else:
                out.append(
                    Cell(
                        square.x,
                        square.y,
                        0,
                        _("%(date)s: nothing logged") % {"date": date_format(square.date)},
                    )
                )
        return out

    @property
    def cells_html(self) -> str:
        days, language = self._days, self._language
        if not days:
            return mark_safe("".join(square.empty_html for square in self._squares))
        out = []
        for square in self._squares:
            d = square.date
            if d in days:
                minutes = days[d]
                out.append(_square(level(minutes), square.x, square.y, _logged_text(d, minutes, language)))
            else:
                out.append(square.empty_html)
        return mark_safe("".join(out))

    @property
    def svg_html(self) -> str:
        return f"{self._head.replace('{id}', self.id)}{self.cells_html}\n  </svg>\n  "


@dataclass
class Heatmap:
    title: str
    description: str
    wide: Grid
    narrow: Grid
    months: list[dict]  # the table: month, days logged, minutes
    logged: int

    @property
    def grids(self):
        return (self.wide, self.narrow)

    @property
    def html(self) -> str:
        """The section of the profile: a title, both grids, a legend, and the table by month."""
        words = _section_words(get_language())
        if self.months:
            rows = "".join(
                f"<tr><td>{escape(m['month'])}</td><td>{m['days']}</td><td>{m['minutes']}</td></tr>"
                for m in self.months
            )
            table = (
                f"\n    <table>\n      {words['columns']}\n      <tbody>{rows}</tbody>\n    </table>\n    "
            )
        else:
            table = words["nothing"]
        return mark_safe(
            f'\n<section class="heatmap" aria-labelledby="heatmap-title">\n'
            f'  <h2 id="heatmap-title">{words["title"]}</h2>\n'
            f'  <p class="muted small" id="heatmap-desc">{escape(self.description)}</p>\n'
            f"  {self.wide.svg_html}{self.narrow.svg_html}\n"
            f"{words['legend']}{words['table_head']}    {table}\n  </details>\n</section>\n\n"
        )


def level(minutes) -> int:
    """0 nothing logged; 1 logged (no minutes, or under 45); 2 under 90 minutes; 3 more."""
    if minutes is None:
        return 1
    return 1 if minutes < 45 else 2 if minutes < 90 else 3


def _minutes_text(minutes):
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def build(entries, today: date) -> Heatmap:
    """``entries``: (date, minutes) pairs from any number of rounds; a day counts once, its minutes add up."""
    start = today - timedelta(weeks=53)
    days: dict[date, int | None] = {}
    for d, minutes in entries:
        if start <= d <= today:
            if d in days:
                days[d] = (days[d] or 0) + (minutes or 0) or None
            else:
                days[d] = minutes
    months = []
    for d in sorted(days):
        key = (d.year, d.month)
        if not months or months[-1]["key"] != key:
            months.append({"key": key, "month": date_format(d, "YEAR_MONTH_FORMAT"), "days": 0, "minutes": 0})
        months[-1]["days"] += 1
        months[-1]["minutes"] += days[d] or 0
    logged = len(days)
    return Heatmap(
        title=_("Days logged in the last year"),
        description=ngettext(
            "%(n)s day logged in the last 12 months, across all rounds.",
            "%(n)s days logged in the last 12 months, across all rounds.",
            logged,
        )
        % {"n": logged},
        wide=Grid("heat-wide", days, today, 53),
        narrow=Grid("heat-narrow", days, today, 17),
        months=months,
        logged=logged,
    )

"""A participant's year as a heatmap, like a contribution graph: one square a day, all rounds.

The geometry is computed here (coordinates as plain strings, never localized), the template
``journal/includes/heatmap.html`` only draws it. Two sizes of the same data: the last 53
weeks for a wide screen, the last 17 for a phone (app.css shows one of them). Each square
has its own text ("March 4, 2024: logged, 60 minutes"); a table by month is the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CELL, GAP, LEFT, TOP = 11, 2, 30, 16
PITCH = CELL + GAP


@dataclass
class Cell:
    x: str
    y: str
    level: int
    text: str


@dataclass
class Grid:
    id: str
    weeks: int
    width: int
    height: int
    cells: list[Cell] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)
    weekdays: list[dict] = field(default_factory=list)


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


def level(minutes) -> int:
    """0 nothing logged; 1 logged (no minutes, or under 45); 2 under 90 minutes; 3 more."""
    if minutes is None:
        return 1
    return 1 if minutes < 45 else 2 if minutes < 90 else 3


def _minutes_text(minutes):
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def _grid(id, days: dict, today: date, weeks: int) -> Grid:
    # Weeks run Monday to Sunday; the last column holds today.
    last_monday = today - timedelta(days=today.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    grid = Grid(id, weeks, LEFT + weeks * PITCH, TOP + 7 * PITCH)
    shown_month = None
    for week in range(weeks):
        monday = first + timedelta(weeks=week)
        if monday.month != shown_month and (week < weeks - 2):
            if shown_month is not None or monday.day <= 7:
                grid.months.append(
                    {"x": str(LEFT + week * PITCH), "text": str(MONTHS_3[monday.month]).title()}
                )
            shown_month = monday.month
        for weekday in range(7):
            d = monday + timedelta(days=weekday)
            if d > today:
                break
            logged = d in days
            minutes = days.get(d)
            if not logged:
                text = _("%(date)s: nothing logged") % {"date": date_format(d)}
            elif minutes:
                text = _("%(date)s: logged, %(minutes)s") % {
                    "date": date_format(d),
                    "minutes": _minutes_text(minutes),
                }
            else:
                text = _("%(date)s: logged") % {"date": date_format(d)}
            grid.cells.append(
                Cell(
                    str(LEFT + week * PITCH),
                    str(TOP + weekday * PITCH),
                    level(minutes) if logged else 0,
                    text,
                )
            )
    grid.weekdays = [{"y": str(TOP + i * PITCH + CELL - 2), "text": str(WEEKDAYS_ABBR[i])} for i in (0, 2, 4)]
    return grid


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
        wide=_grid("heat-wide", days, today, 53),
        narrow=_grid("heat-narrow", days, today, 17),
        months=months,
        logged=logged,
    )

"""A round's stats: minutes per day, tags and weekdays, drawn as inline SVG on the server.

The geometry is computed here (plain numbers, formatted as strings so no locale
turns a decimal point into a comma inside an SVG attribute); the templates
``journal/includes/chart_*.html`` only draw it. Every chart has a title, a
description and a data table next to it. Same visibility as the journal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import date_format, number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from journal import figures, pagecache, selectors, share
from journal.clock import today_for
from journal.models import Entry, Tag

WIDTH = 720
MAX_TAGS = 20
# Fewer slots than this and the bars stay narrow, left-aligned: one day is not one wide block.
MIN_SLOTS = 20


def _n(value: float) -> str:
    """An SVG coordinate: never localized."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


@dataclass
class Mark:
    """One bar: its rectangle, an optional axis label and value label, and a tooltip."""

    x: str
    y: str
    width: str
    height: str
    tooltip: str
    label: str = ""
    label_x: str = ""
    label_y: str = ""
    value: str = ""
    value_x: str = ""
    value_y: str = ""
    label_class: str = ""
    share: str = ""  # for the tags' bars: the value as a percentage of the largest


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    axis: dict = field(default_factory=dict)


def column_chart(
    id,
    title,
    description,
    values,
    labels,
    tooltips,
    *,
    label_every=1,
    show_values=False,
    counts=False,
    height=220,
    width=WIDTH,
    min_slots=1,
):
    """Vertical bars, one per value, with y ticks at 0, half and the top.

    The SVG scales to its column (app.css); on a phone its text is drawn larger and the
    labels between every other labelled one (class "minor") are hidden.
    """
    left, right, top, bottom = 56, 8, 30, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_ceiling(max(values, default=0))
    pitch = plot_w / max(1, len(values), min_slots)
    bar_w = max(1.0, pitch * 0.7)
    chart = Chart(id, title, description, width, height)
    base = top + plot_h
    for i, value in enumerate(values):
        h = plot_h * value / top_value
        cx = left + pitch * (i + 0.5)
        mark = Mark(_n(cx - bar_w / 2), _n(base - h), _n(bar_w), _n(h), tooltips[i])
        if i % label_every == 0:
            mark.label, mark.label_x, mark.label_y = labels[i], _n(cx), _n(base + 26)
            mark.label_class = "" if i % (label_every * 2) == 0 else "minor"
        if show_values:
            mark.value, mark.value_x, mark.value_y = number_format(value), _n(cx), _n(base - h - 4)
        chart.marks.append(mark)
    for fraction in (0, 0.5, 1):
        y = base - plot_h * fraction
        tick = float(top_value * fraction)
        if counts and not tick.is_integer():
            continue
        chart.ticks.append(
            {
                "y": _n(y),
                "text_y": _n(y + 4),
                "x1": _n(left),
                "x2": _n(width - right),
                "text_x": _n(left - 6),
                "text": number_format(tick, decimal_pos=0 if tick.is_integer() else 1),
            }
        )
    chart.axis = {"x1": _n(left), "x2": _n(width - right), "y": _n(base)}
    return chart


def bar_chart(id, title, description, rows):
    """Horizontal bars as an HTML list (label, bar, value), so the text reflows on a phone:
    ``rows`` of (label, value, tooltip). Each bar is a tiny SVG whose width is the share."""
    top_value = max((value for _label, value, _tip in rows), default=0) or 1
    chart = Chart(id, title, description, WIDTH, 0)
    for label, value, tooltip in rows:
        share = max(1.0, 100 * value / top_value)
        chart.marks.append(
            Mark("0", "0", _n(share), "10", tooltip, label=Truncator(label).chars(40), value=number_format(value), share=_n(share))
        )  # fmt: skip
    return chart


@require_safe
@pagecache.kept("stats", scopes=pagecache.participant_in_url)
def stats(request, handle, number):
    """Kept in the page cache. Building it costs 1. the round and its owner, 2. date, day
    and minutes of its entries, 3. its tags with their counts."""
    round = selectors.visible_round(request.user, handle, number)
    if not round.user.is_active:
        raise Http404
    today = today_for(round.user)
    days = list(Entry.objects.filter(round=round).order_by("date").values_list("date", "day", "minutes"))
    tags = list(
        Tag.objects.filter(entries__round=round)
        .annotate(n=Count("entries"))
        .order_by("-n", "name")
        .values_list("name", "n")
    )
    summary = selectors.round_summary(round, today, dates=[d for d, _day, _m in days])
    context = {"round": round, "summary": summary, **_charts(days, tags)}
    context["seo"] = share.page_meta(
        title=_("Stats of %(title)s · %(name)s") % {"title": round.title, "name": round.user.name},
        description=f"{figures.line(summary)} {context['text_summary']}",
        path=reverse("journal:stats", kwargs={"handle": round.user.handle, "number": round.number}),
        noindex=not round.is_public,
    )
    response = render(request, "journal/stats.html", context)
    return share.round_validators(round, today, "stats").apply(response)


def _minutes_text(minutes):
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": number_format(minutes)}


def _charts(days, tags):
    total = sum(m or 0 for _d, _day, m in days)
    with_minutes = [m for _d, _day, m in days if m]
    minutes_rows = [{"day": day, "date": d, "minutes": m} for d, day, m in days]
    minutes_chart = None
    if with_minutes:
        minutes_chart = column_chart(
            "minutes",
            _("Minutes coded per day"),
            ngettext(
                "%(total)s over %(days)s day; at most %(max)s in a day.",
                "%(total)s over %(days)s days; at most %(max)s in a day.",
                len(with_minutes),
            )
            % {
                "total": _minutes_text(total),
                "days": len(with_minutes),
                "max": _minutes_text(max(with_minutes)),
            },
            [m or 0 for _d, _day, m in days],
            [str(day) for _d, day, _m in days],
            [
                _("Day %(day)s, %(date)s: %(minutes)s")
                % {"day": day, "date": date_format(d), "minutes": _minutes_text(m or 0)}
                for d, day, m in days
            ],
            label_every=max(1, math.ceil(len(days) / 15)),
            min_slots=MIN_SLOTS,
        )

    per_weekday = [0] * 7
    minutes_per_weekday = [0] * 7
    for d, _day, m in days:
        per_weekday[d.weekday()] += 1
        minutes_per_weekday[d.weekday()] += m or 0
    weekday_rows = [
        {"name": WEEKDAYS[i], "entries": per_weekday[i], "minutes": minutes_per_weekday[i]} for i in range(7)
    ]
    busiest = max(range(7), key=lambda i: (per_weekday[i], -i))
    weekdays_chart = None
    if days:
        weekdays_chart = column_chart(
            "weekdays",
            _("Days logged per weekday"),
            _("Most days were logged on %(weekday)s.") % {"weekday": WEEKDAYS[busiest]},
            per_weekday,
            [str(WEEKDAYS_ABBR[i]) for i in range(7)],
            [
                ngettext("%(weekday)s: %(n)s day", "%(weekday)s: %(n)s days", per_weekday[i])
                % {"weekday": WEEKDAYS[i], "n": per_weekday[i]}
                for i in range(7)
            ],
            show_values=True,
            counts=True,
            height=200,
            width=480,
        )

    tags_chart = None
    if tags:
        shown = tags[:MAX_TAGS]
        tags_chart = bar_chart(
            "tags",
            _("Tags"),
            ngettext(
                "%(n)s tag; the most used is #%(top)s.", "%(n)s tags; the most used is #%(top)s.", len(tags)
            )
            % {"n": len(tags), "top": tags[0][0]},
            [
                (
                    f"#{name}",
                    n,
                    ngettext("#%(tag)s: %(n)s day", "#%(tag)s: %(n)s days", n) % {"tag": name, "n": n},
                )
                for name, n in shown
            ],
        )

    parts = [
        ngettext("%(n)s day logged.", "%(n)s days logged.", len(days)) % {"n": len(days)},
    ]
    if with_minutes:
        parts.append(
            _("%(total)s coded, %(average)s on average on the days with minutes recorded.")
            % {"total": _minutes_text(total), "average": _minutes_text(round(total / len(with_minutes)))}
        )
    if days:
        parts.append(_("Most days were logged on %(weekday)s.") % {"weekday": WEEKDAYS[busiest]})
    if tags:
        parts.append(_("The most used tag is #%(tag)s.") % {"tag": tags[0][0]})
    return {
        "text_summary": " ".join(str(p) for p in parts),
        "minutes_chart": minutes_chart,
        "minutes_rows": minutes_rows,
        "weekdays_chart": weekdays_chart,
        "weekday_rows": weekday_rows,
        "tags_chart": tags_chart,
        "tag_rows": tags,
        "hidden_tags": max(0, len(tags) - MAX_TAGS),
    }

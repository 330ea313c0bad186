"""The words for a round's figures: the same on every page, feed and badge.

Plain functions on a :class:`journal.rules.Summary`, in the active language. A round
that is over says how it ended instead of "Day N of T": "Broke on B after n days",
"Finished on F: n of T days logged", "Completed on F: T of T days logged".
"""

from __future__ import annotations

from functools import lru_cache

from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from journal import rules


def date_format(value) -> str:
    """``value`` in the active language's DATE_FORMAT, formatted once per process and language."""
    return _date_format(value, get_language())


@lru_cache(maxsize=4096)
def _date_format(value, language) -> str:
    return formats.date_format(value)


def headline(summary: rules.Summary) -> str:
    """The round's main figure: "Day N of T", or how it ended."""
    if summary.status == rules.BROKEN:
        return ngettext(
            "Broke on %(date)s after %(n)s day", "Broke on %(date)s after %(n)s days", summary.counted
        ) % {"date": date_format(summary.broken_on), "n": summary.counted}
    if summary.status == rules.FINISHED:
        return _("Finished on %(date)s: %(n)s of %(target)s days logged") % {
            "date": date_format(summary.finish),
            "n": summary.counted,
            "target": summary.target,
        }
    if summary.status == rules.COMPLETED:
        return _("Completed on %(date)s: %(n)s of %(target)s days logged") % {
            "date": date_format(summary.finish),
            "n": summary.counted,
            "target": summary.target,
        }
    return _("Day %(day)s of %(target)s") % {"day": summary.day, "target": summary.target}


def compact(summary: rules.Summary) -> str:
    """The figures of a round in a list: "Day 12 of 100 · 11 logged · 11%", or how it ended."""
    logged = f" · {_('%(n)s logged') % {'n': summary.logged}}" if summary.status == rules.ACTIVE else ""
    return f"{headline(summary)}{logged} · {summary.percent}%"


def status_word(summary: rules.Summary) -> str:
    """One word for lists: active, broken, finished or completed."""
    return {
        rules.ACTIVE: _("active"),
        rules.BROKEN: _("broken"),
        rules.FINISHED: _("finished"),
        rules.COMPLETED: _("completed"),
    }[summary.status]


def short(summary: rules.Summary) -> str:
    """The badge's figure: "12/100", "broke at 3/100", "finished 87/100", "completed 100/100"."""
    count = f"{summary.counted}/{summary.target}"
    if summary.status == rules.BROKEN:
        return _("broke at %(count)s") % {"count": count}
    if summary.status == rules.FINISHED:
        return _("finished %(count)s") % {"count": count}
    if summary.status == rules.COMPLETED:
        return _("completed %(count)s") % {"count": count}
    return count


def line(summary: rules.Summary) -> str:
    """One sentence for text places (feeds, meta descriptions): the headline and the rest."""
    if summary.status == rules.ACTIVE:
        return _("Day %(day)s of %(target)s: %(n)s logged (%(percent)s%%), %(missed)s missed.") % {
            "day": summary.day,
            "target": summary.target,
            "n": summary.counted,
            "percent": summary.percent,
            "missed": summary.missed,
        }
    return _("%(headline)s (%(percent)s%%), %(missed)s missed.") % {
        "headline": headline(summary),
        "percent": summary.percent,
        "missed": summary.missed,
    }

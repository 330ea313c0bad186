"""A round's figures as the API prints them: one function, from journal's Summary.

The dashboard, the journal page and the API all take their figures from
``journal.selectors.round_summary`` (journal/rules.py); this only turns the
Summary into JSON. A new status or figure in rules.Summary is added here once.
"""

from __future__ import annotations

from journal import rules


def summary_data(summary: rules.Summary) -> dict:
    # A round that is over (broken, finished) has no "Day N"; a broken one no finish date.
    return {
        "status": summary.status,
        "today": summary.today,
        "day": summary.day,
        "target": summary.target,
        "logged": summary.logged,
        "percent": summary.percent,
        "current_streak": summary.current_streak,
        "longest_streak": summary.longest_streak,
        "missed": summary.missed,
        "finish": summary.finish,
        "broken_on": summary.broken_on,
        "at_risk": summary.at_risk,
        "logged_today": summary.logged_today,
    }

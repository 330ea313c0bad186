"""The participant's day: which date they are on, when it began and when it ends.

Their time zone and rollover hour (``rules.local_today`` does the wall-clock arithmetic):
with rollover 3, 02:30 local time still belongs to the previous date. Every "today" of
the site (pages, writes, reminders, the import) and every page's expiry come from here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from journal import rules


def today_for(user, now: datetime | None = None) -> date:
    """The date ``user`` is on at ``now`` (default: this instant)."""
    return rules.local_today(now or timezone.now(), user.time_zone or "UTC", user.rollover_hour or 0)


def day_started_at(user, day: date) -> datetime:
    """The instant ``user``'s ``day`` began (their zone and rollover hour)."""
    zone = ZoneInfo(user.time_zone or "UTC")
    return datetime.combine(day, time(hour=user.rollover_hour or 0), tzinfo=zone)


def day_ends_at(user, day: date) -> datetime:
    """The instant ``user``'s ``day`` ends: pages showing missed days and streaks change then."""
    return day_started_at(user, day + timedelta(days=1))

"""The challenge's arithmetic: dates in, numbers out.

No models, no requests. ``dates`` is always the collection of dates that have an
entry in one round; functions accept any iterable and never mutate it.

Definitions (T = target, S = start date, ``today`` = the user's local date):

- ``calendar``: day(d) = (d - S) + 1; finish = S + T - 1; a missed day is a date
  in S .. yesterday (never past the finish) with no entry. Never broken.
- ``official``: day(d) = 1 + number of entries dated before d; a missed day is a
  date in S .. yesterday with no entry, counted only until the T-th entry; the
  round is broken when two consecutive dates are both missed; completed when
  n = T; projected finish = today + (T - n) when today is logged, else
  today + (T - n - 1).

A round that is over shows frozen figures (``summarize``):

- ``broken`` (official): it broke on B, the second of the first two consecutive
  missed dates. Missed days count in S .. B only, there is no projected finish and
  no "Day N of T", the current streak is 0, and it "broke after n days" (n = entries
  dated before B). A backfill before B may un-break it: everything is recomputed.
- ``finished`` (calendar): today is past the finish S + T - 1 with n < T.
- ``completed`` (either rule): n = T.

Percentages are floor(100 * n / T) in integer arithmetic.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

OFFICIAL = "official"
CALENDAR = "calendar"
RULES = (OFFICIAL, CALENDAR)

ACTIVE = "active"
COMPLETED = "completed"
BROKEN = "broken"
FINISHED = "finished"
STATUSES = (ACTIVE, BROKEN, FINISHED, COMPLETED)
OVER = (BROKEN, FINISHED, COMPLETED)  # the round has ended: its figures are frozen

LOGGED = "logged"
MISSED = "missed"
TODAY = "today"
FUTURE = "future"
ENDED = "ended"  # an unlogged date after a broken round's break: neither missed nor to come

ONE_DAY = timedelta(days=1)


def local_today(now: datetime, time_zone: str | ZoneInfo, rollover_hour: int = 0) -> date:
    """The date a person is "on" at the instant ``now`` (aware).

    Wall-clock arithmetic in the person's zone: with rollover 3, 02:30 local time
    still belongs to the previous date, whatever DST did during the night.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not 0 <= rollover_hour <= 6:
        raise ValueError("rollover_hour must be between 0 and 6")
    zone = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    wall = now.astimezone(zone).replace(tzinfo=None)
    return (wall - timedelta(hours=rollover_hour)).date()


def _sorted(dates) -> list[date]:
    return sorted(set(dates))


def day_number(d: date, start: date, rule: str, dates=()) -> int:
    """The day number of date ``d`` in a round (``dates``: the round's logged dates)."""
    if rule == CALENDAR:
        return (d - start).days + 1
    if rule == OFFICIAL:
        ordered = _sorted(dates)
        return 1 + bisect.bisect_left(ordered, d)
    raise ValueError(f"unknown rule {rule!r}")


def day_numbers(dates, start: date, rule: str) -> dict[date, int]:
    """Day number of every logged date."""
    ordered = _sorted(dates)
    if rule == CALENDAR:
        return {d: (d - start).days + 1 for d in ordered}
    if rule == OFFICIAL:
        return {d: i for i, d in enumerate(ordered, start=1)}
    raise ValueError(f"unknown rule {rule!r}")


def date_for_day(day: int, start: date) -> date:
    """The date of day ``day`` when every day up to it was logged."""
    return start + timedelta(days=day - 1)


def calendar_finish(start: date, target: int) -> date:
    return start + timedelta(days=target - 1)


def allowed_dates(start: date, target: int, rule: str, today: date, dates=()) -> tuple[date, date] | None:
    """The first and last date a *new* entry may have, or None when none may be added."""
    if rule == CALENDAR:
        last = min(today, calendar_finish(start, target))
    else:
        if len(set(dates)) >= target:
            return None
        last = today
    if last < start:
        return None
    return start, last


def date_error(d: date, start: date, target: int, rule: str, today: date, dates=()) -> str | None:
    """Why a new entry cannot have date ``d`` (a short code), or None when it can."""
    if d > today:
        return "future"
    if d < start:
        return "before_start"
    if d in set(dates):
        return "duplicate"
    if rule == CALENDAR and d > calendar_finish(start, target):
        return "after_finish"
    if rule == OFFICIAL and len(set(dates)) >= target:
        return "round_complete"
    return None


def _official_cutoff(ordered: list[date], target: int, today: date) -> date:
    """Last date (inclusive) on which a missing entry still counts as missed."""
    yesterday = today - ONE_DAY
    if len(ordered) >= target:
        return min(yesterday, ordered[target - 1] - ONE_DAY)
    return yesterday


def missed_dates(dates, start: date, target: int, rule: str, today: date) -> list[date]:
    ordered = _sorted(dates)
    logged = set(ordered)
    if rule == CALENDAR:
        last = min(today - ONE_DAY, calendar_finish(start, target))
    elif rule == OFFICIAL:
        last = _official_cutoff(ordered, target, today)
    else:
        raise ValueError(f"unknown rule {rule!r}")
    out = []
    d = start
    while d <= last:
        if d not in logged:
            out.append(d)
        d += ONE_DAY
    return out


def broken_on(dates, start: date, target: int, rule: str, today: date) -> date | None:
    """The second of the first two consecutive missed dates (official rule), or None."""
    if rule != OFFICIAL:
        return None
    return _first_break(missed_dates(dates, start, target, rule, today), rule)


def _first_break(missed: list[date], rule: str) -> date | None:
    """``broken_on`` from the round's missed dates."""
    if rule != OFFICIAL:
        return None
    previous = None
    for d in missed:
        if previous is not None and d - previous == ONE_DAY:
            return d
        previous = d
    return None


def is_broken(dates, start: date, target: int, rule: str, today: date) -> bool:
    return broken_on(dates, start, target, rule, today) is not None


def current_streak(dates, today: date) -> int:
    """Consecutive logged dates ending today, or ending yesterday when today is not logged."""
    logged = set(dates)
    d = today if today in logged else today - ONE_DAY
    streak = 0
    while d in logged:
        streak += 1
        d -= ONE_DAY
    return streak


def longest_streak(dates) -> int:
    best = run = 0
    previous = None
    for d in _sorted(dates):
        run = run + 1 if previous is not None and d - previous == ONE_DAY else 1
        best = max(best, run)
        previous = d
    return best


def is_completed(dates, start: date, target: int, rule: str, today: date) -> bool:
    """n = T, under either rule (a calendar round past its finish with fewer is *finished*)."""
    return len(set(dates)) >= target


def is_finished(dates, start: date, target: int, rule: str, today: date) -> bool:
    """A calendar round whose last day has passed without reaching the target."""
    return rule == CALENDAR and today > calendar_finish(start, target) and len(set(dates)) < target


def percent(n: int, target: int) -> int:
    """floor(100 * n / T) in integer arithmetic (29 of 100 is 29, never 28), within 0..100."""
    if target <= 0:
        return 0
    return max(0, min(100, 100 * n // target))


def projected_finish(dates, start: date, target: int, rule: str, today: date) -> date:
    ordered = _sorted(dates)
    n = len(ordered)
    if rule == CALENDAR:
        return calendar_finish(start, target)
    if n >= target:
        return ordered[target - 1]
    if today < start:
        return calendar_finish(start, target)
    remaining = target - n if today in set(ordered) else target - n - 1
    return today + timedelta(days=remaining)


def status(dates, start: date, target: int, rule: str, today: date) -> str:
    ordered = _sorted(dates)
    return _status(len(ordered), broken_on(ordered, start, target, rule, today), start, target, rule, today)


def _status(n: int, broke: date | None, start: date, target: int, rule: str, today: date) -> str:
    """``status`` from the number of logged dates and the break (``broken_on``)."""
    if n >= target:
        return COMPLETED
    if broke is not None:
        return BROKEN
    if rule == CALENDAR and today > calendar_finish(start, target):
        return FINISHED
    return ACTIVE


def current_day(dates, start: date, target: int, rule: str, today: date) -> int:
    """The N of "Day N of T": the number today has, or would have if logged now."""
    if rule == CALENDAR:
        return max(1, min(target, (today - start).days + 1))
    logged = set(dates)
    n = len(logged)
    if n >= target:
        return target
    return max(1, n if today in logged else n + 1)


class Cell(NamedTuple):  # a tuple: a badge or a journal makes one a day of the round
    date: date
    state: str  # LOGGED, MISSED, TODAY (not logged yet), FUTURE or ENDED (after a break, not logged)
    day: int | None  # the day number, when logged or when it can be told


@dataclass(frozen=True)
class Summary:
    """What every page, feed and badge shows of a round at one instant.

    Once the round is over (``status`` in ``OVER``) the figures are frozen: they no
    longer change as ``today`` moves forward, only when the entries change.
    """

    start: date
    target: int
    rule: str
    today: date
    logged: int  # entries in the round (a broken round keeps those after its break)
    day: int | None  # the N of "Day N of T"; None for a broken or finished round
    current_streak: int
    longest_streak: int
    missed: int  # broken: counted in S .. B only
    completion: float  # counted / target, 0..1
    finish: (
        date | None
    )  # projected while active; the real finish once finished or completed; None when broken
    status: str  # ACTIVE, BROKEN, FINISHED or COMPLETED
    broken_on: date | None
    at_risk: bool  # official: yesterday was missed and today isn't logged: one more miss breaks it
    logged_today: bool
    counted: int = 0  # the n of "n of T": entries before the break when broken, else logged (at most T)
    cells: list[Cell] = field(default_factory=list, repr=False)

    @property
    def percent(self) -> int:
        return percent(self.counted, self.target)

    @property
    def broke_after(self) -> int | None:
        """The n of "Broke on B after n days" (entries dated before B), or None."""
        return self.counted if self.status == BROKEN else None

    @property
    def is_over(self) -> bool:
        return self.status in OVER


def grid(dates, start: date, target: int, rule: str, today: date) -> list[Cell]:
    """One cell per calendar date of the round, from the start to the (projected) finish.

    A broken round is drawn up to its break or its last entry, whichever is later:
    dates after the break are logged or ENDED, never missed (an abandoned round
    would otherwise draw years of crosses).
    """
    ordered = _sorted(dates)
    missed = missed_dates(ordered, start, target, rule, today)
    broke = _first_break(missed, rule)
    return _grid(ordered, start, target, rule, today, set(missed), broke)


def _grid(
    ordered: list[date], start, target, rule, today, missed: set[date], broke: date | None
) -> list[Cell]:
    numbers = day_numbers(ordered, start, rule)
    logged = set(ordered)
    if broke is not None and len(ordered) < target:
        end = max([broke, *ordered])
        return [
            Cell(d, LOGGED, numbers[d]) if d in logged else Cell(d, MISSED if d <= broke else ENDED, None)
            for d in (start + timedelta(days=i) for i in range((end - start).days + 1))
        ]
    end = projected_finish(ordered, start, target, rule, today)
    if ordered:
        end = max(end, ordered[-1])
    cells = []
    d = start
    upcoming = len(ordered)
    while d <= end:
        if d in logged:
            cells.append(Cell(d, LOGGED, numbers[d]))
        elif d in missed:
            cells.append(Cell(d, MISSED, None))
        elif d == today:
            cells.append(Cell(d, TODAY, day_number(d, start, rule, ordered)))
        elif d > today:
            if rule == CALENDAR:
                number = (d - start).days + 1
            else:
                upcoming += 1
                number = upcoming if upcoming <= target else None
            cells.append(Cell(d, FUTURE, number))
        else:
            # Before today, not logged, not counted as missed (after the T-th entry).
            cells.append(Cell(d, MISSED, None))
        if d == today and rule == OFFICIAL and d not in logged:
            upcoming += 1
        d += ONE_DAY
    return cells


def summarize(dates, start: date, target: int, rule: str, today: date, *, with_grid=False) -> Summary:
    ordered = _sorted(dates)
    n = len(ordered)
    missed = all_missed = missed_dates(ordered, start, target, rule, today)
    broke = _first_break(missed, rule)
    state = _status(n, broke, start, target, rule, today)
    logged_today = today in set(ordered)
    yesterday = today - ONE_DAY
    if state == BROKEN:
        # Frozen on the break date B.
        counted = bisect.bisect_left(ordered, broke)
        missed = [d for d in missed if d <= broke]
        day, finish, streak = None, None, 0
    elif state in (FINISHED, COMPLETED):
        # Frozen on the last day: the streak it ended with.
        counted = min(n, target)
        finish = projected_finish(ordered, start, target, rule, today)
        streak = current_streak([d for d in ordered if d <= finish], finish + ONE_DAY)
        day = None if state == FINISHED else current_day(ordered, start, target, rule, today)
    else:
        counted = n
        finish = projected_finish(ordered, start, target, rule, today)
        streak = current_streak(ordered, today)
        day = current_day(ordered, start, target, rule, today)
    return Summary(
        start=start,
        target=target,
        rule=rule,
        today=today,
        logged=n,
        day=day,
        current_streak=streak,
        longest_streak=longest_streak(ordered),
        missed=len(missed),
        completion=min(1.0, counted / target) if target else 0.0,
        finish=finish,
        status=state,
        broken_on=broke,
        # Yesterday was missed and today is not logged yet: one more miss breaks the round.
        at_risk=(
            rule == OFFICIAL
            and broke is None
            and n < target
            and not logged_today
            and yesterday in set(missed)
        ),
        logged_today=logged_today,
        counted=counted,
        cells=_grid(ordered, start, target, rule, today, set(all_missed), broke) if with_grid else [],
    )

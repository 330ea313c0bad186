"""Reads for the cohort pages. Each says what it costs in queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from django.http import Http404
from django.utils import timezone

from cohorts.figures import GOING, member_status
from cohorts.models import Cohort, Membership
from journal import rules
from journal import selectors as journal_selectors
from journal.clock import today_for
from journal.models import Entry, Round

HEATMAP_DAYS = 14
SHARED_ENTRIES = 10


@dataclass
class Access:
    """The cohort a viewer opened, and who they are to it."""

    cohort: Cohort
    membership: Membership | None

    @property
    def is_member(self):
        return self.membership is not None

    @property
    def is_organizer(self):
        return self.membership is not None and self.membership.is_organizer


def cohort_for(user, slug) -> Access:
    """The cohort and the viewer's membership, one query; 404 when the viewer may not see it.

    A private cohort exists only for its members; unlisted and public ones are seen by all.
    """
    if user.is_authenticated:
        membership = (
            Membership.objects.current().select_related("cohort").filter(cohort__slug=slug, user=user).first()
        )
        if membership is not None:
            membership.user = user
            return Access(membership.cohort, membership)
    cohort = Cohort.objects.exclude(visibility=Cohort.Visibility.PRIVATE).filter(slug=slug).first()
    if cohort is None:
        raise Http404
    return Access(cohort, None)


def member_cohort(user, slug) -> Access:
    """A cohort the user belongs to, or 404 (one query)."""
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.current().select_related("cohort").filter(cohort__slug=slug, user=user).first()
    )
    if membership is None:
        raise Http404
    membership.user = user
    return Access(membership.cohort, membership)


def organizer_cohort(user, slug) -> Access:
    """A cohort the user organizes, or 404 — to members too (one query)."""
    access = member_cohort(user, slug)
    if not access.is_organizer:
        raise Http404
    return access


class Cell(NamedTuple):  # a tuple: 300 members × the heatmap's days are made per request
    date: date
    state: str  # rules.LOGGED, rules.MISSED, rules.TODAY, rules.FUTURE, or "" (outside the round)


@dataclass(frozen=True)
class Person:
    """The member, as much as the cohort pages, the CSV and the nudge need (no model instance:
    300 of them are built per request)."""

    pk: int
    email: str
    handle: str
    display_name: str
    first_name: str
    last_name: str
    time_zone: str
    rollover_hour: int
    language: str
    reminders: bool
    is_active: bool

    @property
    def name(self):  # as accounts.User.name
        return self.display_name or f"{self.first_name} {self.last_name}".strip() or self.handle


@dataclass(frozen=True)
class RoundRef:
    pk: int
    number: int
    title: str
    start_date: date
    target: int
    rule: str
    visibility: str


@dataclass(frozen=True)
class MemberRef:
    pk: int
    role: str
    share_entries: bool
    last_nudged_on: date | None


@dataclass
class MemberRow:
    membership: MemberRef
    user: Person
    round: RoundRef
    today: date | None = None
    summary: rules.Summary | None = None
    status: str = ""
    last_logged: date | None = None
    cells: list[Cell] = field(default_factory=list)

    @property
    def logged_today(self):
        return bool(self.summary and self.summary.logged_today)

    @property
    def needs_nudge(self):
        return self.status in GOING and not self.logged_today


PERSON_FIELDS = {f"user__{f}": f for f in Person.__dataclass_fields__ if f != "pk"} | {"user_id": "pk"}
ROUND_FIELDS = {f"round__{f}": f for f in RoundRef.__dataclass_fields__ if f != "pk"} | {"round_id": "pk"}
MEMBER_FIELDS = {f: f for f in MemberRef.__dataclass_fields__ if f != "pk"} | {"id": "pk"}


def member_rows(cohort, now=None, *, heatmap_end=None) -> list[MemberRow]:
    """Every current member with a round, with their figures in their own time zone and rollover.

    Two queries whatever the count: memberships (+user, +round, as plain values), then the
    dates of the rounds' entries.
    """
    now = now or timezone.now()
    values = list(
        Membership.objects.current()
        .filter(cohort=cohort, round__isnull=False)
        .order_by("joined_at", "id")
        .values(*PERSON_FIELDS, *ROUND_FIELDS, *MEMBER_FIELDS)
    )
    dates: dict[int, list[date]] = {v["round_id"]: [] for v in values}
    if dates:
        for round_id, d in Entry.objects.filter(round_id__in=list(dates)).values_list("round_id", "date"):
            dates[round_id].append(d)
    rows = []
    for v in values:
        person = Person(**{name: v[key] for key, name in PERSON_FIELDS.items()})
        round = RoundRef(**{name: v[key] for key, name in ROUND_FIELDS.items()})
        today = today_for(person, now)
        round_dates = dates[round.pk]
        summary = journal_selectors.round_summary(round, today, dates=round_dates)
        rows.append(
            MemberRow(
                membership=MemberRef(**{name: v[key] for key, name in MEMBER_FIELDS.items()}),
                user=person,
                round=round,
                today=today,
                summary=summary,
                status=member_status(summary),
                last_logged=max(round_dates) if round_dates else None,
            )
        )
    _fill_heatmap(rows, dates, heatmap_end)
    return rows


def _fill_heatmap(rows, dates, end=None):
    if not rows:
        return
    end = end or max(r.today for r in rows)
    days = [end - timedelta(days=i) for i in range(HEATMAP_DAYS - 1, -1, -1)]
    for row in rows:
        logged = set(dates[row.round.pk])
        start = row.round.start_date
        for d in days:
            if d in logged:
                state = rules.LOGGED
            elif d < start:
                state = ""
            elif d < row.today:
                state = rules.MISSED
            elif d == row.today:
                state = rules.TODAY
            else:
                state = rules.FUTURE
            row.cells.append(Cell(d, state))


def heatmap_days(rows) -> list[date]:
    return [c.date for c in rows[0].cells] if rows else []


SORTS = {
    "name": lambda r: r.user.name.casefold(),
    "day": lambda r: r.summary.day or 0,  # None once the round is over
    "logged": lambda r: r.summary.logged,
    "streak": lambda r: r.summary.current_streak,
    "missed": lambda r: r.summary.missed,
    "last": lambda r: r.last_logged or date.min,
    "status": lambda r: r.status,
    "today": lambda r: r.logged_today,
}
FILTERS = {
    "at-risk": lambda r: r.status == "at_risk",
    "not-logged": lambda r: not r.logged_today,
}


def sort_and_filter(rows, sort="name", descending=False, show=""):
    if show in FILTERS:
        rows = [r for r in rows if FILTERS[show](r)]
    key = SORTS.get(sort, SORTS["name"])
    return sorted(rows, key=lambda r: (key(r), r.user.name.casefold()), reverse=descending)


def leaderboard(rows, limit=10):
    by_logged = sorted(rows, key=lambda r: (-r.summary.logged, r.user.name.casefold()))[:limit]
    by_streak = sorted(rows, key=lambda r: (-r.summary.current_streak, r.user.name.casefold()))[:limit]
    return by_logged, by_streak


def shared_entries(cohort, rows, limit=SHARED_ENTRIES):
    """The latest entries members share with the organizers: from a public or unlisted round,
    or from any round when the member ticked "share my entries". One query."""
    shared = [
        r.round.pk
        for r in rows
        if r.membership.share_entries
        or r.round.visibility in (Round.Visibility.PUBLIC, Round.Visibility.UNLISTED)
    ]
    if not shared:
        return []
    authors = {r.round.pk: r.user for r in rows}
    entries = list(
        Entry.objects.filter(round_id__in=shared)
        .only("id", "round_id", "date", "day", "title", "progress_html", "created_at")
        .order_by("-date", "-created_at")[:limit]
    )
    for e in entries:
        e.author = authors[e.round_id]
    return entries


def feed_entries(cohort, member_view: bool, limit=50):
    """Entries for the cohort's Atom feed: members' public rounds, plus unlisted ones when the
    reader is a signed-in member of a private cohort (never listed to the world). One query."""
    visible = [Round.Visibility.PUBLIC]
    if member_view:
        visible.append(Round.Visibility.UNLISTED)
    return list(
        Entry.objects.filter(
            round__cohort_memberships__cohort=cohort,
            round__cohort_memberships__removed_at__isnull=True,
            round__visibility__in=visible,
            round__user__is_active=True,
        )
        .select_related("round", "round__user")
        .without_sources()
        .order_by("-created_at", "-id")[:limit]
    )


def my_cohorts(user):
    """The user's memberships with their cohorts, one query."""
    return list(
        Membership.objects.current()
        .filter(user=user)
        .select_related("cohort", "round")
        .order_by("-cohort__start_date")
    )


def public_cohorts(limit=20):
    return list(Cohort.objects.listed().order_by("-start_date", "name")[:limit])


def organizers(cohort):
    return list(
        Membership.objects.current()
        .filter(cohort=cohort, role=Membership.Role.ORGANIZER)
        .select_related("user")
        .order_by("joined_at")
    )


def removed_members(cohort):
    return list(
        Membership.objects.filter(cohort=cohort, removed_at__isnull=False)
        .select_related("user")
        .order_by("-removed_at")
    )

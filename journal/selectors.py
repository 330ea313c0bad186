"""Reads with intent names. Each documents the queries it costs."""

from __future__ import annotations

from django.db import connection
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from journal import rules
from journal.clock import today_for
from journal.models import Entry, Link, Round

ENTRY_LIST_PREFETCH = (
    "tags",
    Prefetch("links", queryset=Link.objects.only("id", "entry_id", "url", "label", "position")),
)


def entries_for_display(qs):
    """Entries with their tags and links: 3 queries whatever the count."""
    return qs.without_sources().prefetch_related(*ENTRY_LIST_PREFETCH)


def own_round(user, number) -> Round:
    """One of ``user``'s rounds, or 404."""
    return get_object_or_404(Round.objects.for_user(user).select_related("user"), number=number)


CURRENT_ROUND_ORDER = ("-start_date", "-number")


def _with_sibling_numbers(qs):
    """Annotate the owner's highest round number and the number of their current round
    (the one the dashboard shows), as subqueries of the same statement."""
    siblings = Round.objects.filter(user=OuterRef("user"))
    return qs.annotate(
        last_number=Subquery(siblings.order_by("-number").values("number")[:1]),
        current_number=Subquery(siblings.order_by(*CURRENT_ROUND_ORDER).values("number")[:1]),
    )


def next_round_offer(round, summary) -> int | None:
    """The number of the round to offer once ``round`` is over and is still its owner's
    current round (annotated by ``_with_sibling_numbers``), else None."""
    if not summary.is_over or getattr(round, "current_number", None) != round.number:
        return None
    return round.last_number + 1


def visible_round(user, handle, number) -> Round:
    """A round the viewer may open by URL (public, unlisted or their own), or 404. One query
    (with the owner's round numbers, for the next-round offer)."""
    return get_object_or_404(
        _with_sibling_numbers(Round.objects.visible_to(user).select_related("user")),
        user__handle=handle,
        user__is_active=True,
        number=number,
    )


def own_entry(user, number, date) -> Entry:
    return get_object_or_404(
        Entry.objects.for_user(user).select_related("round", "round__user"), round__number=number, date=date
    )


def active_round(user):
    """The round the dashboard shows: the one that started last (an old log imported
    later does not take over), or None. One query, no join: the owner is ``user``."""
    round = _with_sibling_numbers(Round.objects.for_user(user)).order_by(*CURRENT_ROUND_ORDER).first()
    if round is not None:
        round.user = user
    return round


def round_summary(round, today=None, *, with_grid=False, dates=None) -> rules.Summary:
    """The streaks, day and status of a round. One query unless ``dates`` is given."""
    if today is None:
        today = today_for(round.user)
    if dates is None:
        dates = list(Entry.objects.filter(round=round).values_list("date", flat=True))
    return rules.summarize(dates, round.start_date, round.target, round.rule, today, with_grid=with_grid)


def latest_public_entries(limit=10):
    """Latest entries of public rounds, newest first: 3 queries (entries+round+user, tags, links)."""
    qs = (
        Entry.objects.public()
        .filter(round__user__is_active=True)
        .select_related("round", "round__user")
        .order_by("-created_at", "-id")
    )
    return entries_for_display(qs)[:limit]


def own_round_with_dates(user, number):
    """One of ``user``'s rounds and the dates of its entries, or 404. One query, written by hand:
    the API reads it on every ``GET /rounds/{n}``, and compiling the two ORM queries it replaces
    costs several times their execution."""
    if connection.vendor != "postgresql":  # SQLite (make run): the same in two ORM queries
        round = get_object_or_404(Round, user=user, number=number)
        round.user = user
        return round, list(round.entries.values_list("date", flat=True))
    rounds = Round.objects.raw(
        f'SELECT r.*, ARRAY(SELECT e."date" FROM "{Entry._meta.db_table}" e WHERE e."round_id" = r."id") '
        f'AS entry_dates FROM "{Round._meta.db_table}" r WHERE r."user_id" = %s AND r."number" = %s',
        [user.pk, number],
    )
    round = next(iter(rounds), None)
    if round is None:
        raise Http404
    round.user = user
    return round, round.entry_dates

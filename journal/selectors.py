"""Reads with intent names. Each documents the queries it costs."""

from __future__ import annotations

import json
from datetime import date

from django.db import connection
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from journal import cards, rules
from journal.clock import today_for
from journal.models import Entry, Link, Round, Tag

ENTRY_LIST_PREFETCH = (
    "tags",
    Prefetch("links", queryset=Link.objects.only("id", "entry_id", "url", "label", "position")),
)


def entries_for_display(qs):
    """Entries with their tags and links: 3 queries whatever the count."""
    return qs.without_sources().prefetch_related(*ENTRY_LIST_PREFETCH)


def _journal_entries_sql():
    entry, link, tag = Entry._meta.db_table, Link._meta.db_table, Tag._meta.db_table
    entry_tags = Entry.tags.through._meta.db_table
    tags = (
        f'SELECT t."name" FROM "{entry_tags}" et JOIN "{tag}" t ON t."id" = et."tag_id" '
        f'WHERE et."entry_id" = e."id" ORDER BY t."name"'
    )
    links = (
        f'SELECT l."url", l."label" FROM "{link}" l WHERE l."entry_id" = e."id" ORDER BY l."position", l."id"'
    )
    if connection.vendor == "postgresql":
        tags_col = f"ARRAY({tags})"
        links_col = f'ARRAY(SELECT ARRAY[x."url", x."label"] FROM ({links}) x)'
    else:  # SQLite (make run, the tests): the same as JSON arrays
        tags_col = f'(SELECT json_group_array(x."name") FROM ({tags}) x)'
        links_col = f'(SELECT json_group_array(json_array(x."url", x."label")) FROM ({links}) x)'
    return (
        'SELECT e."id", e."date", e."day", e."title", e."minutes", e."progress_html", e."thoughts_html", '
        f'{tags_col}, {links_col} FROM "{entry}" e WHERE e."round_id" = %s ORDER BY e."date"'
    )


def journal_entries(round) -> list[cards.Card]:
    """A round's entries, oldest first, with their tags and links, as cards: one query, written
    by hand (the round journal shows every entry; model instances and two prefetch queries
    cost more than the rest of the page)."""
    with connection.cursor() as cursor:
        cursor.execute(_journal_entries_sql(), [round.pk])
        rows = cursor.fetchall()
    out = []
    for pk, d, day, title, minutes, progress_html, thoughts_html, tags, links in rows:
        if isinstance(tags, str):
            tags, links = json.loads(tags), json.loads(links)
        if isinstance(d, str):
            d = date.fromisoformat(d)
        out.append(cards.Card(pk, d, day, title, minutes, progress_html, thoughts_html, tags, links))
    return out


# The round columns the profile reads (not the description, which it never shows).
_PROFILE_ROUND_FIELDS = ("id", "user_id", "number", "title", "start_date", "target", "rule", "visibility")


def profile_rounds(handle, *, listed_only=True):
    """A participant (active) and their rounds, newest first (public ones only unless
    ``listed_only`` is false), each with ``entry_days``: the (date, minutes) of its entries.
    One query, written by hand (person, rounds and dates together); 404 when there is no such
    participant."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user_fields = [f.attname for f in User._meta.concrete_fields]
    entry, round_table = Entry._meta.db_table, Round._meta.db_table
    entries = f'FROM "{entry}" e WHERE e."round_id" = r."id" ORDER BY e."date"'
    if connection.vendor == "postgresql":
        days = f'ARRAY(SELECT e."date" {entries}), ARRAY(SELECT e."minutes" {entries})'
    else:  # SQLite (make run, the tests): the same as JSON arrays
        days = (
            f'(SELECT json_group_array(x."date") FROM (SELECT e."date" {entries}) x), '
            f'(SELECT json_group_array(x."minutes") FROM (SELECT e."date", e."minutes" {entries}) x)'
        )
    listed = f""" AND r."visibility" = '{Round.Visibility.PUBLIC}'""" if listed_only else ""
    columns = ", ".join(
        [f'u."{name}"' for name in user_fields] + [f'r."{name}"' for name in _PROFILE_ROUND_FIELDS]
    )
    sql = (
        f'SELECT {columns}, {days} FROM "{User._meta.db_table}" u '
        f'LEFT JOIN "{round_table}" r ON r."user_id" = u."id"{listed} '
        f'WHERE u."handle" = %s AND u."is_active" ORDER BY r."number" DESC'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [handle])
        rows = cursor.fetchall()
    if not rows:
        raise Http404
    n = len(user_fields)
    person = User.from_db(connection.alias, user_fields, rows[0][:n])
    rounds = []
    for row in rows:
        if row[n] is None:  # no round: the LEFT JOIN's one row
            continue
        round = Round.from_db(
            connection.alias, _PROFILE_ROUND_FIELDS, row[n : n + len(_PROFILE_ROUND_FIELDS)]
        )
        round.user = person
        dates, minutes = row[-2], row[-1]
        if isinstance(dates, str):
            dates = [date.fromisoformat(d) for d in json.loads(dates)]
            minutes = json.loads(minutes)
        round.entry_days = list(zip(dates, minutes, strict=True))
        rounds.append(round)
    return person, rounds


def latest_entry_rows(rounds, limit):
    """(round id, date, day, title, minutes, progress HTML) of the latest entries of ``rounds``,
    newest first: one query, written by hand."""
    placeholders = ", ".join(["%s"] * len(rounds))
    sql = (
        'SELECT e."round_id", e."date", e."day", e."title", e."minutes", e."progress_html" '
        f'FROM "{Entry._meta.db_table}" e WHERE e."round_id" IN ({placeholders}) '
        'ORDER BY e."created_at" DESC, e."id" DESC LIMIT %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [round.pk for round in rounds] + [limit])
        rows = cursor.fetchall()
    return [(r[0], date.fromisoformat(r[1]) if isinstance(r[1], str) else r[1], *r[2:]) for r in rows]


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

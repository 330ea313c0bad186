"""Reads with intent names. Each documents the queries it costs."""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from hundreddays import prepared
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
        prepared.execute(cursor, "journal_entries", _journal_entries_sql(), [round.pk])
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
        prepared.execute(cursor, f"profile_rounds_{int(listed_only)}", sql, [handle])
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
    ids = [round.pk for round in rounds]
    if connection.vendor == "postgresql":  # one array parameter: one prepared statement for any count
        among, params = "= ANY(%s)", [ids, limit]
    else:
        among, params = f"IN ({', '.join(['%s'] * len(ids))})", [*ids, limit]
    sql = (
        'SELECT e."round_id", e."date", e."day", e."title", e."minutes", e."progress_html" '
        f'FROM "{Entry._meta.db_table}" e WHERE e."round_id" {among} '
        'ORDER BY e."created_at" DESC, e."id" DESC LIMIT %s'
    )
    with connection.cursor() as cursor:
        prepared.execute(cursor, "latest_entry_rows", sql, params)
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


# --- Public pages built on a cache miss ---------------------------------------------------
#
# A crawler or a feed reader asks for pages nobody asked for lately, so each one is built.
# Their reads are plain SQL, compiled once: building the ORM queries they replace cost
# several times running them. The statements are the same on PostgreSQL and SQLite but for
# the aggregates (ordered JSON arrays; a round's dates as one string).

_AGGREGATES = {
    "postgresql": {
        "dates": '(SELECT string_agg(d."date"::text, \',\') FROM {entry} d WHERE d."round_id" = r."id")',
        "tags": (
            '(SELECT json_agg(t."name" ORDER BY t."name")::text FROM {entry_tags} et '
            'JOIN {tag} t ON t."id" = et."tag_id" WHERE et."entry_id" = e."id")'
        ),
        "links": (
            '(SELECT json_agg(json_build_array(l."url", l."label") ORDER BY l."position", l."id")::text '
            'FROM {link} l WHERE l."entry_id" = e."id")'
        ),
    },
    # SQLite aggregates rows in the order they come, so a subquery orders them.
    "sqlite": {
        "dates": '(SELECT group_concat(d."date", \',\') FROM {entry} d WHERE d."round_id" = r."id")',
        "tags": (
            '(SELECT json_group_array(x."name") FROM (SELECT t."name" FROM {entry_tags} et '
            'JOIN {tag} t ON t."id" = et."tag_id" WHERE et."entry_id" = e."id" ORDER BY t."name") x)'
        ),
        "links": (
            '(SELECT json_group_array(json_array(x."url", x."label")) FROM (SELECT l."url", l."label" '
            'FROM {link} l WHERE l."entry_id" = e."id" ORDER BY l."position", l."id") x)'
        ),
    },
}


def _fields(model, names):
    """``names`` in the model's field order, the order ``Model.from_db`` takes values in."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


User = get_user_model()
# What the public pages read of an owner, a round and an entry (never the Markdown sources).
_OWNER = _fields(
    User,
    {
        "id",
        "handle",
        "display_name",
        "first_name",
        "last_name",
        "avatar_url",
        "time_zone",
        "rollover_hour",
        "language",
    },
)
_ROUND = _fields(
    Round,
    {
        "id",
        "user_id",
        "number",
        "title",
        "description_html",
        "start_date",
        "target",
        "rule",
        "visibility",
        "version",
        "updated_at",
    },
)
_ENTRY = _fields(
    Entry,
    {
        "id",
        "round_id",
        "date",
        "day",
        "title",
        "progress_html",
        "thoughts_html",
        "minutes",
        "created_at",
        "updated_at",
    },
)
_TIMESTAMPS = {"created_at", "updated_at"}
_FEED_ENTRY = ("date", "day", "title", "progress_html", "thoughts_html", "created_at", "updated_at")


class FeedEntry(NamedTuple):
    """An entry as a feed shows it: a plain row, since a feed reads fifty of them."""

    date: date
    day: int
    title: str
    progress_html: str
    thoughts_html: str
    created_at: datetime
    updated_at: datetime
    tag_names: list[str]
    round: Round


def _columns(alias, names):
    return ", ".join(f'{alias}."{name}"' for name in names)


@functools.cache
def _statements(vendor: str) -> dict[str, str]:
    """The statements below for one database vendor, with the real table names."""
    tables = {
        "entry": Entry,
        "round": Round,
        "user": User,
        "tag": Tag,
        "entry_tags": Entry.tags.through,
        "link": Link,
    }
    t = {name: connection.ops.quote_name(model._meta.db_table) for name, model in tables.items()}
    agg = {name: sql.format(**t) for name, sql in _AGGREGATES[vendor].items()}
    owner_round = f"{_columns('u', _OWNER)}, {_columns('r', _ROUND)}, {agg['dates']}"
    joined = f'{t["round"]} r JOIN {t["user"]} u ON u."id" = r."user_id"'
    return {
        "permalink": (
            f"SELECT {owner_round}, {_columns('e', _ENTRY)}, {agg['tags']}, {agg['links']} "
            f'FROM {joined} JOIN {t["entry"]} e ON e."round_id" = r."id" '
            'WHERE u."handle" = %s AND u."is_active" AND r."number" = %s AND e."date" = %s '
            "AND (r.\"visibility\" IN ('public', 'unlisted') OR r.\"user_id\" = %s)"
        ),
        "shared_round": (
            f"SELECT {owner_round} FROM {joined} "
            'WHERE u."handle" = %s AND u."is_active" AND r."number" = %s AND r."visibility" <> \'private\''
        ),
        "latest_entries": (
            f"SELECT {_columns('e', _FEED_ENTRY)}, {agg['tags']} FROM {t['entry']} e "
            'WHERE e."round_id" = %s ORDER BY e."created_at" DESC, e."id" DESC LIMIT %s'
        ),
        "latest_public_entries": (
            f'SELECT {_columns("e", _FEED_ENTRY)}, {agg["tags"]}, e."round_id", r."number" FROM {t["entry"]} e '
            f'JOIN {t["round"]} r ON r."id" = e."round_id" '
            'WHERE r."user_id" = %s AND r."visibility" = \'public\' '
            'ORDER BY e."created_at" DESC, e."id" DESC LIMIT %s'
        ),
    }


def _round_number(number: int) -> int:
    """``number`` when a round can have it, else 404: a prepared statement's parameter has its
    column's type (smallint), so a larger number from a URL would be an error, not a miss."""
    low, high = connection.ops.integer_field_range(Round._meta.get_field("number").get_internal_type())
    if not low <= number <= high:
        raise Http404
    return number


def _fetch(name, params, many=False):
    with connection.cursor() as cursor:
        prepared.execute(cursor, name, _statements(connection.vendor)[name], params)
        return cursor.fetchall() if many else cursor.fetchone()


def _aware(value):
    """A timestamp read by hand: SQLite gives it naive (in UTC), PostgreSQL aware."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _instance(model, names, values):
    values = [_aware(v) if name in _TIMESTAMPS else v for name, v in zip(names, values, strict=True)]
    return model.from_db(connection.alias, names, values)


def _owner_and_round(row):
    """The round (its ``user`` set) and its sorted dates from the start of ``row``, and the rest."""
    n, m = len(_OWNER), len(_OWNER) + len(_ROUND)
    round = _instance(Round, _ROUND, row[n:m])
    round.user = _instance(User, _OWNER, row[:n])
    dates = sorted(map(date.fromisoformat, row[m].split(","))) if row[m] else []
    return round, dates, row[m + 1 :]


def _entry(values, round):
    entry = _instance(Entry, _ENTRY, values)
    entry.round = round
    return entry


def permalink(viewer, handle: str, number: int, day: date):
    """One day of a round the viewer may open, and the round's sorted dates (its figures and the
    neighbouring days), or 404. The entry's ``card`` holds what its card shows, tags and links
    included. One statement."""
    row = _fetch(
        "permalink",
        [handle, _round_number(number), day.isoformat(), viewer.pk if viewer.is_authenticated else None],
    )
    if row is None:
        raise Http404
    round, dates, rest = _owner_and_round(row)
    entry = _entry(rest[: len(_ENTRY)], round)
    tags, links = rest[len(_ENTRY)], rest[len(_ENTRY) + 1]
    links = [tuple(pair) for pair in json.loads(links or "[]")]
    entry.card = cards.card_of(entry, tags=json.loads(tags or "[]"), links=links)
    return entry, dates


def shared_round(handle: str, number: int):
    """A public or unlisted round with its owner and its sorted dates, or 404. One statement."""
    row = _fetch("shared_round", [handle, _round_number(number)])
    if row is None:
        raise Http404
    round, dates, _rest = _owner_and_round(row)
    return round, dates


def _feed_entry(row, round):
    on, day, title, progress_html, thoughts_html, created_at, updated_at, tags = row[:8]
    return FeedEntry(
        on,
        day,
        title,
        progress_html,
        thoughts_html,
        _aware(created_at),
        _aware(updated_at),
        json.loads(tags or "[]"),
        round,
    )


def latest_entries(round, limit: int) -> list[FeedEntry]:
    """The round's latest entries, newest first, with their tag names. One statement."""
    return [_feed_entry(row, round) for row in _fetch("latest_entries", [round.pk, limit], many=True)]


def latest_public_entries_of(person, limit: int) -> list[FeedEntry]:
    """The latest entries of ``person``'s public rounds, newest first, each with its round
    (number and owner) and its tag names. One statement."""
    rounds = {}
    entries = []
    for row in _fetch("latest_public_entries", [person.pk, limit], many=True):
        round_id, number = row[-2], row[-1]
        round = rounds.get(round_id)
        if round is None:
            round = rounds[round_id] = Round.from_db(
                connection.alias, ("id", "user_id", "number"), (round_id, person.pk, number)
            )
            round.user = person
        entries.append(_feed_entry(row, round))
    return entries

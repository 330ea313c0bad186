"""Writes that touch more than one row. Each runs in one transaction.

Every write to a round locks its row first (``select_for_update``), so two
requests for the same round run one after the other: day numbers never drift
and a double submit cannot create two entries for one date.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from journal import clock, limits, markdown, pagecache, rules
from journal.limits import MAX_LINKS, LinkInput, date_error_message, normalize_tags
from journal.models import Entry, Link, Round, Tag


class RuleError(ValueError):
    """A write the challenge rules do not allow; ``message`` is for the person."""

    def __init__(self, code, message, field=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def check_markdown(**texts) -> None:
    """RuleError (on that field) for a Markdown text that journal.limits refuses.

    Forms and the admin check this too (the fields' validators); here it guards every
    other caller, so a costly text is a message, never a server error.
    """
    for name, text in texts.items():
        if not text:
            continue
        if len(text) > _MARKDOWN_LENGTHS[name]:
            message = _("This text is longer than %(max)s characters.") % {"max": _MARKDOWN_LENGTHS[name]}
        else:
            message = markdown.refusal(text)
        if message:
            raise RuleError("markdown", message, field=name)


_MARKDOWN_LENGTHS = {
    "progress": limits.ENTRY_PROGRESS,
    "thoughts": limits.ENTRY_THOUGHTS,
    "description": limits.ROUND_DESCRIPTION,
}


def _lock(round) -> Round:
    """The round read again under a row lock (its owner kept when already loaded)."""
    try:
        locked = Round.objects.select_for_update().get(pk=round.pk)
    except Round.DoesNotExist:
        # Deleted by another request between the page's lookup and this lock.
        raise RuleError("gone", _("This round has just been deleted; nothing was saved.")) from None
    if Round.user.is_cached(round):
        locked.user = round.user
    return locked


def bump(round):
    """Mark the round changed: its cached pages and ETags are keyed by this version."""
    Round.objects.filter(pk=round.pk).update(version=F("version") + 1, updated_at=timezone.now())
    pagecache.changed(*pagecache.round_scopes(round))


def renumber(round) -> int:
    """Store the day number of every entry of ``round``; returns how many changed."""
    entries = list(Entry.objects.filter(round=round).only("id", "date", "day"))
    numbers = rules.day_numbers([e.date for e in entries], round.start_date, round.rule)
    changed = [e for e in entries if e.day != numbers[e.date]]
    for e in changed:
        e.day = numbers[e.date]
    if changed:
        Entry.objects.bulk_update(changed, ["day"])
    return len(changed)


def _tag_ids(names) -> dict[str, int]:
    """The ids of the tags called ``names``, the missing ones created: one query, three when
    some are new (another writer may create the same tag meanwhile: ``ignore_conflicts``)."""
    ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    missing = [Tag(name=n) for n in sorted(set(names)) if n not in ids]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    return ids


def _add_tags(pairs) -> None:
    """Tag entries that have no tag yet; ``pairs`` are ``(entry, normalised names)``."""
    names = {name for _entry, names in pairs for name in names}
    if not names:
        return
    ids = _tag_ids(names)
    through = Entry.tags.through
    through.objects.bulk_create(
        [through(entry_id=entry.pk, tag_id=ids[name]) for entry, names in pairs for name in names]
    )


def _set_tags(entry, tags, new=False):
    names = normalize_tags(tags)
    if new:
        _add_tags([(entry, names)])
        return
    ids = _tag_ids(names) if names else {}
    entry.tags.set([ids[name] for name in names])


def _link_rows(entry, links) -> list[Link]:
    """The rows of ``entry``'s links (at most MAX_LINKS); RuleError for one that is not a safe web address."""
    rows = []
    for i, link in enumerate(list(links or ())[:MAX_LINKS]):
        url = limits.normalize_url(link.url if hasattr(link, "url") else link["url"])
        label = (link.label if hasattr(link, "label") else link.get("label", "")) or ""
        if not url:
            continue
        if not limits.is_safe_url(url):
            raise RuleError("link", _("Links must be web addresses (http:// or https://)."), field="links")
        rows.append(Link(entry=entry, url=url, label=limits.link_label(label), position=i))
    return rows


def _set_links(entry, links, new=False):
    if not new:
        Link.objects.filter(entry=entry).delete()
    Link.objects.bulk_create(_link_rows(entry, links))


def add_entries(rows) -> None:
    """Insert new entries with their tags and links, in a few statements whatever their number.

    The importer's way in (``journal.importing``): it holds the rounds' locks, has checked
    every date and text, and has numbered the days. ``rows`` are ``(entry, tags, links)``
    with ``entry`` unsaved; its HTML is rendered here, as ``Entry.save`` would. The caller
    then calls :func:`rounds_changed` for the rounds it wrote into.
    """
    entries = [entry for entry, _tags, _links in rows]
    for entry in entries:
        entry.progress_html = markdown.render(entry.progress)
        entry.thoughts_html = markdown.render(entry.thoughts)
    Entry.objects.bulk_create(entries)
    Link.objects.bulk_create([link for entry, _tags, links in rows for link in _link_rows(entry, links)])
    _add_tags([(entry, normalize_tags(tags)) for entry, tags, _links in rows])


def rounds_changed(user, rounds, *, renumbered=()) -> None:
    """After a bulk write into existing rounds of ``user`` (locked by the caller): the days of
    the ``renumbered`` rounds numbered again, every round's version bumped, and the owner's
    and the public pages dropped."""
    for round in renumbered:
        renumber(round)
    if rounds:
        Round.objects.filter(pk__in=[r.pk for r in rounds]).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        pagecache.changed(pagecache.user_scope(user.handle), pagecache.PUBLIC)


def _check_date(round, d, today, exclude=None):
    dates = set(round.entries.exclude(pk=exclude).values_list("date", flat=True))
    code = rules.date_error(d, round.start_date, round.target, round.rule, today, dates)
    if code:
        raise RuleError(code, date_error_message(code, round, d), field="date")


def create_entry(round, *, date, **fields) -> Entry:
    """Log ``date`` in ``round``. The day numbers of the round come from one read of its
    entries under the round's lock: logging today renumbers nothing, a backfill renumbers
    the later days of an official round.

    Every writer of a round's entries holds its lock, so the date checks see every entry
    and the insert cannot meet a duplicate; should the database still refuse one, the
    whole transaction is rolled back and the caller gets the same RuleError.
    """
    check_markdown(progress=fields.get("progress"), thoughts=fields.get("thoughts"))
    try:
        return _create_entry(round, date=date, **fields)
    except IntegrityError:
        raise RuleError("duplicate", date_error_message("duplicate", round, date), field="date") from None


@transaction.atomic
def _create_entry(
    round, *, date, progress, title="", thoughts="", minutes=None, tags=(), links=(), today=None
) -> Entry:
    round = _lock(round)
    today = today or clock.today_for(round.user)
    stored = {d: (pk, day) for pk, d, day in round.entries.values_list("pk", "date", "day")}
    code = rules.date_error(date, round.start_date, round.target, round.rule, today, stored)
    if code:
        raise RuleError(code, date_error_message(code, round, date), field="date")
    numbers = rules.day_numbers([*stored, date], round.start_date, round.rule)
    entry = Entry(
        round=round,
        date=date,
        day=numbers[date],
        title=title,
        progress=progress,
        thoughts=thoughts,
        minutes=minutes,
    )
    entry.save()
    _set_tags(entry, tags, new=True)
    if links:
        _set_links(entry, links, new=True)
    shifted = [Entry(pk=pk, day=numbers[d]) for d, (pk, day) in stored.items() if numbers[d] != day]
    if shifted:
        Entry.objects.bulk_update(shifted, ["day"])
    bump(round)
    return entry


@transaction.atomic
def update_entry(entry, *, today=None, **fields) -> Entry:
    check_markdown(progress=fields.get("progress"), thoughts=fields.get("thoughts"))
    round = _lock(entry.round)
    entry = Entry.objects.select_for_update().filter(pk=entry.pk).first()
    if entry is None:
        raise RuleError("gone", _("This entry has just been deleted; nothing was saved."))
    new_date = fields.pop("date", entry.date)
    if new_date != entry.date:
        today = today or clock.today_for(round.user)
        _check_date(round, new_date, today, exclude=entry.pk)
        entry.date = new_date
    tags = fields.pop("tags", None)
    links = fields.pop("links", None)
    for name in ("title", "progress", "thoughts", "minutes"):
        if name in fields:
            setattr(entry, name, fields.pop(name))
    if fields:
        raise TypeError(f"unknown fields: {sorted(fields)}")
    entry.save()
    if tags is not None:
        _set_tags(entry, tags)
    if links is not None:
        _set_links(entry, links)
    renumber(round)
    bump(round)
    entry.refresh_from_db(fields=["day"])
    return entry


def join_markdown(existing: str, addition: str) -> str:
    """``addition`` after ``existing``: a list item continues a list, anything else is a new paragraph."""
    existing, addition = existing.rstrip(), addition.strip()
    if not existing:
        return addition
    if not addition:
        return existing
    last = existing.rsplit("\n", 1)[-1].lstrip()
    item = re.compile(r"^([-*+]|\d+[.)])\s")
    return existing + ("\n" if item.match(last) and item.match(addition) else "\n\n") + addition


@transaction.atomic
def append_to_entry(
    entry, *, progress, title="", thoughts="", minutes=None, tags=(), links=(), max_length=None, date=None
) -> Entry:
    """Add to an entry (the API's "append" mode, e.g. one line per commit): the progress and
    thoughts after what is there, the minutes added, tags and links merged. Under the round's
    lock, so two appends at once both land."""
    round = _lock(entry.round)
    entry = Entry.objects.select_for_update().filter(pk=entry.pk).first()
    if entry is None:
        raise RuleError("gone", _("This entry has just been deleted; nothing was saved."))
    text = join_markdown(entry.progress, progress)
    if max_length and len(text) > max_length:
        raise RuleError(
            "too_long",
            _("Today's progress would be longer than %(n)s characters; nothing was added.")
            % {"n": max_length},
            field="progress",
        )
    entry.progress = text
    entry.thoughts = join_markdown(entry.thoughts, thoughts)
    if max_length and len(entry.thoughts) > max_length:
        raise RuleError(
            "too_long",
            _("The thoughts would be longer than %(n)s characters; nothing was added.") % {"n": max_length},
            field="thoughts",
        )
    if title and not entry.title:
        entry.title = title
    if minutes:
        entry.minutes = min(24 * 60, (entry.minutes or 0) + minutes)
    entry.save()
    if tags:
        _set_tags(entry, [*entry.tags.values_list("name", flat=True), *normalize_tags(tags)])
    if links:
        kept = [LinkInput(url=link.url, label=link.label) for link in entry.links.all()]
        known = {link.url for link in kept}
        _set_links(entry, [*kept, *(link for link in links if link.url not in known)][:MAX_LINKS])
    bump(round)
    return entry


@transaction.atomic
def delete_entry(entry) -> None:
    try:
        round = _lock(entry.round)
    except RuleError:
        return  # the round is gone, and its entries with it
    Entry.objects.filter(pk=entry.pk).delete()
    renumber(round)
    bump(round)


def next_round_number(user) -> int:
    return (Round.objects.filter(user=user).aggregate(m=Max("number"))["m"] or 0) + 1


@transaction.atomic
def start_round(
    user,
    *,
    start_date,
    title="",
    target=100,
    rule=rules.OFFICIAL,
    visibility="private",
    description="",
    number=None,
) -> Round:
    check_markdown(description=description)
    # Lock the user's row so two "start round" requests get consecutive numbers.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if number is None:
        number = next_round_number(user)
    elif Round.objects.filter(user=user, number=number).exists():
        raise RuleError("number_taken", _("You already have a round %(n)s.") % {"n": number}, field="number")
    _check_target(target)
    round = Round(
        user=user,
        number=number,
        title=title or "",
        start_date=start_date,
        target=target,
        rule=rule,
        visibility=visibility,
        description=description,
    )
    round.save()
    return round


def _check_target(target):
    if not 1 <= target <= 366:
        raise RuleError("target", _("The target must be between 1 and 366 days."), field="target")


def settings_error(round, *, start_date, target, rule, dates):
    """Why a round's new start/target/rule cannot hold its existing entries, or None."""
    if dates and min(dates) < start_date:
        return _("Some entries are dated before %(start)s; move or delete them first.") % {
            "start": date_format(start_date)
        }
    if rule == rules.CALENDAR and dates and max(dates) > rules.calendar_finish(start_date, target):
        return _("Some entries are dated after the last day of a %(target)s-day calendar round.") % {
            "target": target
        }
    if len(dates) > target:
        return _("This round already has %(n)s entries, more than %(target)s.") % {
            "n": len(dates),
            "target": target,
        }
    return None


@transaction.atomic
def update_round(round, **fields) -> Round:
    check_markdown(description=fields.get("description"))
    round = _lock(round)
    for name in ("title", "start_date", "target", "rule", "visibility", "description"):
        if name in fields:
            setattr(round, name, fields[name])
    # Refuse as start_round does, rather than let the database constraint raise IntegrityError.
    _check_target(round.target)
    dates = list(round.entries.values_list("date", flat=True))
    problem = settings_error(
        round, start_date=round.start_date, target=round.target, rule=round.rule, dates=dates
    )
    if problem:
        raise RuleError("settings", problem)
    round.version = F("version") + 1
    round.save()
    round.refresh_from_db()
    renumber(round)
    return round


@transaction.atomic
def delete_round(round) -> None:
    # Lock first: an entry logged meanwhile would escape the cascade and fail the commit.
    if Round.objects.select_for_update().filter(pk=round.pk).exists():
        Round.objects.filter(pk=round.pk).delete()


@transaction.atomic
def delete_account(user) -> None:
    """Delete a participant and everything of theirs: rounds, entries, links, their email
    addresses and Google connection (allauth rows cascade), and tags nobody else uses."""
    # Lock the user and their rounds first: a write in flight (services lock the round
    # row) finishes before the delete, or fails cleanly after it; no orphan rows.
    User = get_user_model()
    User.objects.select_for_update().filter(pk=user.pk).first()
    list(Round.objects.select_for_update().filter(user=user).values_list("pk", flat=True))
    tag_ids = set(Tag.objects.filter(entries__round__user=user).values_list("id", flat=True))
    User.objects.filter(pk=user.pk).delete()
    if tag_ids:
        Tag.objects.filter(pk__in=tag_ids, entries__isnull=True).delete()

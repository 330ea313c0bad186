"""Writes that touch more than one row. Each runs in one transaction.

Every write to a round locks its row first (``select_for_update``), so two
requests for the same round run one after the other: day numbers never drift
and a double submit cannot create two entries for one date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from journal import clock, limits, markdown, pagecache, rules
from journal.models import Entry, Link, Round, Tag

MAX_TAGS = 10
MAX_LINKS = 10
TAG_RE = re.compile(r"[^\w-]+", re.UNICODE)
SAFE_URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


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


def date_error_message(code, round, d):
    if code == "future":
        return _("You can't log a day that hasn't happened yet.")
    if code == "before_start":
        return _("This round starts on %(start)s.") % {"start": date_format(round.start_date)}
    if code == "duplicate":
        return _("%(date)s is already logged in this round. Edit that entry instead.") % {
            "date": date_format(d)
        }
    if code == "after_finish":
        return _("This round ended on %(finish)s.") % {
            "finish": date_format(rules.calendar_finish(round.start_date, round.target))
        }
    if code == "round_complete":
        return _("This round is complete: all %(target)s days are logged.") % {"target": round.target}
    return _("This date can't be logged.")


def normalize_tags(raw) -> list[str]:
    if isinstance(raw, str):
        raw = re.split(r"[,\s]+", raw)
    out = []
    for item in raw or ():
        name = TAG_RE.sub("-", str(item).strip().lstrip("#").lower()).strip("-_")[: limits.TAG]
        if name and name not in out:
            out.append(name)
    return out[:MAX_TAGS]


@dataclass
class LinkInput:
    url: str
    label: str = ""


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


def _set_tags(entry, tags, new=False):
    names = normalize_tags(tags)
    if new and not names:
        return
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    if new:
        through = Entry.tags.through
        through.objects.bulk_create([through(entry_id=entry.pk, tag_id=existing[n].pk) for n in names])
    else:
        entry.tags.set([existing[n] for n in names])


def _set_links(entry, links, new=False):
    if not new:
        Link.objects.filter(entry=entry).delete()
    rows = []
    for i, link in enumerate(list(links or ())[:MAX_LINKS]):
        url = (link.url if hasattr(link, "url") else link["url"]).strip()
        label = (link.label if hasattr(link, "label") else link.get("label", "")) or ""
        if not url:
            continue
        if not SAFE_URL_RE.match(url) or len(url) > limits.LINK_URL:
            raise RuleError("link", _("Links must be web addresses (http:// or https://)."), field="links")
        scheme, rest = url.split(":", 1)
        url = scheme.lower() + ":" + rest
        rows.append(Link(entry=entry, url=url, label=label.strip()[: limits.LINK_LABEL], position=i))
    Link.objects.bulk_create(rows)


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

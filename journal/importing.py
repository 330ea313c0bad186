"""Import a participant's log: plan it, then apply it in one transaction.

The log formats live in ``journal.logs`` (plain data in, plain data out); this module
turns that data into rows. It writes entries, tags, links and version bumps through
``journal.services`` (which owns them) and checks every field by the rules of
``journal.limits``, as the forms and the services do. Export, the other way, is
``journal.exporting``.

Import is planned before it is applied. :func:`plan_import` only reads: it says which
rounds and days would be created, which days are already there with the same content
(skipped, so re-importing a file changes nothing) and which dates already hold a
*different* entry (conflicts: nothing is written unless ``replace=True``).
:func:`apply_import` plans again inside its transaction, with the rows locked, and
writes everything or nothing.

Which round a round of the file goes to:

- ``round_number`` given: that existing round of the user (the file must hold one round);
- else an existing round it was imported into before: same start date and either the
  same title, the same number (JSON), or at least one shared date whose entries are
  identical (so a longer version of the same log adds only its new days);
- else a new round, keeping the file's number when it is free (JSON backups restore
  their numbers), else the next number.

The profile in a JSON file (display name, time zone, rollover hour, language) is applied
only to an account that had no round before the import: restoring a backup into a fresh
account. An account with data keeps its settings.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import available_timezones

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hundreddays import textsafety
from journal import limits, markdown, rules, services
from journal.clock import today_for
from journal.limits import MAX_LINKS, MAX_TAGS, normalize_tags
from journal.logs.data import NOTE_KINDS, EntryData, LinkData, LogData, Note, RoundData
from journal.models import MAX_TARGET, Entry, Link, Round

CREATE = "create"
SKIP = "skip"  # identical to the entry already there
CONFLICT = "conflict"  # a different entry is already there; nothing changes
REPLACE = "replace"  # a conflict the import was told to overwrite

PROFILE_FIELDS = ("display_name", "time_zone", "rollover_hour", "language")
COMPARED_FIELDS = ("title", "progress", "thoughts", "minutes", "links", "tags")
# How the preview names them (lower case: they are listed inside a sentence).
FIELD_LABELS = {
    "title": gettext_lazy("title"),
    "progress": gettext_lazy("today's progress"),
    "thoughts": gettext_lazy("thoughts"),
    "minutes": gettext_lazy("minutes"),
    "links": gettext_lazy("links"),
    "tags": gettext_lazy("tags"),
}
# How the preview titles what the Markdown reader noted (journal.logs.data.Note kinds).
NOTE_HEADINGS = {
    "dates": gettext_lazy("Dates"),
    "rounds": gettext_lazy("Rounds"),
    "skipped": gettext_lazy("Days skipped"),
    "description": gettext_lazy("Text that went to the round's description"),
    "links": gettext_lazy("Links kept as text or dropped"),
    "labels": gettext_lazy("Day labels that disagree with the dates"),
}
_validate_url = URLValidator(schemes=["http", "https"])
# The latest date that is "today" somewhere on Earth (UTC+14): later dates have not happened.
LATEST_OFFSET = datetime.timedelta(hours=14)


@dataclass
class Problem:
    """Why a log cannot be imported, with the line of the file to blame when there is one."""

    reason: str
    line: int | None = None

    def __str__(self) -> str:
        if not self.line:
            return str(self.reason)
        return _("line %(line)s: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class EntryPlan:
    data: EntryData  # the entry as it will be stored (normalised)
    action: str  # CREATE, SKIP, CONFLICT or REPLACE
    day: int | None = None  # the day number it gets (computed with journal.rules)
    existing_id: int | None = None
    differences: list[str] = field(default_factory=list)  # COMPARED_FIELDS that differ

    @property
    def date(self):
        return self.data.date

    @property
    def line(self):
        return self.data.line

    @property
    def difference_labels(self) -> list[str]:
        """The fields that differ, as the preview names them, in the active language."""
        return [str(FIELD_LABELS.get(name, name)) for name in self.differences]


@dataclass
class RoundPlan:
    data: RoundData
    number: int  # the round it goes to
    round_id: int | None  # None: a new round
    title: str
    start_date: datetime.date | None
    rule: str
    target: int
    entries: list[EntryPlan] = field(default_factory=list)
    renumbers: bool = False  # existing entries of the round get new day numbers
    file_rule: str = ""  # the rule the file implies (``rule`` differs when the participant chose)
    outcome: rules.Summary | None = None  # what the round becomes today, under ``rule``
    # A new round that would be broken today under the official rule may be imported under
    # the calendar rule instead: both outcomes are shown and the participant chooses.
    official_outcome: rules.Summary | None = None
    calendar_outcome: rules.Summary | None = None
    selected_rule: str = ""  # the rule the preview's choice starts on

    @property
    def offers_rule_choice(self) -> bool:
        return self.official_outcome is not None and self.calendar_outcome is not None

    @property
    def suggested_rule(self) -> str:
        """The rule under which fewer days are missed (the file's rule on a tie)."""
        if not self.offers_rule_choice:
            return self.rule
        official, calendar = self.official_outcome.missed, self.calendar_outcome.missed
        if official == calendar:
            return self.file_rule or self.rule
        return rules.OFFICIAL if official < calendar else rules.CALENDAR

    @property
    def is_new(self) -> bool:
        return self.round_id is None

    @property
    def note_groups(self) -> list[tuple[str, list[Note]]]:
        """What the Markdown reader noted for this round, by kind, for the preview."""
        notes = self.data.notes or []
        return [
            (str(NOTE_HEADINGS[kind]), [n for n in notes if n.kind == kind])
            for kind in NOTE_KINDS
            if any(n.kind == kind for n in notes)
        ]

    def count(self, action) -> int:
        return sum(1 for e in self.entries if e.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def skipped(self) -> int:
        return self.count(SKIP)

    @property
    def conflicts(self) -> int:
        return self.count(CONFLICT)

    @property
    def replaced(self) -> int:
        return self.count(REPLACE)


@dataclass
class ImportPlan:
    user_id: int
    log: LogData
    round_number: int | None
    replace: bool
    rounds: list[RoundPlan] = field(default_factory=list)
    rule_choices: dict[int, str] = field(default_factory=dict)  # index of a round in the file → rule
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    profile: dict = field(default_factory=dict)  # profile fields that will change

    def total(self, action) -> int:
        return sum(r.count(action) for r in self.rounds)

    @property
    def conflicts(self) -> list[EntryPlan]:
        return [e for r in self.rounds for e in r.entries if e.action == CONFLICT]

    @property
    def has_changes(self) -> bool:
        return bool(self.total(CREATE) or self.total(REPLACE) or any(r.is_new for r in self.rounds))

    @property
    def ok(self) -> bool:
        """True when :func:`apply_import` would write it (possibly nothing, when all is there)."""
        return not self.problems and not self.conflicts


@dataclass
class ImportResult:
    rounds: list[Round]  # every round the file went to, in file order
    created_rounds: list[Round]
    created: int
    replaced: int
    skipped: int
    plan: ImportPlan

    @property
    def changed(self) -> bool:
        return bool(self.created or self.replaced or self.created_rounds)


class ImportRefused(Exception):
    """apply_import found problems or conflicts; nothing was written."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(refusal_message(plan))


def refusal_message(plan: ImportPlan, hint: str | None = None) -> str:
    """One line saying why ``plan`` cannot be applied; ``hint`` says how to replace conflicts."""
    if plan.problems:
        first = str(plan.problems[0])
        more = len(plan.problems) - 1
        if more:
            return ngettext(
                "%(first)s (and %(n)s more problem)", "%(first)s (and %(n)s more problems)", more
            ) % {"first": first, "n": more}
        return first
    conflicts = plan.conflicts
    if conflicts:
        shown = ", ".join(e.date.isoformat() for e in conflicts[:3])
        if len(conflicts) > 3:
            shown += ", …"
        message = ngettext(
            "%(n)s day already has a different entry (%(dates)s): nothing was imported.",
            "%(n)s days already have a different entry (%(dates)s): nothing was imported.",
            len(conflicts),
        ) % {"n": len(conflicts), "dates": shown}
        return f"{message} {hint or _('Replace them to import anyway.')}"
    return ""


# --- normalisation and comparison ---------------------------------------------------------


def _text(value) -> str:
    """Text as stored: line ends normalised, the characters XML forbids dropped, trimmed."""
    return textsafety.clean((value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def _normalized(entry: EntryData, warnings: list[Problem]) -> EntryData:
    """The entry as it will be stored: trimmed text, normalised tags, at most 10 links."""
    # Labels are cut as the services cut them, so a re-import compares equal.
    links = [
        LinkData(url=limits.normalize_url(link.url), label=limits.link_label(_text(link.label)))
        for link in entry.links
    ]
    if len(links) > MAX_LINKS:
        warnings.append(
            Problem(
                _("only the first %(n)s links of day %(day)s are kept") % {"n": MAX_LINKS, "day": entry.day},
                entry.line,
            )
        )
        links = links[:MAX_LINKS]
    tags = normalize_tags(list(entry.tags or ()))
    if len({name for tag in entry.tags or () for name in normalize_tags([tag])}) > MAX_TAGS:
        warnings.append(
            Problem(
                _("only the first %(n)s tags of day %(day)s are kept") % {"n": MAX_TAGS, "day": entry.day},
                entry.line,
            )
        )
    return EntryData(
        date=entry.date,
        day=entry.day,
        title=_text(entry.title),
        progress=_text(entry.progress),
        thoughts=_text(entry.thoughts),
        links=links,
        minutes=entry.minutes,
        tags=sorted(tags),
        line=entry.line,
    )


def _entry_values(entry: Entry) -> dict:
    """The compared fields of a stored entry (tags and links prefetched)."""
    return {
        "title": _text(entry.title),
        "progress": _text(entry.progress),
        "thoughts": _text(entry.thoughts),
        "minutes": entry.minutes,
        "links": [(link.url.strip(), _text(link.label)) for link in entry.links.all()],
        "tags": sorted(tag.name for tag in entry.tags.all()),
    }


def _data_values(entry: EntryData) -> dict:
    return {
        "title": entry.title,
        "progress": entry.progress,
        "thoughts": entry.thoughts,
        "minutes": entry.minutes,
        "links": [(link.url, link.label) for link in entry.links],
        "tags": list(entry.tags),
    }


def _differences(stored: dict, incoming: dict) -> list[str]:
    return [name for name in COMPARED_FIELDS if stored[name] != incoming[name]]


def _entry_problems(entry: EntryData) -> list[Problem]:
    problems = []
    line = entry.line or None
    if entry.date is None:
        return [Problem(_("this log has no dates: give the start date"), line)]
    if len(entry.title) > limits.ENTRY_TITLE:
        problems.append(
            Problem(_("the title of day %(day)s is longer than 120 characters") % {"day": entry.day}, line)
        )
    problems.extend(_markdown_problems(entry.progress, limits.ENTRY_PROGRESS, entry.day, line))
    problems.extend(_markdown_problems(entry.thoughts, limits.ENTRY_THOUGHTS, entry.day, line))
    if entry.minutes is not None and not 0 <= entry.minutes <= 1440:
        problems.append(Problem(_("minutes must be between 0 and 1440"), line))
    for link in entry.links:
        try:
            # The same rule as the services', then Django's own check.
            if not limits.is_safe_url(link.url):
                raise ValidationError("not a safe web address")
            _validate_url(link.url)
        except ValidationError:
            problems.append(
                Problem(_("not a web address (http:// or https://): %(url)s") % {"url": link.url[:80]}, line)
            )
    return problems


def _markdown_problems(text: str, max_length: int, day, line: int | None, description=False) -> list[Problem]:
    """A Markdown text that is too long, or would render to too much (journal.limits)."""
    if len(text) > max_length:
        if description:
            message = _("the round description is longer than %(max)s characters")
        else:
            message = _("the text of day %(day)s is longer than %(max)s characters")
        return [Problem(message % {"day": day, "max": max_length}, line)]
    reason = markdown.refusal(text)
    if reason:
        if description:
            return [Problem(_("the round description: %(reason)s") % {"reason": reason}, line)]
        return [Problem(_("day %(day)s: %(reason)s") % {"day": day, "reason": reason}, line)]
    return []


def _round_problems(data: RoundData, line: int | None) -> list[Problem]:
    problems = []
    if len(_text(data.title)) > limits.ROUND_TITLE:
        problems.append(Problem(_("the round title is longer than 120 characters"), line))
    problems.extend(_markdown_problems(_text(data.description), limits.ROUND_DESCRIPTION, None, line, True))
    if not isinstance(data.target, int) or not 1 <= data.target <= MAX_TARGET:
        problems.append(
            Problem(_("the target must be between 1 and %(max)s days") % {"max": MAX_TARGET}, line)
        )
    if data.rule not in rules.RULES:
        problems.append(Problem(_("unknown counting rule: %(rule)s") % {"rule": data.rule}, line))
    if data.visibility not in Round.Visibility.values:
        problems.append(Problem(_("unknown visibility: %(v)s") % {"v": data.visibility}, line))
    return problems


def _profile_changes(user, profile: dict, warnings: list[Problem]) -> dict:
    changes = {}
    for name in PROFILE_FIELDS:
        if name not in profile or profile[name] is None:
            continue
        value = textsafety.clean(profile[name])
        valid = {
            "display_name": lambda v: isinstance(v, str) and len(v) <= 80,
            "time_zone": lambda v: isinstance(v, str) and v in available_timezones(),
            "rollover_hour": lambda v: isinstance(v, int) and 0 <= v <= 6,
            "language": lambda v: v in ("", "en", "es"),
        }[name](value)
        if not valid:
            warnings.append(
                Problem(_("the profile's %(field)s is ignored: %(value)r") % {"field": name, "value": value})
            )
        elif getattr(user, name) != value:
            changes[name] = value
    return changes


# --- planning -----------------------------------------------------------------------------


def _latest_possible_date(now=None) -> datetime.date:
    return ((now or timezone.now()) + LATEST_OFFSET).date()


def _existing_entries(round_ids) -> dict[int, dict[datetime.date, Entry]]:
    out: dict[int, dict[datetime.date, Entry]] = {rid: {} for rid in round_ids}
    if not round_ids:
        return out
    qs = (
        Entry.objects.filter(round_id__in=round_ids)
        .only("id", "round_id", "date", "day", "title", "progress", "thoughts", "minutes")
        .prefetch_related(
            "tags", Prefetch("links", queryset=Link.objects.only("id", "entry_id", "url", "label"))
        )
    )
    for entry in qs:
        out[entry.round_id][entry.date] = entry
    return out


def _matches(existing: Round, data: RoundData, entries: list[EntryData], stored: dict) -> bool:
    """Whether ``existing`` is where this round of the file was imported before."""
    if existing.start_date != data.start_date:
        return False
    if data.title and _text(data.title) == existing.title:
        return True
    if data.number and data.number == existing.number:
        return True
    shared = [e for e in entries if e.date in stored]
    return bool(shared) and all(
        not _differences(_entry_values(stored[e.date]), _data_values(e)) for e in shared
    )


def plan_import(
    user, log: LogData, *, round_number=None, replace=False, rule_choices=None, _rounds=None
) -> ImportPlan:
    """What importing ``log`` for ``user`` would do. Reads only.

    ``rule_choices`` maps the index of a round of the file to the counting rule it is
    imported under when it becomes a new round (see ``RoundPlan.offers_rule_choice``).
    """
    rule_choices = dict(rule_choices or {})
    plan = ImportPlan(
        user_id=user.pk, log=log, round_number=round_number, replace=replace, rule_choices=rule_choices
    )
    if not log.rounds:
        plan.problems.append(Problem(_("the file holds no round")))
        return plan
    user_rounds = list(_rounds if _rounds is not None else Round.objects.filter(user=user).order_by("number"))
    by_number = {r.number: r for r in user_rounds}
    latest = _latest_possible_date()

    # Normalise and check every entry of the file first.
    normalized: list[list[EntryData]] = []
    for data in log.rounds:
        first_line = data.entries[0].line if data.entries else None
        plan.problems.extend(_round_problems(data, first_line))
        entries = []
        seen: dict[datetime.date, int] = {}
        for raw in data.entries:
            entry = _normalized(raw, plan.warnings)
            problems = _entry_problems(entry)
            plan.problems.extend(problems)
            if entry.date is not None:
                if entry.date > latest:
                    plan.problems.append(
                        Problem(_("%(date)s has not happened yet") % {"date": entry.date}, entry.line or None)
                    )
                if entry.date in seen:
                    plan.problems.append(
                        Problem(
                            _("the date %(date)s appears twice") % {"date": entry.date}, entry.line or None
                        )
                    )
                seen[entry.date] = entry.line
            entries.append(entry)
        entries.sort(key=lambda e: (e.date is None, e.date or datetime.date.min))
        normalized.append(entries)
    if any(e.date is None for entries in normalized for e in entries):
        # Undated: nothing else can be planned until a start date is given.
        return plan

    # Decide where each round of the file goes.
    targets: list[Round | None] = []
    if round_number is not None:
        target = by_number.get(round_number)
        if target is None:
            plan.problems.append(Problem(_("you have no round %(n)s") % {"n": round_number}))
            return plan
        if len(log.rounds) != 1:
            plan.problems.append(
                Problem(
                    _("the file holds %(n)s rounds: import it without choosing a round")
                    % {"n": len(log.rounds)}
                )
            )
            return plan
        targets = [target]
        stored = _existing_entries([target.pk])
    else:
        starts = {_start(data, entries) for data, entries in zip(log.rounds, normalized, strict=True)}
        candidates = [r for r in user_rounds if r.start_date in starts]
        stored = _existing_entries([r.pk for r in candidates])
        used: set[int] = set()
        for data, entries in zip(log.rounds, normalized, strict=True):
            probe = RoundData(title=data.title, start_date=_start(data, entries), number=data.number)
            match = next(
                (r for r in candidates if r.pk not in used and _matches(r, probe, entries, stored[r.pk])),
                None,
            )
            if match is not None:
                used.add(match.pk)
            targets.append(match)

    taken = set(by_number)
    numbers: list[int | None] = []
    for data, target in zip(log.rounds, targets, strict=True):
        if target is not None:
            numbers.append(target.number)
        elif data.number and 1 <= data.number <= 32767 and data.number not in taken:
            numbers.append(data.number)
            taken.add(data.number)
        else:
            numbers.append(None)
    for i, number in enumerate(numbers):
        if number is None:
            numbers[i] = max(taken, default=0) + 1
            taken.add(numbers[i])

    today = today_for(user)
    for i, (data, entries, target, number) in enumerate(
        zip(log.rounds, normalized, targets, numbers, strict=True)
    ):
        rp = _plan_round(data, entries, target, number, stored, replace, plan.problems, rule_choices.get(i))
        _plan_outcome(rp, stored, today)
        rp.selected_rule = rule_choices[i] if rule_choices.get(i) in rules.RULES else rp.suggested_rule
        plan.rounds.append(rp)

    if log.profile and not user_rounds:
        plan.profile = _profile_changes(user, log.profile, plan.warnings)
    return plan


def _start(data: RoundData, entries: list[EntryData]):
    if data.start_date is not None:
        return data.start_date
    dates = [e.date for e in entries if e.date is not None]
    return min(dates) if dates else None


def _plan_round(data, entries, target, number, stored, replace, problems, chosen_rule=None) -> RoundPlan:
    if target is not None:
        plan = RoundPlan(
            data=data,
            number=target.number,
            round_id=target.pk,
            title=target.title,
            start_date=target.start_date,
            rule=target.rule,
            target=target.target,
        )
        existing = stored[target.pk]
    else:
        plan = RoundPlan(
            data=data,
            number=number,
            round_id=None,
            title=_text(data.title)[: limits.ROUND_TITLE],
            start_date=_start(data, entries),
            rule=chosen_rule if chosen_rule in rules.RULES else data.rule,
            target=data.target,
            file_rule=data.rule,
        )
        existing = {}
    for entry in entries:
        old = existing.get(entry.date)
        if old is None:
            plan.entries.append(EntryPlan(entry, CREATE))
            continue
        differences = _differences(_entry_values(old), _data_values(entry))
        if not differences:
            action = SKIP
        else:
            action = REPLACE if replace else CONFLICT
        plan.entries.append(EntryPlan(entry, action, existing_id=old.pk, differences=differences))

    # The rules of the round the entries go to.
    start, rule, target_days = plan.start_date, plan.rule, plan.target
    if start is None or rule not in rules.RULES or not isinstance(target_days, int):
        return plan
    for e in plan.entries:
        if e.date < start:
            problems.append(
                Problem(
                    _("%(date)s is before the start of round %(n)s (%(start)s)")
                    % {"date": e.date, "n": plan.number, "start": start},
                    e.line or None,
                )
            )
        elif rule == rules.CALENDAR and e.date > rules.calendar_finish(start, target_days):
            problems.append(
                Problem(
                    _("%(date)s is after the last day of round %(n)s (%(finish)s)")
                    % {"date": e.date, "n": plan.number, "finish": rules.calendar_finish(start, target_days)},
                    e.line or None,
                )
            )
    dates = set(existing) | {e.date for e in plan.entries}
    if len(dates) > target_days:
        problems.append(
            Problem(
                _("round %(n)s would have %(count)s days, more than its target of %(target)s")
                % {"n": plan.number, "count": len(dates), "target": target_days},
                (plan.entries[0].line or None) if plan.entries else None,
            )
        )
        return plan
    numbers = rules.day_numbers(dates, start, rule)
    for e in plan.entries:
        e.day = numbers[e.date]
    new_dates = [e.date for e in plan.entries if e.action == CREATE]
    # Official rule: a day added before existing ones shifts their numbers.
    plan.renumbers = rule == rules.OFFICIAL and bool(new_dates) and any(d > min(new_dates) for d in existing)
    return plan


def _plan_outcome(rp: RoundPlan, stored, today) -> None:
    """What the round becomes today (and, for a new round the official rule would break,
    what it would be under the calendar rule)."""
    start, target = rp.start_date, rp.target
    if (
        start is None
        or rp.rule not in rules.RULES
        or not isinstance(target, int)
        or not 1 <= target <= MAX_TARGET
    ):
        return
    existing = set(stored.get(rp.round_id, {})) if rp.round_id else set()
    dates = existing | {e.date for e in rp.entries}
    if len(dates) > target or any(d < start or d > today for d in dates) or start > today:
        return  # refused as a problem (or not started yet): nothing to tell about today
    rp.outcome = rules.summarize(dates, start, target, rp.rule, today)
    if not rp.is_new:
        return
    official = rules.summarize(dates, start, target, rules.OFFICIAL, today)
    fits_calendar = all(d <= rules.calendar_finish(start, target) for d in dates)
    if official.status == rules.BROKEN and fits_calendar:
        rp.official_outcome = official
        rp.calendar_outcome = rules.summarize(dates, start, target, rules.CALENDAR, today)


def default_rule_choices(plan: ImportPlan) -> dict[int, str]:
    """For each round of the file that offers a choice, the rule under which fewer days are missed."""
    return {i: rp.suggested_rule for i, rp in enumerate(plan.rounds) if rp.offers_rule_choice}


# --- applying -----------------------------------------------------------------------------


def apply_import(user, plan_or_log, *, round_number=None, replace=None, rule_choices=None) -> ImportResult:
    """Write an import, all or nothing. Raises :class:`ImportRefused` (and writes nothing)
    when the file has problems or conflicts that were not to be replaced.

    ``plan_or_log`` is a :class:`LogData` or a plan from :func:`plan_import`; a plan is
    made again here with the rows locked, so a preview that went stale cannot write
    something it did not show as safe.
    """
    if isinstance(plan_or_log, ImportPlan):
        log = plan_or_log.log
        round_number = plan_or_log.round_number if round_number is None else round_number
        replace = plan_or_log.replace if replace is None else replace
        rule_choices = plan_or_log.rule_choices if rule_choices is None else rule_choices
    else:
        log = plan_or_log
    User = get_user_model()
    with transaction.atomic():
        # The user's row first, like services.start_round: new round numbers stay unique;
        # then their rounds, like every write to a round in journal.services.
        User.objects.select_for_update().filter(pk=user.pk).first()
        locked = list(Round.objects.select_for_update().filter(user=user).order_by("number"))
        plan = plan_import(
            user,
            log,
            round_number=round_number,
            replace=bool(replace),
            rule_choices=rule_choices,
            _rounds=locked,
        )
        if not plan.ok:
            raise ImportRefused(plan)
        return _write(user, plan, {r.pk: r for r in locked})


def _write(user, plan: ImportPlan, locked: dict[int, Round]) -> ImportResult:
    rounds: list[Round] = []
    created_rounds: list[Round] = []
    for rp in plan.rounds:
        if rp.is_new:
            data = rp.data
            round = Round(
                user=user,
                number=rp.number,
                title=rp.title,
                start_date=rp.start_date,
                target=rp.target,
                rule=rp.rule,
                visibility=data.visibility,
                description=_text(data.description),
            )
            round.save()  # renders the description, sets a default title
            created_rounds.append(round)
        else:
            round = locked[rp.round_id]
        rounds.append(round)

    replaced_ids = [e.existing_id for rp in plan.rounds for e in rp.entries if e.action == REPLACE]
    if replaced_ids:
        Entry.objects.filter(pk__in=replaced_ids).delete()

    services.add_entries(
        [
            (
                Entry(
                    round=round,
                    date=e.data.date,
                    day=e.day,
                    title=e.data.title,
                    progress=e.data.progress,
                    thoughts=e.data.thoughts,
                    minutes=e.data.minutes,
                ),
                e.data.tags,
                e.data.links,
            )
            for rp, round in zip(plan.rounds, rounds, strict=True)
            for e in rp.entries
            if e.action in (CREATE, REPLACE)
        ]
    )
    existing = [(rp, round) for rp, round in zip(plan.rounds, rounds, strict=True) if not rp.is_new]
    services.rounds_changed(
        user,
        [round for rp, round in existing if rp.created or rp.replaced],
        renumbered=[round for rp, round in existing if rp.renumbers],
    )
    if plan.profile:
        for name, value in plan.profile.items():
            setattr(user, name, value)
        user.save(update_fields=list(plan.profile))
    return ImportResult(
        rounds=rounds,
        created_rounds=created_rounds,
        created=plan.total(CREATE),
        replaced=plan.total(REPLACE),
        skipped=plan.total(SKIP),
        plan=plan,
    )

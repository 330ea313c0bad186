"""The versioned JSON export: everything, field for field, read back strictly.

Shape (version 1)::

    {"format": "hundreddays", "version": 1, "exported_at": "...",  # exported_at optional
     "profile": {"display_name", "handle", "time_zone", "rollover_hour", "language"},
     "rounds": [{"number", "title", "start_date", "target", "rule", "visibility", "description",
                 "entries": [{"date", "day", "title", "progress", "thoughts", "minutes",
                              "tags": [...], "links": [{"url", "label"}]}]}]}
"""

from __future__ import annotations

import datetime
import json
import re

from django.utils.translation import gettext

from journal.rules import CALENDAR, OFFICIAL

from .data import (
    MAX_DAY,
    MAX_LABEL,
    MAX_MINUTES,
    MAX_TAG,
    MAX_TARGET,
    MAX_TITLE,
    MAX_URL,
    PROFILE_KEYS,
    VISIBILITIES,
    EntryData,
    LinkData,
    LogData,
    LogError,
    RoundData,
)

FORMAT = "hundreddays"
VERSION = 1
MAX_ROUND_NUMBER = 32767
MAX_ROLLOVER_HOUR = 6
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WEB = re.compile(r"(?i)https?://\S")
RULES = (OFFICIAL, CALENDAR)
_MISSING = object()


# --- writing -------------------------------------------------------------------------------


def _entry_key(entry: EntryData):
    return (entry.date is None, entry.date or datetime.date.min)


def _write_entry(entry: EntryData) -> dict:
    return {
        "date": entry.date.isoformat() if entry.date else None,
        "day": entry.day,
        "title": entry.title,
        "progress": entry.progress,
        "thoughts": entry.thoughts,
        "minutes": entry.minutes,
        "tags": list(entry.tags),
        "links": [{"url": link.url, "label": link.label} for link in entry.links],
    }


def _write_round(round: RoundData) -> dict:
    return {
        "number": round.number,
        "title": round.title,
        "start_date": round.start_date.isoformat() if round.start_date else None,
        "target": round.target,
        "rule": round.rule,
        "visibility": round.visibility,
        "description": round.description,
        "entries": [_write_entry(entry) for entry in sorted(round.entries, key=_entry_key)],
    }


def write_json(log: LogData, exported_at: datetime.datetime | None = None) -> str:
    """The export as text: deterministic (same data, same bytes) unless ``exported_at`` is given."""
    document: dict = {"format": FORMAT, "version": VERSION}
    if exported_at is not None:
        document["exported_at"] = exported_at.isoformat()
    document["profile"] = {key: log.profile[key] for key in PROFILE_KEYS if key in log.profile}
    document["rounds"] = [_write_round(round) for round in log.rounds]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- reading -------------------------------------------------------------------------------


class _ConstantError(ValueError):
    pass


def _reject_constant(name: str):
    raise _ConstantError(name)


def _load(text: str):
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        # error.msg is Python's own (English) description of the syntax error.
        raise LogError(
            gettext("this is not valid JSON: %(error)s") % {"error": error.msg}, error.lineno
        ) from None
    except _ConstantError as error:
        raise LogError(gettext("%(value)s is not a number this export can hold") % {"value": error}) from None
    except RecursionError:
        raise LogError(gettext("the JSON is nested too deeply")) from None
    except ValueError:
        # Python refuses to convert integers with thousands of digits.
        raise LogError(gettext("a number in the file is too large")) from None


def _kind(value) -> str:
    if value is None:
        return "null"  # JSON's own words
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        # Translators: what a JSON value is, in "... must be text, not a number".
        return gettext("a number")
    if isinstance(value, str):
        return gettext("text")
    if isinstance(value, list):
        return gettext("a list")
    return gettext("an object")


class _Object:
    """One JSON object being read, with where it is for error messages."""

    def __init__(self, value, where: str):
        if not isinstance(value, dict):
            raise LogError(
                gettext("%(where)s must be an object, not %(kind)s") % {"where": where, "kind": _kind(value)}
            )
        self.value = value
        self.where = where

    def fail(self, key: str, reason: str, **values):
        """Refuse ``key``: ``reason`` is a translated message naming it as ``%(key)s``."""
        values["key"] = key
        # Translators: where is "round 1, entry 2" or "the profile"; reason names the JSON key.
        raise LogError(gettext("%(where)s: %(reason)s") % {"where": self.where, "reason": reason % values})

    def get(self, key: str, default=_MISSING):
        value = self.value.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                self.fail(key, gettext('"%(key)s" is missing'))
            return default
        return value

    def text(
        self, key: str, default=_MISSING, limit: int | None = None, nullable: bool = False
    ) -> str | None:
        value = self.get(key, default)
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            self.fail(key, gettext('"%(key)s" must be text, not %(kind)s'), kind=_kind(value))
        _check_text(value, lambda reason: self.fail(key, reason))
        if limit is not None and len(value) > limit:
            self.fail(key, gettext('"%(key)s" is longer than %(limit)s characters'), limit=limit)
        return value

    def integer(self, key: str, low: int, high: int, default=_MISSING, nullable: bool = False) -> int | None:
        value = self.get(key, default)
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(
                key, gettext('"%(key)s" must be a whole number from %(low)s to %(high)s'), low=low, high=high
            )
        return value

    def date(self, key: str, default=_MISSING, nullable: bool = False) -> datetime.date | None:
        value = self.get(key, default)
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            self.fail(
                key, gettext('"%(key)s" must be a date like 2024-03-04, not %(kind)s'), kind=_kind(value)
            )
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.fail(
                key,
                gettext("\"%(key)s\" must be a date like 2024-03-04, not '%(value)s'"),
                value=_shown(value),
            )

    def choice(self, key: str, choices: tuple, default) -> str:
        value = self.get(key, default)
        if not isinstance(value, str) or value not in choices:
            self.fail(key, gettext('"%(key)s" must be one of %(choices)s'), choices=", ".join(choices))
        return value

    def items(self, key: str, default=_MISSING) -> list:
        value = self.get(key, default)
        if not isinstance(value, list):
            self.fail(key, gettext('"%(key)s" must be a list, not %(kind)s'), kind=_kind(value))
        return value


def _shown(value: str) -> str:
    """A value quoted in a reason: short, with control characters escaped."""
    shown = json.dumps(value[:40], ensure_ascii=False)[1:-1].encode("utf-8", "backslashreplace").decode()
    return shown if len(value) <= 40 else shown + "…"


def _check_text(value: str, fail) -> None:
    if "\x00" in value:
        fail(gettext('"%(key)s" contains a NUL character'))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fail(gettext('"%(key)s" contains an invalid character (a lone surrogate)'))


def _read_link(value, where: str) -> LinkData:
    link = _Object(value, where)
    url = link.text("url", limit=MAX_URL)
    if not _WEB.match(url):
        link.fail(
            "url", gettext("\"%(key)s\" must start with http:// or https://, not '%(url)s'"), url=_shown(url)
        )
    return LinkData(url=url, label=link.text("label", "", limit=MAX_LABEL))


def _read_tags(entry: _Object) -> list[str]:
    tags = entry.items("tags", [])
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            entry.fail("tags", gettext('"%(key)s" must be a list of non-empty texts'))
        _check_text(tag, lambda reason: entry.fail("tags", reason))
        if len(tag) > MAX_TAG:
            entry.fail("tags", gettext('"%(key)s" has a tag longer than %(limit)s characters'), limit=MAX_TAG)
    return list(tags)


def _read_entry(value, where: str) -> EntryData:
    entry = _Object(value, where)
    return EntryData(
        date=entry.date("date"),
        day=entry.integer("day", 1, MAX_DAY, None, nullable=True),
        title=entry.text("title", "", limit=MAX_TITLE),
        progress=entry.text("progress"),
        thoughts=entry.text("thoughts", ""),
        minutes=entry.integer("minutes", 0, MAX_MINUTES, None, nullable=True),
        tags=_read_tags(entry),
        links=[
            _read_link(link, gettext("%(where)s, link %(n)s") % {"where": where, "n": i})
            for i, link in enumerate(entry.items("links", []), 1)
        ],
    )


def _read_round(value, where: str) -> RoundData:
    data = _Object(value, where)
    round = RoundData(
        number=data.integer("number", 1, MAX_ROUND_NUMBER, None, nullable=True),
        title=data.text("title", "", limit=MAX_TITLE),
        start_date=data.date("start_date", None, nullable=True),
        target=data.integer("target", 1, MAX_TARGET, 100),
        rule=data.choice("rule", RULES, RULES[0]),
        visibility=data.choice("visibility", VISIBILITIES, "private"),
        description=data.text("description", ""),
    )
    seen: set[datetime.date] = set()
    for index, item in enumerate(data.items("entries", []), start=1):
        entry = _read_entry(item, gettext("%(where)s, entry %(n)s") % {"where": where, "n": index})
        if entry.date in seen:
            raise LogError(
                gettext("%(where)s: the date %(date)s has two entries") % {"where": where, "date": entry.date}
            )
        if round.start_date is None:
            raise LogError(
                gettext('%(where)s: "start_date" is missing, and the round has entries') % {"where": where}
            )
        if entry.date < round.start_date:
            raise LogError(
                gettext("%(where)s: the entry of %(date)s is before the start (%(start)s)")
                % {"where": where, "date": entry.date, "start": round.start_date}
            )
        seen.add(entry.date)
        round.entries.append(entry)
    return round


def _read_profile(value) -> dict:
    # Translators: where an error is, in "the profile: ..." (the profile part of a JSON export).
    data = _Object(value, gettext("the profile"))
    profile: dict = {}
    for key in PROFILE_KEYS:
        if key not in data.value:
            continue
        if key == "rollover_hour":
            profile[key] = data.integer(key, 0, MAX_ROLLOVER_HOUR)
        else:
            profile[key] = data.text(key)
    return profile


def parse_json(text: str) -> LogData:
    """Read a JSON export; anything unexpected is refused with a :class:`LogError`."""
    if not isinstance(text, str):
        raise LogError(gettext("the export is not text"))
    document = _load(text.removeprefix("\ufeff"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise LogError(gettext("not a Hundred Days export"))
    version = document.get("version", _MISSING)
    if version is _MISSING:
        raise LogError(
            gettext("the export has no version (this app reads version %(supported)s)")
            % {"supported": VERSION}
        )
    if isinstance(version, bool) or not isinstance(version, int) or version != VERSION:
        shown = (
            str(version)
            if isinstance(version, int | float) and not isinstance(version, bool)
            else repr(version)
        )
        raise LogError(
            gettext("unsupported export version %(version)s (this app reads version %(supported)s)")
            % {"version": _shown(shown), "supported": VERSION}
        )
    # Translators: where an error is, in "the export: ..." (the top level of a JSON export).
    top = _Object(document, gettext("the export"))
    exported_at = top.text("exported_at", None, nullable=True)
    if exported_at is not None:
        try:
            datetime.datetime.fromisoformat(exported_at)
        except ValueError:
            top.fail(
                "exported_at",
                gettext("\"%(key)s\" must be a date and time, not '%(value)s'"),
                value=_shown(exported_at),
            )
    profile = _read_profile(top.get("profile", {}))
    rounds = [
        _read_round(item, gettext("round %(n)s") % {"n": index})
        for index, item in enumerate(top.items("rounds"), start=1)
    ]
    numbers: set[int] = set()
    for round in rounds:
        if round.number is not None:
            if round.number in numbers:
                raise LogError(gettext("round number %(n)s appears twice") % {"n": round.number})
            numbers.add(round.number)
    return LogData(rounds=rounds, profile=profile)

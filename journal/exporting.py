"""Export a participant's data: their rounds as plain data (``journal.logs``), then as
Markdown logs, a JSON document or a zip of them.

Reads only. Every export costs a fixed number of queries whatever the number of rounds
and entries (each function says how many). The web's download, the ``export_log``
command and the admin's "export" action all come here; what they write can be imported
back (``journal.importing``).
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from journal.logs import write_json, write_markdown
from journal.logs.data import EntryData, LinkData, LogData, RoundData
from journal.models import Entry, Link, Round


def _entries_queryset():
    return Entry.objects.order_by("date").prefetch_related(
        "tags", Prefetch("links", queryset=Link.objects.order_by("position", "id"))
    )


def _round_data(round: Round, entries) -> RoundData:
    return RoundData(
        title=round.title,
        start_date=round.start_date,
        target=round.target,
        rule=round.rule,
        visibility=round.visibility,
        description=round.description,
        number=round.number,
        entries=[
            EntryData(
                date=e.date,
                day=e.day,
                title=e.title,
                progress=e.progress,
                thoughts=e.thoughts,
                links=[LinkData(url=link.url, label=link.label) for link in e.links.all()],
                minutes=e.minutes,
                tags=sorted(tag.name for tag in e.tags.all()),
            )
            for e in entries
        ],
    )


def export_round(round: Round) -> RoundData:
    """One round with all its entries: 3 queries (entries, tags, links)."""
    return _round_data(round, _entries_queryset().filter(round=round))


def export_rounds(rounds) -> list[RoundData]:
    """Several rounds: 4 queries whatever their number (rounds, entries, tags, links)."""
    rounds = list(rounds)
    by_round: dict[int, list[Entry]] = {r.pk: [] for r in rounds}
    for entry in _entries_queryset().filter(round__in=rounds):
        by_round[entry.round_id].append(entry)
    return [_round_data(r, by_round[r.pk]) for r in rounds]


def profile_of(user) -> dict:
    return {
        "display_name": user.display_name,
        "handle": user.handle,
        "time_zone": user.time_zone,
        "rollover_hour": user.rollover_hour,
        "language": user.language,
    }


def export_user(user) -> LogData:
    """Everything of a participant: their profile and every round, oldest first. 4 queries."""
    return LogData(
        rounds=export_rounds(Round.objects.filter(user=user).order_by("number")), profile=profile_of(user)
    )


def markdown_language(user, fallback="en") -> str:
    lang = getattr(user, "language", "") or fallback
    return lang if lang in ("en", "es") else "en"


def rounds_zip(rounds_data: list[tuple[str, RoundData, str]], extra: dict[str, str] | None = None) -> bytes:
    """A zip of Markdown logs: ``(file name, round, language)`` each, plus ``extra`` files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data, lang in rounds_data:
            archive.writestr(name, write_markdown(data, lang=lang))
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def export_round_markdown(user, number: int, lang: str) -> str | None:
    """One round of ``user`` as a Markdown log in ``lang`` (the zip's file), or None."""
    rounds = export_rounds(Round.objects.filter(user=user, number=number))
    return write_markdown(rounds[0], lang=lang) if rounds else None


def export_zip(user, lang: str) -> bytes:
    """One Markdown file per round in ``lang``, and the JSON document with everything."""
    log = export_user(user)
    return rounds_zip(
        [(f"round-{r.number}.md", r, lang) for r in log.rounds],
        {"hundreddays.json": write_json(log)},
    )


def export_selected(rounds, fmt: str) -> tuple[str, bytes, str]:
    """Rounds picked in the admin as ``(file name, content, content type)``.

    ``fmt="zip"``: one Markdown file per round, in its owner's language. ``fmt="json"``:
    one JSON document per owner (their profile and the picked rounds), so each can be
    imported back; several owners give a zip of those documents.
    """
    rounds = list(rounds.select_related("user").order_by("user_id", "number"))
    data = export_rounds(rounds)
    stamp = timezone.now().date().isoformat()
    if fmt == "zip":
        files = [
            (f"{r.user.handle}-r{r.number}.md", d, markdown_language(r.user, settings.LANGUAGE_CODE))
            for r, d in zip(rounds, data, strict=True)
        ]
        return f"hundreddays-rounds-{stamp}.zip", rounds_zip(files), "application/zip"
    if fmt != "json":
        raise ValueError(f"unknown export format {fmt!r}")
    owners: dict[int, tuple] = {}
    for r, d in zip(rounds, data, strict=True):
        owners.setdefault(r.user_id, (r.user, []))[1].append(d)
    documents = {
        f"hundreddays-{user.handle}.json": write_json(LogData(rounds=picked, profile=profile_of(user)))
        for user, picked in owners.values()
    }
    if len(documents) == 1:
        ((user, _picked),) = owners.values()
        (text,) = documents.values()
        return f"hundreddays-{user.handle}-{stamp}.json", text.encode(), "application/json; charset=utf-8"
    return f"hundreddays-rounds-{stamp}.zip", rounds_zip([], documents), "application/zip"

"""Render every stored entry and round description again with journal.markdown.

Run it once after a release that changes how Markdown renders (docs/deployment.md, "Upgrade").
Idempotent: a row whose HTML is already what the renderer makes is not written, so a
second run changes nothing. Batched: rows are read by primary key, ``--batch-size`` at a
time, and each batch is read, rendered and written in one transaction (``bulk_update``)
with its rounds locked, so it may run while the site serves, and an interrupted run keeps
what it did.

The rounds whose description or entries changed get a new ``version`` (their ETags and
cached fragments change); at the end every cached page is dropped (one call to
journal.pagecache), so no page keeps serving the old HTML.

A stored text the renderer refuses (written before journal.limits existed) keeps its
HTML; each is named on one line, and the command exits non-zero at the end.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from journal import markdown, pagecache
from journal.models import Entry, Round


class Command(BaseCommand):
    help = "Render every entry and round description again with the current Markdown renderer."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Rows read and written at a time (default 1000)."
        )

    def handle(self, *args, dry_run, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        self.verbosity = verbosity
        self.dry_run = dry_run
        self.refused = 0
        started = time.monotonic()
        rounds = self._run(
            "round descriptions",
            Round.objects.only("id", "description", "description_html"),
            {"description": "description_html"},
            batch_size,
        )
        entries = self._run(
            "entries",
            Entry.objects.only("id", "round_id", "progress", "progress_html", "thoughts", "thoughts_html"),
            {"progress": "progress_html", "thoughts": "thoughts_html"},
            batch_size,
        )
        changed = rounds + entries
        if changed and not dry_run:
            pagecache.changed(pagecache.ALL)
        seconds = time.monotonic() - started
        verb = "would change" if dry_run else "changed"
        summary = f"{verb} {rounds} round descriptions and {entries} entries in {seconds:.1f} s"
        if self.refused:
            raise CommandError(
                f"{summary}; {self.refused} texts are refused by the renderer and keep their old HTML (listed above)."
            )
        self.stdout.write(self.style.SUCCESS(summary[0].upper() + summary[1:] + "."))

    def _run(self, label, queryset, fields, batch_size) -> int:
        total = queryset.count()
        seen = changed = 0
        last = 0
        while True:
            with transaction.atomic():
                batch = self._read(queryset, last, batch_size)
                if not batch:
                    break
                last = batch[-1].pk
                seen += len(batch)
                dirty = [row for row in batch if self._render(row, fields)]
                changed += len(dirty)
                if dirty and not self.dry_run:
                    queryset.model.objects.bulk_update(dirty, list(fields.values()))
                    # New ETags for the pages of these rounds (journal.share.round_validators).
                    Round.objects.filter(pk__in={_round_id(row) for row in dirty}).update(
                        version=F("version") + 1, updated_at=timezone.now()
                    )
            if self.verbosity >= 1:
                self.stdout.write(f"{label}: {seen}/{total} read, {changed} to change")
        return changed

    def _read(self, queryset, last, batch_size):
        """The next batch. Unless dry-running, their rounds are locked first, as journal.services
        locks a round before it writes it or its entries: an edit made meanwhile is either read
        here or waits, and never gets HTML rendered from its old text."""
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return []
        if not self.dry_run:
            if queryset.model is Round:
                round_ids = ids
            else:
                round_ids = set(queryset.filter(pk__in=ids).values_list("round_id", flat=True))
            list(Round.objects.select_for_update().filter(pk__in=round_ids).order_by("pk").values_list("pk"))
        return list(queryset.filter(pk__in=ids).order_by("pk"))

    def _render(self, row, fields) -> bool:
        """Put the new HTML on ``row``; whether any of it differs from what is stored."""
        differs = False
        for source, target in fields.items():
            try:
                html = markdown.render(getattr(row, source))
            except markdown.MarkdownRefused as refused:
                self.refused += 1
                self.stderr.write(f"{type(row).__name__} {row.pk}, {source}: {refused.message}")
                continue
            if html != getattr(row, target):
                setattr(row, target, html)
                differs = True
        return differs


def _round_id(row) -> int:
    return row.pk if isinstance(row, Round) else row.round_id

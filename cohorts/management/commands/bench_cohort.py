"""Add the benchmark's cohort to a bench dataset: 300 members in six time zones, organized by @dash.

Run by bench/run.py after ``bench_dataset``; refuses a database whose name lacks "bench".
Each member is a new participant with a private 40-day-old round (so explore and the
profiles measured elsewhere do not change) and a realistic spread: most log every day,
some missed yesterday (at risk), some stopped (broken), some have not logged today yet.
Adds the cohort's page and CSV to the manifest's URLs.
"""

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.urls import reverse

from cohorts.models import Cohort, Membership
from journal import markdown, rules
from journal.management.commands.bench_dataset import ZONES, check_bench_database
from journal.models import Entry, Round

SLUG = "bench-cohort"
DAYS = 40


class Command(BaseCommand):
    help = (
        "Add a cohort of N members (default 300) organized by @dash to the bench dataset; update --manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--manifest", required=True, help="The JSON bench_dataset wrote (--out).")
        parser.add_argument("--members", type=int, default=300)
        parser.add_argument("--seed", type=int, default=300)

    def handle(self, *args, manifest, members, seed, verbosity=1, **options):
        check_bench_database()
        path = Path(manifest)
        if not path.exists():
            raise CommandError(f"No manifest at {manifest}: run bench_dataset --out first.")
        rnd = random.Random(seed)
        User = get_user_model()
        organizer = User.objects.filter(handle="dash").first()
        if organizer is None:
            raise CommandError("The dataset has no @dash: run bench_dataset first.")
        today = datetime.now(UTC).date()
        start = today - timedelta(days=DAYS - 1)
        progress = "Worked through the **exercises** of the week; `pytest` is green."
        html = markdown.render(progress)
        with transaction.atomic():
            Cohort.objects.filter(slug=SLUG).delete()
            User.objects.filter(handle__startswith="cohort-").delete()
            cohort = Cohort.objects.create(
                name="Bench cohort · 300 students",
                slug=SLUG,
                description="A class of *300*, for the benchmark.",
                start_date=start,
                target=100,
                created_by=organizer,
            )
            Membership.objects.create(cohort=cohort, user=organizer, role=Membership.Role.ORGANIZER)
            users = User.objects.bulk_create(
                User(
                    email=f"cohort-{i:04d}@bench.example",
                    handle=f"cohort-{i:04d}",
                    display_name=f"Student {i:04d}",
                    time_zone=ZONES[i % len(ZONES)],
                    reminders=False,
                )
                for i in range(members)
            )
            rounds = Round.objects.bulk_create(
                Round(user=u, number=1, title="#100DaysOfCode R1", start_date=start, target=100)
                for u in users
            )
            entries = []
            for r in rounds:
                kind = rnd.random()
                last = today if kind < 0.5 else today - timedelta(days=1)  # half have not logged today
                if kind > 0.85:
                    last = today - timedelta(days=rnd.randint(3, 30))  # stopped: broken
                elif kind > 0.75:
                    last = today - timedelta(days=2)  # missed yesterday: at risk
                dates = [start + timedelta(days=i) for i in range(DAYS) if start + timedelta(days=i) <= last]
                for d, day in rules.day_numbers(dates, start, rules.OFFICIAL).items():
                    entries.append(Entry(round=r, date=d, day=day, progress=progress, progress_html=html))
            Entry.objects.bulk_create(entries, batch_size=5000)
            Membership.objects.bulk_create(
                Membership(cohort=cohort, user=u, round=r, share_entries=i % 10 == 0)
                for i, (u, r) in enumerate(zip(users, rounds, strict=True))
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cohorts_cohort; ANALYZE cohorts_membership; ANALYZE journal_entry;")
        data = json.loads(path.read_text())
        data["urls"]["cohort"] = reverse("cohorts:detail", kwargs={"slug": SLUG})
        data["urls"]["cohort_csv"] = reverse("cohorts:members-csv", kwargs={"slug": SLUG})
        path.write_text(json.dumps(data, indent=2))
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Cohort {SLUG}: {members} members, {len(entries)} entries, organized by @dash."
                )
            )

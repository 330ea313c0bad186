"""Nudge a cohort's members who have not logged their local today (the organizers' button, from cron)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cohorts import services
from cohorts.models import Cohort


def now():
    """The clock of this command (tests replace it)."""
    return timezone.now()


def _count(n) -> str:
    return f"{n} nudge" if n == 1 else f"{n} nudges"


class Command(BaseCommand):
    help = (
        "Email the members of cohort SLUG who are at risk or have not logged their local today, "
        "in each member's language, at most once a member a local day, never to members with reminders off."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the cohort's address, as in /c/SLUG/")
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would get a nudge; send nothing."
        )

    def handle(self, *args, slug, dry_run=False, **options):
        verbosity = options.get("verbosity", 1)
        cohort = Cohort.objects.filter(slug=slug).first()
        if cohort is None:
            raise CommandError(f"No cohort with the address {slug!r}.")
        sent, failed = services.nudge(cohort, now(), dry_run=dry_run)
        for row in sent:
            if dry_run or verbosity >= 2:
                verb = "Would nudge" if dry_run else "Nudged"
                self.stdout.write(
                    f"{verb} {row.user.email} ({row.user.time_zone}, {row.today}): {row.status}"
                )
        for row in failed:
            self.stderr.write(f"Could not email {row.user.email}.")
        if failed:
            raise CommandError(f"{_count(len(failed))} could not be sent ({len(sent)} sent).")
        if verbosity >= 1:
            if dry_run:
                self.stdout.write(
                    self.style.SUCCESS(f"Dry run: {_count(len(sent))} would be sent; nothing was sent.")
                )
            else:
                self.stdout.write(self.style.SUCCESS(f"Sent {_count(len(sent))}."))

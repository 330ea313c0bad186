"""Evening reminders for participants who have not logged today yet.

Safe to run every hour from cron: a participant is due once their local time is past
``settings.REMINDER_HOUR``, and ``User.last_reminded_on`` (their local date) is claimed
with a conditional UPDATE before the email goes out, so two runs at the same time, or a
run every hour, send at most one reminder a local day.
"""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hundreddays.email import send_mail
from journal import rules
from journal.clock import today_for
from journal.models import Entry, Round

BATCH = 500


def now() -> datetime:
    """The clock of this command (tests replace it)."""
    return timezone.now()


def _local_hour(user, moment) -> int:
    return moment.astimezone(ZoneInfo(user.time_zone or "UTC")).hour


def due_reminders(moment):
    """(user, round, local today, summary) for every participant due a reminder at ``moment``.

    Four queries a batch of users: users, their rounds, the dates of those rounds' entries.
    """
    User = get_user_model()
    users = (
        User.objects.filter(is_active=True, reminders=True)
        .exclude(email="")
        .only(
            "id",
            "email",
            "display_name",
            "first_name",
            "last_name",
            "handle",
            "time_zone",
            "rollover_hour",
            "language",
            "last_reminded_on",
        )  # fmt: skip
        .order_by("pk")
    )
    last_pk = 0
    while True:
        batch = list(users.filter(pk__gt=last_pk)[:BATCH])
        if not batch:
            return
        last_pk = batch[-1].pk
        todays = {}
        for user in batch:
            try:
                today = today_for(user, moment)
                hour = _local_hour(user, moment)
            except (ZoneInfoNotFoundError, ValueError):
                continue  # a broken time zone: never guess the person's evening
            if hour >= settings.REMINDER_HOUR and user.last_reminded_on != today:
                todays[user.pk] = today
        if not todays:
            continue
        rounds = list(
            Round.objects.filter(user_id__in=todays, start_date__lte=max(todays.values())).order_by(
                "user_id", "-number"
            )
        )
        dates: dict[int, list] = {r.pk: [] for r in rounds}
        for round_id, d in Entry.objects.filter(round__in=rounds).values_list("round_id", "date"):
            dates[round_id].append(d)
        by_user: dict[int, list[Round]] = {}
        for r in rounds:
            by_user.setdefault(r.user_id, []).append(r)
        for user in batch:
            today = todays.get(user.pk)
            if today is None:
                continue
            for r in by_user.get(user.pk, []):  # latest round first
                if today < r.start_date:
                    continue
                summary = rules.summarize(dates[r.pk], r.start_date, r.target, r.rule, today)
                if summary.status != rules.ACTIVE:
                    continue
                if not summary.logged_today:
                    yield user, r, today, summary
                break  # only the latest active round counts


def reminder_email(user, round, today, summary) -> tuple[str, str]:
    """Subject and body in the participant's language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Day %(day)s of your #100DaysOfCode round is waiting") % {"day": summary.day}
        log_url = f"{settings.SITE_URL}{reverse('journal:entry-new')}?round={round.number}"
        settings_url = f"{settings.SITE_URL}{reverse('accounts:profile')}"
        lines = [
            _("Hi %(name)s,") % {"name": user.name},
            "",
            _("%(date)s has no entry yet in round %(n)s, “%(title)s”.")
            % {"date": date_format(today, "DATE_FORMAT"), "n": round.number, "title": round.title},
        ]
        if summary.at_risk:
            lines.append(_("You missed yesterday: log today to keep the round going."))
        lines += [
            _("You are on day %(day)s of %(target)s. A few minutes count.")
            % {"day": summary.day, "target": round.target},
            "",
            _("Log today: %(url)s") % {"url": log_url},
            "",
            _("You get this email because reminders are on. Turn them off in your account: %(url)s")
            % {"url": settings_url},
        ]
        return subject, "\n".join(lines) + "\n"


def _count(n) -> str:
    return f"{n} reminder" if n == 1 else f"{n} reminders"


class Command(BaseCommand):
    help = (
        "Email a reminder to each participant with reminders on whose latest active round has no "
        "entry for their local today, once their local time is past REMINDER_HOUR "
        f"({settings.REMINDER_HOUR}:00). At most one a local day; safe to run every hour from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would get a reminder; send and write nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        verbosity = options.get("verbosity", 1)
        moment = now()
        User = get_user_model()
        sent = failed = 0
        for user, round, today, summary in due_reminders(moment):
            if dry_run:
                self.stdout.write(
                    f"Would remind {user.email} ({user.time_zone}, {today}): round {round.number}, day {summary.day}"
                )
                sent += 1
                continue
            # Claim the day first: of two runs at once, only one updates the row.
            claimed = (
                User.objects.filter(pk=user.pk, reminders=True)
                .exclude(last_reminded_on=today)
                .update(last_reminded_on=today)
            )
            if not claimed:
                continue
            subject, body = reminder_email(user, round, today, summary)
            try:
                send_mail(subject, body, None, [user.email], language=user.language or settings.LANGUAGE_CODE)
            except Exception as error:  # one bad address must not stop the others
                # Give the day back so the next hourly run tries again.
                User.objects.filter(pk=user.pk, last_reminded_on=today).update(
                    last_reminded_on=user.last_reminded_on
                )
                failed += 1
                self.stderr.write(f"Could not email {user.email}: {error}")
                continue
            sent += 1
            if verbosity >= 2:
                self.stdout.write(f"Reminded {user.email} ({user.time_zone}, {today}).")
        if failed:
            raise CommandError(f"{_count(failed)} could not be sent ({sent} sent).")
        if verbosity >= 1:
            if dry_run:
                self.stdout.write(
                    self.style.SUCCESS(f"Dry run: {_count(sent)} would be sent; nothing was sent.")
                )
            else:
                self.stdout.write(self.style.SUCCESS(f"Sent {_count(sent)}."))

"""Nudges: to the right members, in their language, once a local day, never against their opt-out."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from cohorts import services
from cohorts.management.commands import nudge_cohort
from cohorts.models import Membership
from cohorts.tests.factories import dates, make_cohort, member, person

pytestmark = pytest.mark.django_db

S = date(2024, 3, 1)
# 19:30 UTC on 10 March 2024: 20:30 on the 10th in Madrid, 04:30 on the 11th in Tokyo.
NOW = datetime(2024, 3, 10, 19, 30, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch, settings):
    settings.SITE_URL = "https://hundreddays.example"
    moment = {"now": NOW}
    monkeypatch.setattr(nudge_cohort, "now", lambda: moment["now"])
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment["now"])
    return moment


@pytest.fixture
def cohort(clock):
    organizer = person("teacher", "Europe/Madrid")
    cohort = make_cohort(organizer, name="Evening class", start=S)
    member(cohort, "done", time_zone="Europe/Madrid", logged=dates(S, date(2024, 3, 10)))
    member(cohort, "pending", time_zone="Europe/Madrid", logged=dates(S, date(2024, 3, 9)))
    member(cohort, "risky", time_zone="Europe/Madrid", language="es", logged=dates(S, date(2024, 3, 8)))
    member(cohort, "tokyo", time_zone="Asia/Tokyo", logged=dates(S, date(2024, 3, 10)))  # on the 11th
    member(cohort, "quiet", time_zone="Europe/Madrid", reminders=False, logged=dates(S, date(2024, 3, 9)))
    member(cohort, "gone", time_zone="Europe/Madrid", logged=dates(S, date(2024, 3, 5)))  # broken
    return cohort


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def run(*args):
    out = StringIO()
    call_command("nudge_cohort", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_nudge_goes_to_members_not_logged_today_in_their_own_day(cohort):
    sent, failed = services.nudge(cohort, NOW)
    assert not failed
    assert recipients() == ["pending@example.com", "risky@example.com", "tokyo@example.com"]


def test_each_nudge_speaks_the_members_language_and_says_at_risk(cohort):
    services.nudge(cohort, NOW)
    by_to = {m.to[0]: m for m in mail.outbox}
    assert "Evening class" in by_to["pending@example.com"].subject
    assert "has no entry yet" in by_to["pending@example.com"].body
    assert "You missed yesterday" not in by_to["pending@example.com"].body
    spanish = by_to["risky@example.com"]
    assert "todavía no tiene entrada" in spanish.body
    assert "Ayer fue un día perdido" in spanish.body
    assert "https://hundreddays.example/log/?round=1" in spanish.body


def test_once_a_member_a_local_day(cohort, clock):
    services.nudge(cohort, NOW)
    services.nudge(cohort, NOW + timedelta(hours=2))  # the same local day for all three
    assert len(mail.outbox) == 3
    mail.outbox.clear()
    clock["now"] = NOW + timedelta(days=1)
    services.nudge(cohort, clock["now"])
    # A new day: pending broke (9th logged, 10th and 11th missed), so only those still going.
    assert "tokyo@example.com" in recipients()


def test_the_button_nudges_and_a_second_click_sends_nothing_new(cohort, clock):
    organizer = Client()
    organizer.force_login(cohort.created_by)
    response = organizer.post(f"/c/{cohort.slug}/nudge/", follow=True)
    assert "Nudges went to 3 members." in response.content.decode()
    response = organizer.post(f"/c/{cohort.slug}/nudge/", follow=True)
    assert "Nobody needs a nudge right now" in response.content.decode()
    assert len(mail.outbox) == 3


def test_the_command_dry_run_lists_and_sends_nothing(cohort):
    out = run(cohort.slug, "--dry-run")
    assert "Would nudge pending@example.com" in out and "Dry run: 3 nudges would be sent" in out
    assert not mail.outbox
    assert not Membership.objects.exclude(last_nudged_on=None).exists()
    assert "Sent 3 nudges." in run(cohort.slug)
    assert "Sent 0 nudges." in run(cohort.slug)


def test_the_command_refuses_an_unknown_cohort_in_one_line(cohort):
    with pytest.raises(CommandError, match="No cohort with the address 'nope'"):
        run("nope")


def test_a_failed_send_gives_the_day_back_and_the_command_fails(cohort, monkeypatch):
    def refuse(subject, body, sender, to):
        if to == ["risky@example.com"]:
            raise OSError("mailbox unavailable")
        mail.outbox.append(type("M", (), {"to": to})())

    monkeypatch.setattr(services, "send_mail", refuse)
    with pytest.raises(CommandError, match="1 nudge could not be sent"):
        run(cohort.slug)
    assert Membership.objects.get(user__handle="risky").last_nudged_on is None
    assert Membership.objects.get(user__handle="pending").last_nudged_on == date(2024, 3, 10)

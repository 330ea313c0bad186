"""send_reminders: the right people, on their local day, once, in their language."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from journal import services
from journal.management.commands import send_reminders

pytestmark = pytest.mark.django_db

# 19:30 UTC on Tuesday 5 March 2024: 20:30 in Madrid, 14:30 in New York, 04:30 (6 March) in Tokyo.
NOW = datetime(2024, 3, 5, 19, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def evening(settings, monkeypatch):
    settings.REMINDER_HOUR = 20
    settings.SITE_URL = "https://hundreddays.example"
    clock = {"now": NOW}
    monkeypatch.setattr(send_reminders, "now", lambda: clock["now"])
    return clock


def participant(handle, time_zone="Europe/Madrid", *, start=date(2024, 3, 1), logged=(), **fields):
    """A participant with one round started on ``start`` and entries on ``logged`` dates."""
    fields.setdefault("language", "en")
    person = User.objects.create_user(
        email=f"{handle}@example.com",
        handle=handle,
        display_name=handle.title(),
        time_zone=time_zone,
        **fields,
    )
    round = services.start_round(person, start_date=start, title=f"{handle}'s round")
    for d in logged:
        services.create_entry(round, date=d, progress="Coded.", today=d)
    return person


def run(**options):
    out = StringIO()
    call_command("send_reminders", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def streak(until):
    """Dates from 1 March up to ``until`` (a round that is not broken)."""
    return [date(2024, 3, 1) + timedelta(days=i) for i in range((until - date(2024, 3, 1)).days + 1)]


def test_only_participants_past_the_reminder_hour_in_their_zone_get_one():
    participant("madrid", "Europe/Madrid", logged=streak(date(2024, 3, 4)))
    participant("newyork", "America/New_York", logged=streak(date(2024, 3, 4)))
    participant("tokyo", "Asia/Tokyo", logged=streak(date(2024, 3, 5)))
    run()
    assert recipients() == ["madrid@example.com"]


def test_new_york_gets_theirs_when_its_evening_comes(evening):
    participant("madrid", "Europe/Madrid", logged=streak(date(2024, 3, 4)))
    participant("newyork", "America/New_York", logged=streak(date(2024, 3, 4)))
    run()
    evening["now"] = datetime(2024, 3, 6, 1, 30, tzinfo=UTC)  # 20:30 on 5 March in New York
    run()
    assert recipients() == ["madrid@example.com", "newyork@example.com"]
    assert User.objects.get(handle="newyork").last_reminded_on == date(2024, 3, 5)


def test_the_local_date_is_the_one_checked_across_midnight_utc(evening):
    # 00:30 UTC on 6 March is 20:30 on 5 March in Santiago: the 5th, logged, counts there.
    evening["now"] = datetime(2024, 3, 6, 0, 30, tzinfo=UTC)
    participant("logged", "America/Santiago", logged=streak(date(2024, 3, 5)))
    participant("notyet", "America/Santiago", logged=streak(date(2024, 3, 4)))
    run()
    assert recipients() == ["notyet@example.com"]
    assert User.objects.get(handle="notyet").last_reminded_on == date(2024, 3, 5)


def test_no_reminder_when_today_is_logged_reminders_are_off_or_no_round_is_active():
    participant("logged", logged=streak(date(2024, 3, 5)))
    participant("off", logged=streak(date(2024, 3, 4)), reminders=False)
    participant("inactive", logged=streak(date(2024, 3, 4)), is_active=False)
    participant("future", start=date(2024, 3, 10))
    participant("broken", logged=[date(2024, 3, 1)])  # 2 and 3 March missed: the round is broken
    User.objects.create_user(email="norounds@example.com", handle="norounds", time_zone="Europe/Madrid")
    run()
    assert recipients() == []


def test_a_completed_round_gets_no_reminder():
    person = participant("done", start=date(2024, 3, 1))
    round = person.rounds.get()
    services.update_round(round, target=3)
    for d in streak(date(2024, 3, 3)):
        services.create_entry(round, date=d, progress="Coded.", today=d)
    run()
    assert recipients() == []


def test_the_latest_active_round_decides():
    person = participant("two", logged=streak(date(2024, 3, 5)))
    services.start_round(person, start_date=date(2024, 3, 10), title="Not started yet")
    run()
    assert recipients() == []  # round 2 has not started; round 1 is logged today


def test_no_second_email_the_same_local_day_but_one_the_next(evening):
    participant("madrid", logged=streak(date(2024, 3, 4)))
    run()
    evening["now"] = NOW + timedelta(hours=1)
    run()
    assert len(mail.outbox) == 1
    evening["now"] = NOW + timedelta(days=1)
    run()
    assert len(mail.outbox) == 2


def test_two_runs_at_once_send_one_email(monkeypatch):
    participant("madrid", logged=streak(date(2024, 3, 4)))
    due = list(send_reminders.due_reminders(NOW))
    # Both runs computed the same list before either claimed the day.
    monkeypatch.setattr(send_reminders, "due_reminders", lambda moment: iter(due + due))
    run()
    assert len(mail.outbox) == 1


def test_dry_run_sends_and_writes_nothing():
    participant("madrid", logged=streak(date(2024, 3, 4)))
    out = run(dry_run=True)
    assert "Would remind madrid@example.com (Europe/Madrid, 2024-03-05)" in out
    assert "1 reminder would be sent" in out
    assert mail.outbox == []
    assert User.objects.get(handle="madrid").last_reminded_on is None


def test_the_email_is_in_the_participants_language_with_a_link():
    participant("ana", language="es", logged=streak(date(2024, 3, 4)))
    participant("bob", language="en", logged=streak(date(2024, 3, 4)))
    run()
    by_person = {message.to[0]: message for message in mail.outbox}
    spanish, english = by_person["ana@example.com"], by_person["bob@example.com"]
    assert "5 de marzo de 2024" in spanish.body
    assert "March 5, 2024" in english.body
    assert "https://hundreddays.example/log/?round=1" in english.body
    assert "Day 5" in english.subject and "Bob" in english.body


def test_a_failed_send_gives_the_day_back_and_exits_non_zero(monkeypatch):
    participant("madrid", logged=streak(date(2024, 3, 4)))

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(send_reminders, "send_mail", refuse)
    with pytest.raises(CommandError, match="1 reminder could not be sent"):
        run()
    assert User.objects.get(handle="madrid").last_reminded_on is None


def test_the_output_counts_what_was_sent():
    participant("madrid", logged=streak(date(2024, 3, 4)))
    assert "Sent 1 reminder." in run()
    assert "Sent 0 reminders." in run()


def test_a_reminder_has_a_text_and_an_html_part_in_the_participants_language():
    participant("ana", language="es", logged=streak(date(2024, 3, 4)))
    participant("bob", language="en", logged=streak(date(2024, 3, 4)))
    run()
    for message in mail.outbox:
        (html,) = [content for content, kind in message.alternatives if kind == "text/html"]
        lang = "es" if message.to == ["ana@example.com"] else "en"
        assert f'<html lang="{lang}">' in html
        assert 'href="https://hundreddays.example/log/?round=1"' in html
        assert ("5 de marzo de 2024" if lang == "es" else "March 5, 2024") in html
        assert ("programa cada día" if lang == "es" else "code every day") in html

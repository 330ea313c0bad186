"""manage.py load_demo: a demo participant with a public round, safe to run again."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from journal import clock, rules
from journal.management.commands.load_demo import DEMO_DAYS, DEMO_EMAIL, DEMO_HANDLE
from journal.models import Entry, Link, Round, Tag

pytestmark = pytest.mark.django_db


def load(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "email")),
        "rounds": list(Round.objects.order_by("pk").values_list("pk", "version", "updated_at")),
        "entries": list(Entry.objects.order_by("pk").values_list("pk", "day", "updated_at")),
        "links": Link.objects.count(),
        "tags": Tag.objects.count(),
    }


def test_it_creates_a_demo_participant_with_a_public_round():
    out = load()
    assert DEMO_EMAIL in out
    demo = User.objects.get(email=DEMO_EMAIL)
    assert demo.handle == DEMO_HANDLE
    round = Round.objects.get(user=demo)
    assert round.visibility == Round.Visibility.PUBLIC
    assert round in Round.objects.listed()
    assert round.entries.count() == len(DEMO_DAYS)
    assert Link.objects.filter(entry__round=round).exists()
    assert Tag.objects.filter(entries__round=round).exists()


def test_the_demo_round_has_some_missed_days_and_is_not_broken():
    load()
    round = Round.objects.get(user__email=DEMO_EMAIL)
    dates = list(round.entries.values_list("date", flat=True))
    today = clock.today_for(round.user)
    summary = rules.summarize(dates, round.start_date, round.target, round.rule, today)
    assert summary.missed >= 1
    assert summary.status == rules.ACTIVE
    stored = dict(round.entries.values_list("date", "day"))
    assert stored == rules.day_numbers(dates, round.start_date, round.rule)


def test_the_demo_entries_have_rendered_markdown():
    load()
    assert Entry.objects.filter(progress_html__contains="<strong>").exists()
    assert Entry.objects.filter(progress_html__contains="<code>").exists()


def test_a_second_run_changes_nothing():
    load()
    before = snapshot()
    out = load()
    assert "already exists" in out
    assert snapshot() == before


def test_a_dry_run_writes_nothing():
    out = load("--dry-run")
    assert "Would create" in out
    assert not User.objects.filter(email=DEMO_EMAIL).exists()
    assert not Round.objects.exists()
    assert not Entry.objects.exists()


def test_it_is_quiet_with_verbosity_0():
    out = StringIO()
    call_command("load_demo", verbosity=0, stdout=out)
    assert out.getvalue() == ""
    assert User.objects.filter(email=DEMO_EMAIL).exists()

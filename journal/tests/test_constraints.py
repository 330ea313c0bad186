"""The named constraints hold in the database itself, with forms and services bypassed."""

import re
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from journal.models import Entry, Round

pytestmark = pytest.mark.django_db

S = date(2025, 1, 1)


@pytest.fixture
def round(user):
    return Round.objects.create(user=user, number=1, start_date=S)


def entry(round, d=S, **extra):
    return Entry(round=round, date=d, day=1, progress="Coded.", **extra)


def constraint_names(model):
    return {c.name for c in model._meta.constraints}


# SQLite names a unique constraint by its columns, not by its name.
SQLITE_UNIQUE = {
    "journal_entry_one_per_date": "journal_entry.round_id, journal_entry.date",
    "journal_round_one_number_per_user": "journal_round.user_id, journal_round.number",
}


def refused(constraint):
    """Expect the database to refuse the write, naming ``constraint`` in the error
    (PostgreSQL, as in CI and production; SQLite names unique ones by their columns)."""
    if connection.vendor == "sqlite" and constraint in SQLITE_UNIQUE:
        return pytest.raises(IntegrityError, match=re.escape(SQLITE_UNIQUE[constraint]))
    return pytest.raises(IntegrityError, match=constraint)


def test_the_constraints_have_the_names_the_code_relies_on():
    assert {
        "journal_entry_one_per_date",
        "journal_entry_day_positive",
        "journal_entry_minutes_in_a_day",
    } <= constraint_names(Entry)
    assert {
        "journal_round_one_number_per_user",
        "journal_round_target_1_366",
        "journal_round_number_positive",
        "journal_round_rule_known",
        "journal_round_visibility_known",
    } <= constraint_names(Round)
    assert {"accounts_user_rollover_hour_0_6", "accounts_user_language_known"} <= constraint_names(User)


def test_it_refuses_a_second_entry_for_the_same_round_and_date(round):
    entry(round).save()
    with refused("journal_entry_one_per_date"), transaction.atomic():
        Entry.objects.create(round=round, date=S, day=2, progress="Again.")
    assert Entry.objects.count() == 1


def test_it_refuses_a_double_entry_in_one_bulk_create(round):
    with refused("journal_entry_one_per_date"), transaction.atomic():
        Entry.objects.bulk_create([entry(round), entry(round)])
    assert not Entry.objects.exists()


def test_it_allows_the_same_date_in_two_rounds(round, user):
    other = Round.objects.create(user=user, number=2, start_date=S)
    Entry.objects.bulk_create([entry(round), entry(other)])
    assert Entry.objects.count() == 2


def test_it_refuses_a_second_round_with_the_same_number_for_one_user(round, user):
    with refused("journal_round_one_number_per_user"), transaction.atomic():
        Round.objects.create(user=user, number=1, start_date=S)
    assert Round.objects.count() == 1


def test_it_allows_the_same_round_number_for_two_users(round, other_user):
    Round.objects.create(user=other_user, number=1, start_date=S)
    assert Round.objects.filter(number=1).count() == 2


@pytest.mark.parametrize("target", [0, 367])
def test_it_refuses_a_target_outside_1_to_366(user, target):
    with refused("journal_round_target_1_366"), transaction.atomic():
        Round.objects.create(user=user, number=1, start_date=S, target=target)
    assert not Round.objects.exists()


@pytest.mark.parametrize("target", [1, 366])
def test_it_accepts_a_target_of_1_and_366(user, target):
    assert Round.objects.create(user=user, number=1, start_date=S, target=target).pk


def test_it_refuses_round_number_0(user):
    with refused("journal_round_number_positive"), transaction.atomic():
        Round.objects.create(user=user, number=0, start_date=S)


def test_it_refuses_an_unknown_rule_and_visibility(user):
    with refused("journal_round_rule_known"), transaction.atomic():
        Round.objects.create(user=user, number=1, start_date=S, rule="lunar")
    with refused("journal_round_visibility_known"), transaction.atomic():
        Round.objects.create(user=user, number=1, start_date=S, visibility="secret")


def test_it_refuses_day_0(round):
    with refused("journal_entry_day_positive"), transaction.atomic():
        Entry.objects.bulk_create([Entry(round=round, date=S, day=0, progress="x")])


def test_it_refuses_more_minutes_than_a_day_has(round):
    with refused("journal_entry_minutes_in_a_day"), transaction.atomic():
        entry(round, minutes=1441).save()
    entry(round, minutes=1440).save()
    assert Entry.objects.get().minutes == 1440


def test_it_refuses_rollover_hour_7_on_a_user(user):
    with refused("accounts_user_rollover_hour_0_6"), transaction.atomic():
        User.objects.filter(pk=user.pk).update(rollover_hour=7)
    with refused("accounts_user_rollover_hour_0_6"), transaction.atomic():
        User.objects.create_user(email="late@example.com", handle="late", rollover_hour=7)
    user.refresh_from_db()
    assert user.rollover_hour == 0


def test_it_refuses_an_unknown_language_on_a_user(user):
    with refused("accounts_user_language_known"), transaction.atomic():
        User.objects.filter(pk=user.pk).update(language="fr")


def test_it_refuses_the_same_email_in_another_case(user):
    with refused("accounts_user_email_ci_unique"), transaction.atomic():
        User.objects.create_user(email="ADA@example.com", handle="ada2")

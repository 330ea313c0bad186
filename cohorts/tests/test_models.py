"""The cohort's invariants, held by PostgreSQL itself."""

import pytest
from django.db import IntegrityError, transaction

from cohorts import services
from cohorts.models import Cohort, Membership
from cohorts.tests.factories import make_cohort, member, person
from journal.models import Entry, Round

pytestmark = pytest.mark.django_db


def test_one_membership_per_person_and_cohort(user):
    cohort = make_cohort(user)
    # PostgreSQL names the constraint, SQLite its columns.
    refused = "cohorts_membership_one_per_user|cohorts_membership.cohort_id, cohorts_membership.user_id"
    with pytest.raises(IntegrityError, match=refused), transaction.atomic():
        Membership.objects.create(cohort=cohort, user=user)


def test_an_invite_token_is_long_and_random_or_absent(user):
    cohort = make_cohort(user)
    assert len(cohort.invite_token) >= 43  # 32 random bytes, URL-safe base64
    assert make_cohort(user, name="Another").invite_token != cohort.invite_token
    with pytest.raises(IntegrityError, match="cohorts_cohort_invite_token_unguessable"), transaction.atomic():
        Cohort.objects.filter(pk=cohort.pk).update(invite_token="short")
    Cohort.objects.filter(pk=cohort.pk).update(invite_token=None)


def test_target_rule_language_and_visibility_are_checked(user):
    cohort = make_cohort(user)
    for field, value, name in [
        ("target", 0, "cohorts_cohort_target_1_366"),
        ("target", 367, "cohorts_cohort_target_1_366"),
        ("rule", "weekly", "cohorts_cohort_rule_known"),
        ("language", "fr", "cohorts_cohort_language_known"),
        ("visibility", "secret", "cohorts_cohort_visibility_known"),
    ]:
        with pytest.raises(IntegrityError, match=name), transaction.atomic():
            Cohort.objects.filter(pk=cohort.pk).update(**{field: value})


def test_a_removed_member_shares_no_round(user):
    cohort = make_cohort(user)
    _grace, membership = member(cohort, "grace")
    with (
        pytest.raises(IntegrityError, match="cohorts_membership_removed_shares_nothing"),
        transaction.atomic(),
    ):
        Membership.objects.filter(pk=membership.pk).update(removed_at="2024-01-01T00:00:00Z")


def test_deleting_a_cohort_deletes_no_round_or_entry(user):
    cohort = make_cohort(user, take_part=True)
    _grace, membership = member(cohort, "grace", logged=[cohort.start_date])
    rounds, entries = Round.objects.count(), Entry.objects.count()
    services.delete_cohort(cohort)
    assert not Membership.objects.exists()
    assert (Round.objects.count(), Entry.objects.count()) == (rounds, entries) == (2, 1)


def test_deleting_an_account_removes_its_memberships_and_keeps_the_cohort(user):
    cohort = make_cohort(user)
    grace, _membership = member(cohort, "grace")
    grace.delete()
    assert list(Membership.objects.values_list("user__handle", flat=True)) == ["ada"]
    # The creator leaving the site leaves the cohort to its other organizers.
    other = person("hopper")
    services.join(cohort, other)
    services.add_organizer(cohort, "hopper")
    user.delete()
    cohort.refresh_from_db()
    assert cohort.created_by is None
    assert list(Membership.objects.values_list("user__handle", "role")) == [("hopper", "organizer")]

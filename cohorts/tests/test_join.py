"""The invite link: what it says, who it lets in, and what joining does."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from cohorts import services
from cohorts.models import Membership
from cohorts.tests.factories import make_cohort, person
from journal.models import Round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def cohort(user):
    return make_cohort(user, name="Bootcamp Madrid", description="We code **every** evening.", target=60)


def join_path(cohort):
    return f"/c/{cohort.slug}/join/{cohort.invite_token}/"


def test_the_join_page_says_what_is_shared_before_anything_happens(cohort, other_client):
    page = other_client.get(join_path(cohort)).content.decode()
    assert "What joining shares with the organizers" in page
    assert "current streak" in page and "Your email address" in page
    assert "<strong>every</strong>" in page  # the description, rendered
    assert 'type="checkbox" name="share_entries"' in page
    assert not Membership.objects.filter(user__handle="grace").exists()


def test_the_join_page_speaks_spanish(cohort, other_user, other_client):
    other_user.language = "es"
    other_user.save()
    page = other_client.get(join_path(cohort), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Qué compartes con quienes organizan el grupo al unirte" in page


def test_joining_creates_a_private_round_with_the_cohorts_start_target_and_rule(
    cohort, other_user, other_client
):
    response = other_client.post(join_path(cohort))
    assert response.status_code == 302 and response["Location"] == f"/c/{cohort.slug}/"
    membership = Membership.objects.get(cohort=cohort, user=other_user)
    round = membership.round
    assert (round.user, round.start_date, round.target, round.rule, round.visibility) == (
        other_user,
        cohort.start_date,
        60,
        "official",
        "private",
    )
    assert membership.role == "member" and not membership.share_entries


def test_joining_links_a_round_that_starts_the_same_day(cohort, other_user, other_client):
    own = services.journal_services.start_round(other_user, start_date=cohort.start_date, visibility="public")
    other_client.post(join_path(cohort), {"share_entries": "on"})
    membership = Membership.objects.get(cohort=cohort, user=other_user)
    assert membership.round == own and membership.share_entries
    assert Round.objects.filter(user=other_user).count() == 1


def test_joining_twice_is_one_membership(cohort, other_user, other_client):
    other_client.post(join_path(cohort))
    again = other_client.post(join_path(cohort))
    assert again.status_code == 302
    assert Membership.objects.filter(cohort=cohort, user=other_user).count() == 1
    assert Round.objects.filter(user=other_user).count() == 1
    assert other_client.get(join_path(cohort))["Location"] == f"/c/{cohort.slug}/"


def test_a_visitor_signs_in_and_comes_back_to_the_same_page(cohort, client):
    page = client.get(join_path(cohort)).content.decode()
    assert f"/accounts/login/?next=/c/{cohort.slug}/join/{cohort.invite_token}/" in page
    response = client.post(join_path(cohort))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/c/")
    assert not Membership.objects.exclude(role="organizer").exists()


def test_a_wrong_rotated_or_disabled_token_is_a_404(cohort, other_client):
    old = join_path(cohort)
    assert other_client.get(f"/c/{cohort.slug}/join/{'x' * 43}/").status_code == 404
    services.rotate_invite(cohort)
    assert other_client.get(old).status_code == 404
    assert other_client.post(old).status_code == 404
    assert other_client.get(join_path(cohort)).status_code == 200
    services.disable_invite(cohort)
    assert other_client.post(f"/c/{cohort.slug}/join/None/").status_code == 404
    assert not Membership.objects.filter(user__handle="grace").exists()


def test_an_expired_link_explains_and_lets_nobody_in(cohort, other_client):
    services.set_invite_expiry(cohort, timezone.now() - timedelta(minutes=1))
    response = other_client.post(join_path(cohort))
    assert response.status_code == 410
    assert "This invite link has expired" in response.content.decode()
    assert not Membership.objects.filter(user__handle="grace").exists()


def test_a_removed_member_cannot_come_back_with_the_old_link(cohort, user, other_client, other_user):
    other_client.post(join_path(cohort))
    services.remove(cohort, "grace")
    response = other_client.post(join_path(cohort))
    assert response.status_code == 403
    assert "An organizer removed you" in response.content.decode()
    membership = Membership.objects.get(cohort=cohort, user=other_user)
    assert membership.removed_at is not None and membership.round is None
    # Until an organizer lets them back in.
    services.readmit(cohort, "grace")
    assert other_client.post(join_path(cohort)).status_code == 302


def test_joins_are_rate_limited(cohort, other_client):
    statuses = set()
    for i in range(25):
        services.rotate_invite(cohort) if i % 5 == 0 else None
        newcomer = person(f"student{i}")
        from django.test import Client

        c = Client(REMOTE_ADDR="203.0.113.9")
        c.force_login(newcomer)
        statuses.add(c.post(join_path(cohort)).status_code)
    assert 429 in statuses
    assert Membership.objects.filter(role="member").count() == 10  # 10 a minute from one address


def test_a_member_leaves_and_keeps_the_round(cohort, other_client, other_user):
    other_client.post(join_path(cohort))
    round = Membership.objects.get(user=other_user).round
    assert "Leave" in other_client.get(f"/c/{cohort.slug}/leave/").content.decode()
    assert other_client.post(f"/c/{cohort.slug}/leave/").status_code == 302
    assert not Membership.objects.filter(user=other_user).exists()
    assert Round.objects.filter(pk=round.pk).exists()
    assert other_client.get(f"/c/{cohort.slug}/").status_code == 404


def test_the_only_organizer_cannot_leave(cohort, auth_client):
    auth_client.post(f"/c/{cohort.slug}/leave/")
    assert Membership.objects.filter(cohort=cohort, role="organizer").count() == 1

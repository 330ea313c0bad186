"""The admin's cohort and membership lists: search, and queries that do not grow with the rows."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from cohorts.models import Cohort, Membership
from journal.models import Round

pytestmark = pytest.mark.django_db

S = date(2024, 9, 2)


@pytest.fixture
def admin_client(client, make_user):
    host = make_user("host@example.com", handle="host", is_staff=True, is_superuser=True)
    client.force_login(host)
    return client


def add_rows(first, count):
    """``count`` cohorts, each created by its own organizer with one member and their round."""
    people = User.objects.bulk_create(
        [User(email=f"o{i}@example.com", handle=f"o{i}") for i in range(first, first + count)]
        + [User(email=f"m{i}@example.com", handle=f"m{i}") for i in range(first, first + count)]
    )
    organizers, members = people[:count], people[count:]
    cohorts = Cohort.objects.bulk_create(
        [
            Cohort(name=f"Class {i}", slug=f"class-{i}", start_date=S, created_by=o)
            for i, o in zip(range(first, first + count), organizers, strict=True)
        ]
    )
    rounds = Round.objects.bulk_create([Round(user=m, number=1, title="R1", start_date=S) for m in members])
    Membership.objects.bulk_create(
        [Membership(cohort=c, user=o, role="organizer") for c, o in zip(cohorts, organizers, strict=True)]
        + [Membership(cohort=c, user=m, round=r) for c, m, r in zip(cohorts, members, rounds, strict=True)]
    )


def queries_for(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("name", ["admin:cohorts_cohort_changelist", "admin:cohorts_membership_changelist"])
def test_a_changelist_uses_the_same_number_of_queries_for_5_and_50_cohorts(admin_client, name):
    url = reverse(name)
    add_rows(0, 5)
    admin_client.get(url)  # warm up per-process caches
    with_5, response = queries_for(admin_client, url)
    assert response.context["cl"].result_count >= 5
    add_rows(5, 45)
    with_50, response = queries_for(admin_client, url)
    assert len(response.context["cl"].result_list) >= 50
    assert with_50 == with_5


def test_the_cohort_list_counts_members_and_shows_the_invite_link_state(admin_client):
    add_rows(0, 2)
    Cohort.objects.filter(slug="class-1").update(invite_token=None)
    response = admin_client.get(reverse("admin:cohorts_cohort_changelist"))
    assert {c._members for c in response.context["cl"].result_list} == {2}
    assert {c.slug: bool(c.invite_token) for c in response.context["cl"].result_list} == {
        "class-0": True,
        "class-1": False,
    }


def test_it_searches_cohorts_and_memberships(admin_client):
    add_rows(0, 12)
    cohorts = admin_client.get(reverse("admin:cohorts_cohort_changelist"), {"q": "o11@example.com"})
    assert [c.name for c in cohorts.context["cl"].result_list] == ["Class 11"]
    members = admin_client.get(reverse("admin:cohorts_membership_changelist"), {"q": "m7"})
    assert [m.user.handle for m in members.context["cl"].result_list] == ["m7"]
    by_cohort = admin_client.get(reverse("admin:cohorts_membership_changelist"), {"q": "class-3"})
    assert sorted(m.user.handle for m in by_cohort.context["cl"].result_list) == ["m3", "o3"]


def test_a_cohort_opens_with_its_members_inline(admin_client):
    add_rows(0, 1)
    cohort = Cohort.objects.get()
    page = admin_client.get(reverse("admin:cohorts_cohort_change", args=[cohort.pk])).content.decode()
    assert "Class 0" in page and "memberships-TOTAL_FORMS" in page

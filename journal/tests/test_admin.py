"""The admin for hosts: changelists that do not grow with the rows, search, drill-down, inlines."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from journal import services
from journal.models import Entry, Round, Tag

pytestmark = pytest.mark.django_db

S = date(2024, 3, 1)

CHANGELISTS = [
    "admin:journal_round_changelist",
    "admin:journal_entry_changelist",
    "admin:journal_tag_changelist",
    "admin:accounts_user_changelist",
]


@pytest.fixture
def admin_client(client, make_user):
    host = make_user("host@example.com", handle="host", is_staff=True, is_superuser=True)
    client.force_login(host)
    return client


def add_rows(first, count):
    """``count`` participants, each with a round, an entry and a tag of their own (rows first..)."""
    users = [
        User(email=f"p{i}@example.com", handle=f"p{i}", display_name=f"P{i}")
        for i in range(first, first + count)
    ]
    User.objects.bulk_create(users)
    users = list(User.objects.filter(handle__in=[u.handle for u in users]))
    rounds = Round.objects.bulk_create(
        [Round(user=u, number=1, title=f"Round of {u.handle}", start_date=S) for u in users]
    )
    entries = Entry.objects.bulk_create(
        [
            Entry(round=r, date=S + timedelta(days=i % 20), day=1, progress="Coded.", minutes=30)
            for i, r in enumerate(rounds)
        ]
    )
    tags = Tag.objects.bulk_create([Tag(name=f"tag{i}") for i in range(first, first + count)])
    Entry.tags.through.objects.bulk_create(
        [Entry.tags.through(entry=e, tag=t) for e, t in zip(entries, tags, strict=True)]
    )


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("name", CHANGELISTS)
def test_a_changelist_uses_the_same_number_of_queries_for_5_and_50_rows(admin_client, name):
    url = reverse(name)
    add_rows(0, 5)
    admin_client.get(url)  # warm up per-process caches (content types, ...)
    with_5, response = queries_for(admin_client, url)
    assert response.context["cl"].result_count >= 5
    add_rows(5, 45)
    with_50, response = queries_for(admin_client, url)
    assert response.context["cl"].result_count >= 50
    assert len(response.context["cl"].result_list) >= 50
    assert with_50 == with_5


def test_the_round_changelist_shows_owner_and_entry_count(admin_client):
    add_rows(0, 2)
    response = admin_client.get(reverse("admin:journal_round_changelist"))
    assert b"p0@example.com" in response.content
    assert {r.entry_count for r in response.context["cl"].result_list} == {1}


def result_titles(response):
    return sorted(str(obj) for obj in response.context["cl"].result_list)


def test_it_searches_rounds_by_title_and_owner(admin_client):
    add_rows(0, 12)
    url = reverse("admin:journal_round_changelist")
    assert result_titles(admin_client.get(url, {"q": "Round of p11"})) == ["R1 · Round of p11"]
    assert result_titles(admin_client.get(url, {"q": "p3@example.com"})) == ["R1 · Round of p3"]


def test_it_searches_entries_by_text_and_owner(admin_client, user):
    round = services.start_round(user, start_date=S)
    services.create_entry(round, date=S, progress="Learned about *decorators*.", today=S)
    services.create_entry(
        round, date=S + timedelta(days=1), progress="Closures.", today=S + timedelta(days=1)
    )
    add_rows(0, 3)
    url = reverse("admin:journal_entry_changelist")
    found = admin_client.get(url, {"q": "decorators"}).context["cl"].result_list
    assert [e.date for e in found] == [S]
    assert admin_client.get(url, {"q": "ada@example.com"}).context["cl"].result_count == 2


def test_it_searches_tags_and_users(admin_client):
    add_rows(0, 12)
    tags = admin_client.get(reverse("admin:journal_tag_changelist"), {"q": "tag11"})
    assert [t.name for t in tags.context["cl"].result_list] == ["tag11"]
    users = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "p7@"})
    assert [u.email for u in users.context["cl"].result_list] == ["p7@example.com"]


def test_it_drills_entries_down_by_date(admin_client, user):
    round = services.start_round(user, start_date=date(2024, 12, 30))
    for d in (date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1)):
        services.create_entry(round, date=d, progress="Coded.", today=date(2025, 1, 1))
    url = reverse("admin:journal_entry_changelist")
    assert admin_client.get(url, {"date__year": 2024}).context["cl"].result_count == 2
    assert admin_client.get(url, {"date__year": 2025}).context["cl"].result_count == 1
    month = admin_client.get(url, {"date__year": 2024, "date__month": 12, "date__day": 31})
    assert [e.date for e in month.context["cl"].result_list] == [date(2024, 12, 31)]


def test_it_drills_rounds_and_users_down_by_date(admin_client):
    add_rows(0, 3)
    rounds = admin_client.get(reverse("admin:journal_round_changelist"), {"start_date__year": 2024})
    assert rounds.context["cl"].result_count == 3
    assert (
        admin_client.get(reverse("admin:journal_round_changelist"), {"start_date__year": 2023})
        .context["cl"]
        .result_count
        == 0
    )
    users_url = reverse("admin:accounts_user_changelist")
    joined = admin_client.get(users_url, {"date_joined__year": timezone.now().year})
    assert joined.context["cl"].result_count == 4  # the host and three participants
    assert admin_client.get(users_url, {"date_joined__year": 1999}).context["cl"].result_count == 0


def test_the_round_change_page_shows_its_entries_inline(admin_client, user):
    round = services.start_round(user, start_date=S)
    for i, title in enumerate(["First steps", "Second wind"]):
        services.create_entry(
            round, date=S + timedelta(days=i), title=title, progress="x", today=S + timedelta(days=1)
        )
    response = admin_client.get(reverse("admin:journal_round_change", args=[round.pk]))
    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    assert [form.original.title for form in inline if form.original] == ["First steps", "Second wind"]
    assert b"First steps" in response.content
    assert b'name="entries-TOTAL_FORMS" value="2"' in response.content


def test_the_admin_is_closed_to_a_participant(auth_client):
    response = auth_client.get(reverse("admin:journal_round_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- writes through the admin keep the rules --------------------------------


@pytest.fixture
def staff_client(client, make_user):
    staff = make_user("staff@example.com", handle="staff", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_adding_an_entry_in_the_admin_numbers_it(staff_client, user):
    from journal.clock import today_for
    from journal.models import Entry
    from journal.tests.factories import log, make_round

    round = make_round(user, days_ago=5)
    log(round, 5, 1)
    backfill = today_for(user) - timedelta(days=3)
    response = staff_client.post(
        "/admin/journal/entry/add/",
        {
            "round": round.pk,
            "date": backfill.isoformat(),
            "progress": "Added by the host",
            "links-TOTAL_FORMS": 0,
            "links-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Entry.objects.order_by("date").values_list("day", flat=True)) == [1, 2, 3]


def test_the_admin_refuses_a_future_date(staff_client, user):
    from journal.models import Entry
    from journal.tests.factories import log, make_round

    round = make_round(user, days_ago=5)
    entry = log(round, 2)
    response = staff_client.post(
        f"/admin/journal/entry/{entry.pk}/change/",
        {
            "round": round.pk,
            "date": "2099-01-02",
            "progress": "x",
            "links-TOTAL_FORMS": 0,
            "links-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "hasn&#x27;t happened yet" in response.content.decode()
    assert Entry.objects.get().date == entry.date


def test_the_admin_refuses_costly_markdown_with_a_message(staff_client, user):
    from journal.models import Entry
    from journal.tests.factories import log, make_round

    round = make_round(user, days_ago=5)
    entry = log(round, 2, progress="Before.")
    response = staff_client.post(
        f"/admin/journal/entry/{entry.pk}/change/",
        {
            "round": round.pk,
            "date": entry.date.isoformat(),
            "progress": "- " * 3_000 + "deep",
            "links-TOTAL_FORMS": 0,
            "links-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "nested more than 50 levels deep" in response.content.decode()
    assert Entry.objects.get().progress == "Before."

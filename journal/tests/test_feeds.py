"""Atom feeds of a round and of a participant: valid, absolute, public only."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from journal import clock, services
from journal.models import Entry, Round
from journal.tests import budget
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root):
    return root.findall(f"{ATOM}entry")


def iso(text):
    return datetime.fromisoformat(text)


@pytest.fixture
def round(user):
    round = make_round(user, days_ago=5, title="Learning Django")
    log(
        round,
        5,
        progress="Set up **Django**.",
        title="Setup",
        thoughts="Hard start.",
        tags=["django", "setup"],
    )
    log(round, 3, progress="First line of the day\nsecond line")
    return round


def test_the_round_feed_is_valid_atom_with_absolute_links_and_dates(client, round):
    root = parse(client.get("/@ada/r1/feed/"))
    site = settings.SITE_URL
    assert root.findtext(f"{ATOM}title") == "Learning Django · Ada"
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == f"{site}/@ada/r1/"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{site}/@ada/r1/feed/"
    assert iso(root.findtext(f"{ATOM}updated")).tzinfo is not None
    items = entries(root)
    assert len(items) == 2
    newest, oldest = items
    assert oldest.findtext(f"{ATOM}title") == "Day 1: Setup"
    assert newest.findtext(f"{ATOM}title") == "Day 2: First line of the day"
    day1 = round.start_date.isoformat()
    assert oldest.find(f"{ATOM}link").get("href") == f"{site}/@ada/r1/{day1}/"
    assert oldest.findtext(f"{ATOM}id") == f"{site}/@ada/r1/{day1}/"
    summary = oldest.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert "<strong>Django</strong>" in summary.text and "Hard start." in summary.text
    assert oldest.findtext(f"{ATOM}author/{ATOM}name") == "Ada"
    published, updated = iso(oldest.findtext(f"{ATOM}published")), iso(oldest.findtext(f"{ATOM}updated"))
    assert published.tzinfo is not None and updated >= published
    assert {c.get("term") for c in oldest.findall(f"{ATOM}category")} == {"django", "setup"}


def test_the_round_feed_keeps_the_latest_fifty_entries(client, user):
    round = make_round(user, days_ago=70)
    log(round, *range(60, 0, -1))
    items = entries(parse(client.get("/@ada/r1/feed/")))
    assert len(items) == 50
    assert items[0].findtext(f"{ATOM}title").startswith("Day 60:")


def test_a_private_round_has_no_feed_even_for_its_owner(auth_client, other_client, user):
    make_round(user, visibility="private")
    assert auth_client.get("/@ada/r1/feed/").status_code == 404
    assert other_client.get("/@ada/r1/feed/").status_code == 404
    assert Client().get("/@ada/r1/feed/").status_code == 404


def test_an_unlisted_round_feed_opens_by_its_url(client, user):
    round = make_round(user, visibility="unlisted")
    log(round, 1)
    assert len(entries(parse(client.get("/@ada/r1/feed/")))) == 1


def test_the_participant_feed_carries_public_rounds_only(client, user, round):
    unlisted = make_round(user, visibility="unlisted")
    log(unlisted, 1, title="Unlisted day")
    private = make_round(user, visibility="private")
    log(private, 1, title="Private day")
    root = parse(client.get("/@ada/feed/"))
    titles = [e.findtext(f"{ATOM}title") for e in entries(root)]
    assert titles == ["Day 2: First line of the day", "Day 1: Setup"]
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == f"{settings.SITE_URL}/@ada/"


def test_the_participant_feed_of_an_unknown_or_inactive_handle_is_404(client, user, other_user):
    assert client.get("/@nobody/feed/").status_code == 404
    other_user.is_active = False
    other_user.save()
    assert client.get("/@grace/feed/").status_code == 404


def test_a_participant_without_public_rounds_has_an_empty_feed(auth_client, user):
    make_round(user, visibility="private")
    assert entries(parse(auth_client.get("/@ada/feed/"))) == []


def test_feeds_refuse_post(client, round):
    assert client.post("/@ada/r1/feed/").status_code == 405
    assert client.post("/@ada/feed/").status_code == 405


def test_the_feed_is_in_the_participants_language(client, user, round):
    user.language = "es"
    user.save()
    root = parse(client.get("/@ada/r1/feed/", HTTP_ACCEPT_LANGUAGE="en"))
    # The item titles ("Day N: …") follow once the Spanish catalogue translates them.
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"


def test_the_round_feed_revalidates_and_changes_on_every_write(client, round, redis_cache):
    first = client.get("/@ada/r1/feed/")
    etag = first["ETag"]
    assert first["Last-Modified"]
    assert "max-age=300" in first["Cache-Control"]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/@ada/r1/feed/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(ctx.captured_queries) == 0  # the kept feed's validators
    services.update_entry(Entry.objects.filter(round=round).first(), title="Renamed")
    changed = client.get("/@ada/r1/feed/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_participant_feed_revalidates_and_changes_when_a_round_goes_private(client, user, round):
    etag = client.get("/@ada/feed/")["ETag"]
    assert client.get("/@ada/feed/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.update_round(Round.objects.get(pk=round.pk), visibility="private")
    changed = client.get("/@ada/feed/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert entries(parse(changed)) == []


@pytest.mark.parametrize("size", [5, 100])
def test_the_feed_budget(user, size):
    round = make_round(user, days_ago=size + 5)
    today = clock.today_for(user)
    for i in range(size):
        Entry.objects.create(round=round, date=today - timedelta(days=size - i), day=i + 1, progress="x")
    # Round feed: the round with its owner and dates (the figures in the subtitle), the entries
    # with their tags. Participant feed: the person with a fingerprint of their public rounds,
    # the entries with their rounds and tags.
    for path, cost in (("/@ada/r1/feed/", 2), ("/@ada/feed/", 2)):
        assert budget.build_cost(Client(), path) == cost, path
        assert budget.hit_cost(Client(), path) == 0, path  # kept (Redis)

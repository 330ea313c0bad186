"""The README badge: an SVG of the day grid and "N/T", cheap to revalidate, never for private rounds."""

import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from journal import clock, pagecache, services
from journal.models import Entry
from journal.tests import budget
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
PATH = "/@ada/r1/badge.svg"


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    return ET.fromstring(response.content)


def cells(root):
    """The day cells: every rect but the background."""
    return root.findall(f"{SVG}rect")[1:]


@pytest.fixture
def round(user):
    round = make_round(user, days_ago=5, title="Learning Django")
    log(round, 5, 4, 2, 1)  # 3 days ago is missed; today is not logged yet
    return round


def test_the_badge_draws_the_grid_and_the_count(client, round):
    root = parse(client.get(PATH))
    assert int(root.get("width")) <= 420
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "4/100" in texts
    assert "Learning Django" in texts
    title = root.find(f"{SVG}title").text
    assert title.startswith("Learning Django: 4 of 100 days logged, 1 missed")
    assert root.get("role") == "img"
    grid = cells(root)
    # One cell per day from the start to the projected finish: 4 logged, 1 missed, today, 95 to come.
    assert len(grid) == 101
    fills = [c.get("fill") for c in grid]
    assert fills[:7] == ["#1a7f37", "#1a7f37", "#ffebe9", "#1a7f37", "#1a7f37", "#ffffff", "#eaeef2"]
    # A missed day is crossed out, not only coloured.
    assert len(root.findall(f"{SVG}path")) == 1
    # 20 columns.
    assert len({c.get("x") for c in grid}) == 20


def test_a_long_title_is_cut_before_the_count(client, user):
    make_round(user, title="A very long title for a round that goes on and on and on")
    texts = [t.text for t in parse(client.get(PATH)).iter(f"{SVG}text")]
    assert texts[0].endswith("…") and len(texts[0]) < 40


def test_the_badge_is_cacheable_and_revalidates_without_sql(client, round, redis_cache):
    first = client.get(PATH)
    assert first["Cache-Control"] == "public, max-age=300"
    assert first["Last-Modified"]
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(PATH, HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 304
    assert second["ETag"] == etag
    assert second.content == b""
    assert len(ctx.captured_queries) == 0  # the kept badge's validators


def test_an_edit_changes_the_etag(client, round):
    etag = client.get(PATH)["ETag"]
    services.update_entry(Entry.objects.filter(round=round).first(), progress="Edited.")
    response = client.get(PATH, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_the_etag_changes_with_the_date(client, round, monkeypatch):
    etag = client.get(PATH)["ETag"]
    tomorrow = clock.today_for(round.user) + timedelta(days=1)
    # The owner's midnight has passed: the kept badge has expired and is drawn again.
    later = time.time() + 25 * 3600
    monkeypatch.setattr(pagecache, "time", SimpleNamespace(time=lambda: later))
    monkeypatch.setattr("journal.views.badge.today_for", lambda user: tomorrow)
    response = client.get(PATH, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_private_round_has_no_badge_even_for_its_owner(auth_client, other_client, user):
    make_round(user, visibility="private")
    assert auth_client.get(PATH).status_code == 404
    assert other_client.get(PATH).status_code == 404
    assert Client().get(PATH).status_code == 404


def test_an_unlisted_round_has_a_badge(client, user):
    make_round(user, visibility="unlisted")
    parse(client.get(PATH))


def test_a_completed_round_shows_its_count_in_green(client, user):
    round = make_round(user, days_ago=3, target=3)
    log(round, 3, 2, 1)
    root = parse(client.get(PATH))
    count = [t for t in root.iter(f"{SVG}text") if t.text == "completed 3/3"][0]
    assert count.get("fill") == "#1a7f37"


def test_the_badge_refuses_post(client, round):
    assert client.post(PATH).status_code == 405


@pytest.mark.parametrize("size", [5, 100])
def test_the_badge_budget(user, size):
    round = make_round(user, days_ago=size + 5)
    Entry.objects.bulk_create(
        Entry(
            round=round, date=round.start_date + timedelta(days=i), day=i + 1, progress="x", progress_html="x"
        )
        for i in range(size)
    )
    # Built: one statement (the round with its owner and its dates). Kept (Redis): nothing.
    assert budget.build_cost(Client(), PATH) == 1
    assert budget.hit_cost(Client(), PATH) == 0

"""A round's stats page: minutes per day, tags and weekdays as inline SVG with text alternatives."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from journal.models import Entry, Round, Tag
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
PATH = "/@ada/r1/stats/"


def charts(page):
    """Each inline chart <svg>, parsed as XML (so it must be well-formed)."""
    return [
        ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))
        for svg in re.findall(r"<svg .*?</svg>", page, flags=re.S)
        if 'class="chart"' in svg.split(">", 1)[0]
    ]


def tag_bars(page):
    """(label, value) of each row of the tags' bar list."""
    return re.findall(
        r'<span class="hbar-label">([^<]*)</span><svg class="hbar"[^>]*>.*?</svg><span class="hbar-value">([^<]*)</span>',
        page,
        flags=re.S,
    )


@pytest.fixture
def round(user):
    round = make_round(user, days_ago=10)
    log(round, 9, minutes=60, tags=["python", "django"])
    log(round, 8, minutes=90, tags=["django"])
    log(round, 7, tags=["django"])  # no minutes recorded
    return round


def test_the_stats_page_draws_three_labelled_charts(client, round):
    response = client.get(PATH)
    assert response.status_code == 200
    page = response.content.decode()
    minutes, weekdays = charts(page)
    for chart in (minutes, weekdays):
        assert chart.get("role") == "img"
        ids = chart.get("aria-labelledby").split()
        assert chart.find(f"{SVG}title").get("id") == ids[0]
        assert chart.find(f"{SVG}desc").get("id") == ids[1]
    assert minutes.find(f"{SVG}title").text == "Minutes coded per day"
    assert len(minutes.findall(f"{SVG}rect")) == 3
    assert "150 minutes over 2 days; at most 90 minutes in a day." == minutes.find(f"{SVG}desc").text
    assert tag_bars(page) == [("#django", "3"), ("#python", "1")]
    assert (
        '<figcaption id="tags-title" class="visually-hidden">Tags. 2 tags; the most used is #django.</figcaption>'
        in page
    )
    weekday_texts = [t.text for t in weekdays.iter(f"{SVG}text")]
    assert {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} <= set(weekday_texts)
    assert len(weekdays.findall(f"{SVG}rect")) == 7


def test_the_stats_page_has_tables_and_a_text_summary(client, round):
    page = client.get(PATH).content.decode()
    assert "3 days logged. 150 minutes coded, 75 minutes on average" in page
    assert "The most used tag is #django." in page
    assert page.count("<table>") == 3
    assert "<td>—</td>" in page  # the day without minutes


def test_chart_coordinates_are_never_localized(client, round):
    page = client.get(PATH, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    for chart in charts(page):
        for element in chart.iter():
            for name in ("x", "y", "width", "height"):
                value = element.get(name)
                if value is not None:
                    float(value)  # "12,5" would raise


def test_an_empty_round_says_there_is_nothing_yet(client, user):
    make_round(user)
    page = client.get(PATH).content.decode()
    assert "No minutes recorded yet." in page and "No tags yet." in page and "<svg" not in page


def test_stats_follow_the_journal_visibility(auth_client, other_client, user):
    make_round(user, visibility="private")
    assert auth_client.get(PATH).status_code == 200
    assert other_client.get(PATH).status_code == 404
    assert Client().get(PATH).status_code == 404
    Round.objects.filter(user=user).update(visibility="unlisted")
    assert Client().get(PATH).status_code == 200


def test_stats_refuse_post(client, round):
    assert client.post(PATH).status_code == 405


@pytest.mark.parametrize("size", [5, 100])
def test_the_stats_budget(user, size):
    round = make_round(user, days_ago=size + 5)
    tag = Tag.objects.create(name="python")
    entries = Entry.objects.bulk_create(
        Entry(
            round=round,
            date=round.start_date + timedelta(days=i),
            day=i + 1,
            progress="x",
            progress_html="x",
            minutes=30,
        )
        for i in range(size)
    )
    Entry.tags.through.objects.bulk_create(Entry.tags.through(entry=e, tag=tag) for e in entries)
    # Anonymous: round+owner, entries' dates and minutes, tag counts. Signed in: + session, user.
    with CaptureQueriesContext(connection) as ctx:
        assert Client().get(PATH).status_code == 200
    assert len(ctx.captured_queries) == 3
    owner = Client()
    owner.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert owner.get(PATH).status_code == 200
    assert len(ctx.captured_queries) == 5


def test_a_chart_scales_to_its_column_and_one_day_is_not_one_wide_block(client, user):
    round = make_round(user, days_ago=3)
    log(round, 1, minutes=45, tags=["rust"])
    page = client.get(PATH).content.decode()
    (minutes, weekdays) = charts(page)
    for chart in (minutes, weekdays):
        assert chart.get("width") is None and chart.get("height") is None  # sized by CSS: 100% of the column
    assert 'class="chart-scroll"' not in page
    (bar,) = minutes.findall(f"{SVG}rect")
    plot = 720 - 56 - 8
    assert float(bar.get("width")) <= plot / 20

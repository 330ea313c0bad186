"""The year heatmap on a profile: every round the page shows, a text per day, a table fallback."""

import re
from datetime import date, timedelta

import pytest
from django.utils.formats import date_format

from journal import heatmap
from journal.clock import today_for
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


def test_a_year_of_squares_ends_today_and_each_says_what_it_holds():
    today = date(2024, 3, 6)  # a Wednesday
    hm = heatmap.build(
        [(date(2024, 3, 4), 60), (date(2024, 3, 5), None), (date(2024, 3, 5), 0), (date(2023, 1, 1), 30)],
        today,
    )
    assert hm.logged == 2  # the day of 2023 is more than a year ago
    assert len(hm.wide.cells) == 52 * 7 + 3  # Monday to Wednesday of this week
    assert len(hm.narrow.cells) == 16 * 7 + 3
    by_text = {c.text: c.level for c in hm.wide.cells[-3:]}
    assert by_text == {
        "March 4, 2024: logged, 60 minutes": 2,
        "March 5, 2024: logged": 1,
        "March 6, 2024: nothing logged": 0,
    }
    assert [m["days"] for m in hm.months] == [2]
    assert hm.description == "2 days logged in the last 12 months, across all rounds."


def test_levels_follow_the_minutes():
    assert [heatmap.level(m) for m in (None, 10, 45, 89, 90, 300)] == [1, 1, 2, 2, 3, 3]


def test_the_profile_draws_the_heatmap_of_its_public_rounds_only(client, user):
    first = make_round(user, days_ago=40, visibility="public")
    log(first, 40, 39, minutes=90)
    second = make_round(user, days_ago=5, visibility="public")
    log(second, 3, minutes=20)
    secret = make_round(user, days_ago=2, visibility="private")
    log(secret, 1)
    page = client.get("/@ada/").content.decode()
    assert page.count('role="img" aria-labelledby="heatmap-title heatmap-desc"') == 2
    assert "3 days logged in the last 12 months, across all rounds." in page
    yesterday = date_format(today_for(user) - timedelta(days=1))  # the private round's day
    assert re.findall(rf"<title>{re.escape(yesterday)}: ([^<]*)</title>", page) == ["nothing logged"] * 2
    assert "The last year as a table" in page
    assert re.search(r"<td>\d+</td><td>\d+</td></tr>", page)


def test_the_heatmap_speaks_spanish(client, user):
    round = make_round(user, days_ago=3)
    log(round, 2, minutes=30)
    page = client.get("/@ada/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Días registrados en el último año" in page
    assert "registrado, 30 minutos" in page

"""Characters XML 1.0 forbids: stripped wherever text comes in, and never written into a feed or badge.

A title like ``bell\\x07`` used to make both Atom feeds answer 500 to everyone and the badge
invalid XML. The writers now drop what XML cannot hold, whatever is stored (checked by storing
the text past every form, with the ORM and with SQL), and the forms, the admin and the import
strip it before it is stored.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from hundreddays import textsafety
from journal import clock, importing, services
from journal.logs import parse_upload
from journal.models import Entry, Link, Round
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

# What people paste without seeing it: a bell, an ANSI colour from a terminal, a form feed,
# a vertical tab, U+FFFE; and a tab, which XML allows and is kept.
HOSTILE = "bell\x07 \x1b[31mred\x1b[0m\x0cpage\x0bline\ufffe\ttab"
CLEANED = "bell [31mred[0mpageline\ttab"


def test_clean_drops_exactly_what_xml_forbids():
    assert textsafety.clean(HOSTILE) == CLEANED
    assert textsafety.clean("\x00\ud800\udfff\uffffok\n\r\t\x85é😀") == "ok\n\r\t\x85é😀"
    assert textsafety.clean(None) is None and textsafety.clean(7) == 7
    for code in range(0x20):
        assert (textsafety.clean(chr(code)) == chr(code)) == (chr(code) in "\t\n\r")


@pytest.fixture
def public_round(user):
    round = make_round(user, days_ago=3, title="Clean title")
    log(round, 1, title="Clean day", progress="Worked.", tags=["python"], links=[])
    return round


def _store_hostile_text_past_every_form(round):
    """What a bug or an old row could leave: written with the ORM and with SQL, no form involved."""
    user = round.user
    type(user).objects.filter(pk=user.pk).update(display_name="Ada\x07\x1b")
    Round.objects.filter(pk=round.pk).update(title=HOSTILE, description_html="<p>desc\x08</p>")
    entry = round.entries.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE journal_entry SET title = %s, progress_html = %s, thoughts_html = %s WHERE id = %s",
            [HOSTILE, "<p>progress\x07\x1b</p>", "<p>thoughts\x0c</p>", entry.pk],
        )
    entry.tags.create(name="tag\x07")
    services.bump(Round.objects.get(pk=round.pk))


def _parse_xml(response):
    assert response.status_code == 200, response.status_code
    return ET.fromstring(response.content)  # expat refuses any character XML forbids


def test_the_feeds_and_the_badge_stay_well_formed_xml_whatever_is_stored(public_round):
    _store_hostile_text_past_every_form(public_round)
    client = Client()
    for path in ("/@ada/r1/feed/", "/@ada/feed/"):
        root = _parse_xml(client.get(path))
        text = ET.tostring(root, encoding="unicode")
        assert "bell" in text and "\x07" not in text and "\x1b" not in text
    badge = _parse_xml(client.get("/@ada/r1/badge.svg"))
    assert badge.tag == "{http://www.w3.org/2000/svg}svg"
    assert "bell" in badge.findtext("{http://www.w3.org/2000/svg}title")


def test_the_round_feed_title_keeps_its_visible_text(public_round):
    Round.objects.filter(pk=public_round.pk).update(title="bell\x07")
    services.bump(Round.objects.get(pk=public_round.pk))
    root = _parse_xml(Client().get("/@ada/r1/feed/"))
    assert root.findtext("{http://www.w3.org/2005/Atom}title") == "bell · Ada"


# --- Stripped on the way in ---------------------------------------------------------------


def test_the_entry_form_strips_them(auth_client, user):
    round = make_round(user, days_ago=3)
    day = (clock.today_for(user) - timedelta(days=1)).isoformat()
    response = auth_client.post(
        "/log/",
        {
            "round": round.number,
            "date": day,
            "title": HOSTILE,
            "progress": "Fixed\x00 the \x07bug",
            "thoughts": "calm\x1b",
            "links": "Label\x07 https://example.com/x",
            "tags": "py\x07thon",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = Entry.objects.get()
    assert (entry.title, entry.progress, entry.thoughts) == (
        CLEANED,
        "Fixed the bug",
        "calm",
    )
    assert Link.objects.get().label == "Label"
    assert [t.name for t in entry.tags.all()] == ["python"]


def test_the_round_and_profile_forms_strip_them(auth_client, user):
    response = auth_client.post(
        "/rounds/new/",
        {
            "title": "My\x07 round",
            "start_date": clock.today_for(user).isoformat(),
            "target": 100,
            "rule": "official",
            "visibility": "public",
            "description": "About\x0c it",
        },
    )
    assert response.status_code == 302
    round = Round.objects.get()
    assert (round.title, round.description) == ("My round", "About it")
    response = auth_client.post(
        "/account/",
        {
            "display_name": "Ada\x1b Lovelace\x00",
            "handle": "ada",
            "time_zone": "UTC",
            "rollover_hour": 0,
            "language": "en",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Ada Lovelace"


def test_the_admin_strips_them_but_leaves_passwords_alone(client, make_user, user):
    host = make_user("host@example.com", handle="host", is_staff=True, is_superuser=True)
    client.force_login(host)
    round = make_round(user, days_ago=3, title="Before")
    data = {
        "user": user.pk,
        "number": 1,
        "title": "Admin\x07 title",
        "start_date": round.start_date.isoformat(),
        "target": 100,
        "rule": "official",
        "visibility": "public",
        "description": "desc\x00",
        "entries-TOTAL_FORMS": 0,
        "entries-INITIAL_FORMS": 0,
        "entries-MIN_NUM_FORMS": 0,
        "entries-MAX_NUM_FORMS": 1000,
    }
    response = client.post(f"/admin/journal/round/{round.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    round.refresh_from_db()
    assert (round.title, round.description) == ("Admin title", "desc")

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "password1": "pass\x07word-long-enough",
            "password2": "pass\x07word-long-enough",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    new = type(user).objects.get(email="new@example.com")
    assert new.check_password("pass\x07word-long-enough")


def test_the_import_strips_them(user):
    text = (
        "# Log\x07\n\n### Day 1: March 4, 2024\n\n"
        "**Today's Progress**: Wrote\x1b[1m code\x0c\n\n**Thoughts:** fine\x08\n"
    )
    result = importing.apply_import(user, parse_upload(text.encode(), "log.md"))
    assert result is not None
    entry = Entry.objects.get()
    assert "\x1b" not in entry.progress and "Wrote[1m code" in entry.progress
    assert entry.thoughts == "fine"
    assert textsafety.is_clean(Round.objects.get().title)

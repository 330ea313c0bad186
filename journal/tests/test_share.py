"""Share links and the text they carry: "Day N/T of #100DaysOfCode: <title> <permalink>"."""

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from journal import share
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


def text_of(link):
    return parse_qs(urlsplit(link.url).query)["text"][0]


@pytest.fixture
def round(user):
    return make_round(user, days_ago=3, title="Learning Django")


def test_the_share_text_names_the_day_the_title_and_the_permalink(round):
    entry = log(round, 2, title="Models & migrations")
    entry.round = round
    permalink = f"{settings.SITE_URL}/@ada/r1/{entry.date.isoformat()}/"
    assert share.share_text(entry, round) == f"Day 1/100 of #100DaysOfCode: Models & migrations {permalink}"


def test_without_a_title_the_share_text_uses_the_first_line_of_progress(round):
    entry = log(round, 2, progress="**Refactored** the views " + "and more " * 20 + "\nSecond line")
    entry.round = round
    text = share.share_text(entry, round)
    headline = text.removeprefix("Day 1/100 of #100DaysOfCode: ").rsplit(" ", 1)[0]
    assert headline.startswith("Refactored the views and more")
    assert headline.endswith("…") and len(headline) <= 80
    assert "Second line" not in text and "**" not in text


def test_share_links_open_x_bluesky_and_mastodon_with_the_encoded_text(round):
    entry = log(round, 2, title="A #tag & a ?query")
    entry.round = round
    links = share.share_links(entry, round)
    assert [link.name for link in links] == ["X", "Bluesky", "Mastodon"]
    assert links[0].url.startswith(
        "https://twitter.com/intent/tweet?text=Day%201%2F100%20of%20%23100DaysOfCode"
    )
    assert links[1].url.startswith("https://bsky.app/intent/compose?text=")
    assert links[2].url.startswith("https://mastodonshare.com/?text=")
    for link in links:
        assert text_of(link) == share.share_text(entry, round)
        assert " " not in link.url and "&" not in urlsplit(link.url).query


def test_a_private_round_has_no_share_links(user, auth_client):
    round = make_round(user, visibility="private")
    entry = log(round, 1)
    entry.round = round
    assert share.share_links(entry, round) == []
    page = auth_client.get(f"/@ada/r1/{entry.date.isoformat()}/").content.decode()
    assert "twitter.com/intent" not in page and "Share this day" not in page


def test_an_unlisted_round_has_share_links(user, client):
    round = make_round(user, visibility="unlisted")
    entry = log(round, 1)
    page = client.get(f"/@ada/r1/{entry.date.isoformat()}/").content.decode()
    assert "https://bsky.app/intent/compose?text=" in page


def test_share_urls_are_escaped_in_the_page(user, client):
    round = make_round(user)
    entry = log(round, 1, title='Quotes " and <tags>')
    page = client.get(f"/@ada/r1/{entry.date.isoformat()}/").content.decode()
    assert "%22%20and%20%3Ctags%3E" in page


def test_plain_text_strips_tags_and_entities():
    assert share.plain_text("<p>a &lt; b &amp; <strong>c</strong></p>\n<p>d</p>") == "a < b & c d"
    assert share.plain_text("<p>" + "x" * 300 + "</p>", limit=10) == "x" * 9 + "…"


def test_first_line_skips_blank_lines():
    assert share.first_line("<p></p>\n<p>Hello<br />\nworld</p>") == "Hello"


def test_the_badge_markdown_links_the_image_to_the_journal():
    round = SimpleNamespace(
        number=2, user=SimpleNamespace(handle="ada"), get_absolute_url=lambda: "/@ada/r2/"
    )
    site = settings.SITE_URL
    assert share.badge_markdown(round) == f"[![100DaysOfCode]({site}/@ada/r2/badge.svg)]({site}/@ada/r2/)"

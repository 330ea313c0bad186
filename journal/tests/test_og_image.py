"""Open Graph images: a PNG per round and per entry, cached, private rounds have none, and the meta tags."""

import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from journal.models import Round
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def round(user):
    round = make_round(user, days_ago=45, title="Learning Rust the long way")
    log(round, *range(45, 3, -1), title="Lifetimes, again", minutes=60)
    return round


def png(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1200, 630)
    return image


def test_a_round_and_an_entry_have_a_1200_by_630_png(client, round):
    round_image = png(client.get("/@ada/r1/og.png"))
    entry = round.entries.order_by("-date").first()
    entry_image = png(client.get(f"/@ada/r1/{entry.date.isoformat()}/og.png"))
    assert entry.day == 42
    assert round_image.tobytes() != entry_image.tobytes()
    # The progress bar: 42 of 100 days filled with the accent colour, the rest is the track.
    assert entry_image.getpixel((72 + 10, 548)) == (15, 118, 110)
    assert entry_image.getpixel((1200 - 72 - 10, 548)) == (234, 238, 242)


def test_the_pages_name_their_image_for_link_previews(client, round):
    entry = round.entries.order_by("-date").first()
    page = client.get(entry.get_absolute_url()).content.decode()
    image = f"https://hundreddays.example/@ada/r1/{entry.date.isoformat()}/og.png"
    assert f'<meta property="og:image" content="{image}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert '<meta property="og:image:alt" content="Day 42 of 100: Lifetimes, again">' in page
    journal = client.get("/@ada/r1/").content.decode()
    assert '<meta property="og:image" content="https://hundreddays.example/@ada/r1/og.png">' in journal


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://hundreddays.example"


def test_an_image_is_drawn_once_then_served_from_the_cache_and_revalidated(client, round):
    first = client.get("/@ada/r1/og.png")
    assert "public" in first["Cache-Control"] and "max-age=3600" in first["Cache-Control"]
    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/@ada/r1/og.png")
    assert again.content == first.content
    # The round with its owner and its dates; the rest is the database cache's own statements
    # (its table, and the savepoints that keep a cache error from breaking the request).
    data = [
        q for q in ctx.captured_queries if "cache" not in q["sql"].lower() and "SAVEPOINT" not in q["sql"]
    ]
    assert len(data) <= 2, data
    assert client.get("/@ada/r1/og.png", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    log(round, 2, progress="A new day")  # a write bumps the round's version: a new image
    assert client.get("/@ada/r1/og.png")["ETag"] != first["ETag"]


def test_a_private_round_has_no_image_even_for_its_owner(auth_client, round):
    Round.objects.filter(pk=round.pk).update(visibility="private")
    entry = round.entries.first()
    assert auth_client.get("/@ada/r1/og.png").status_code == 404
    assert auth_client.get(f"/@ada/r1/{entry.date.isoformat()}/og.png").status_code == 404
    page = auth_client.get(entry.get_absolute_url()).content.decode()
    assert "og:image" not in page
    assert Client().get("/@ada/r1/1999-01-01/og.png").status_code == 404


def test_a_title_longer_than_two_lines_is_cut_with_an_ellipsis():
    from PIL import ImageDraw

    from journal.og_image import _font, _wrap

    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    lines = _wrap(draw, "word " * 200 + "x" * 300, _font(54), 1056, 2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(draw.textlength(line, font=_font(54)) <= 1056 for line in lines)
    assert re.fullmatch(r"(word )+word…|(word )+…", lines[-1]) or lines[-1].endswith("…")

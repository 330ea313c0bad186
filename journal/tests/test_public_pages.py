"""The public side: profile, round journal, entry permalink and explore."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from journal import services
from journal.models import Entry, Link, Round, Tag
from journal.tests import budget
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Structure(HTMLParser):
    """Every element closed, in order (void elements aside)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def assert_well_formed(response):
    parser = _Structure()
    parser.feed(response.content.decode())
    parser.close()
    assert parser.errors == []
    assert parser.stack == []


def url(round, suffix=""):
    return f"/@{round.user.handle}/r{round.number}/{suffix}"


def anonymous():
    return Client()


def bulk_log(round, count, *, tag_name="python"):
    """``count`` consecutive days from the start, each with a tag and a link (fast, no services)."""
    tag, _created = Tag.objects.get_or_create(name=tag_name)
    entries = Entry.objects.bulk_create(
        Entry(
            round=round,
            date=round.start_date + timedelta(days=i),
            day=i + 1,
            title=f"Title {i + 1}",
            progress=f"Progress {i + 1}",
            progress_html=f"<p>Progress {i + 1}</p>",
            minutes=30 + i % 60,
        )
        for i in range(count)
    )
    Entry.tags.through.objects.bulk_create(Entry.tags.through(entry=e, tag=tag) for e in entries)
    Link.objects.bulk_create(Link(entry=e, url="https://example.com/pr", label="PR") for e in entries)
    Round.objects.filter(pk=round.pk).update(version=round.version + 1)
    return entries


def count_queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


@pytest.fixture
def public_round(user):
    round = make_round(user, days_ago=5, title="Learning Django")
    log(round, 5, 4, 2, progress="Worked on **models**.", title="Models", tags=["django"], minutes=45)
    return round


# --- Profile ---


def test_the_profile_shows_public_rounds_with_their_progress_and_latest_entries(client, user, public_round):
    response = client.get("/@ada/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ada" in page
    assert "R1 · Learning Django" in page
    assert "Day 4 of 100 · 3 logged" in page
    assert "active" in page
    assert page.count('class="entry"') == 3
    assert f'href="/@ada/r1/{public_round.start_date.isoformat()}/"' in page
    assert 'type="application/atom+xml"' in page and "/@ada/feed/" in page
    assert_well_formed(response)


def test_the_profile_of_an_unknown_or_inactive_handle_is_404(client, user, other_user):
    assert client.get("/@nobody/").status_code == 404
    other_user.is_active = False
    other_user.save()
    assert client.get("/@grace/").status_code == 404


def test_the_owner_sees_their_unlisted_and_private_rounds_marked(auth_client, user, public_round):
    make_round(user, visibility="unlisted", title="Side quest")
    make_round(user, visibility="private", title="Secret plan")
    page = auth_client.get("/@ada/").content.decode()
    assert "Side quest" in page and "unlisted" in page
    assert "Secret plan" in page and "private" in page


def test_others_see_only_the_public_rounds_on_a_profile(other_client, user, public_round):
    make_round(user, visibility="unlisted", title="Side quest")
    make_round(user, visibility="private", title="Secret plan")
    page = other_client.get("/@ada/").content.decode()
    assert "Learning Django" in page
    assert "Side quest" not in page and "Secret plan" not in page


def test_the_profile_shows_a_web_avatar_only(client, user):
    user.avatar_url = "https://example.com/me.png"
    user.save()
    assert 'src="https://example.com/me.png"' in client.get("/@ada/").content.decode()


def test_a_profile_without_rounds_says_so(client, user):
    response = client.get("/@ada/")
    assert response.status_code == 200
    assert "No public rounds yet." in response.content.decode()


def test_the_profile_refuses_post(client, user):
    assert client.post("/@ada/").status_code == 405


# --- Round journal ---


def test_the_journal_reads_oldest_first_with_numbers_and_dates(client, public_round):
    response = client.get(url(public_round))
    assert response.status_code == 200
    page = response.content.decode()
    first, last = public_round.start_date, public_round.start_date + timedelta(days=3)
    assert page.index(f'id="d{first.isoformat()}"') < page.index(f'id="d{last.isoformat()}"')
    assert "Day 1 of 100" in page and "Day 3 of 100" in page
    assert f'<time datetime="{first.isoformat()}">' in page
    assert 'class="grid is-active"' in page
    assert_well_formed(response)


def test_the_journal_links_feed_badge_and_stats_with_a_readme_snippet(client, public_round):
    page = client.get(url(public_round)).content.decode()
    site = settings.SITE_URL
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Learning Django · Ada" href="{site}/@ada/r1/feed/">'
        in page
    )
    assert 'href="/@ada/r1/stats/"' in page
    assert 'href="/@ada/r1/badge.svg"' in page
    snippet = f"[![100DaysOfCode]({site}/@ada/r1/badge.svg)]({site}/@ada/r1/)"
    assert f'value="{snippet}"' in page


def test_the_owner_sees_settings_on_the_journal_and_others_do_not(auth_client, other_client, public_round):
    settings_link = 'href="/rounds/1/settings/"'
    assert settings_link in auth_client.get(url(public_round)).content.decode()
    assert settings_link not in other_client.get(url(public_round)).content.decode()
    assert settings_link not in anonymous().get(url(public_round)).content.decode()


def test_a_private_journal_is_the_owners_alone(auth_client, other_client, user):
    round = make_round(user, visibility="private")
    log(round, 1)
    owner_page = auth_client.get(url(round))
    assert owner_page.status_code == 200
    # No feed, no badge: both are read without cookies.
    assert "/feed/" not in owner_page.content.decode() and "badge.svg" not in owner_page.content.decode()
    assert other_client.get(url(round)).status_code == 404
    assert anonymous().get(url(round)).status_code == 404


def test_an_unlisted_journal_opens_by_its_url(client, user):
    round = make_round(user, visibility="unlisted")
    assert client.get(url(round)).status_code == 200


def test_an_unknown_round_or_an_inactive_owner_is_404(client, public_round, user):
    assert client.get("/@ada/r9/").status_code == 404
    user.is_active = False
    user.save()
    assert client.get(url(public_round)).status_code == 404


def test_the_journal_refuses_post(client, public_round):
    assert client.post(url(public_round)).status_code == 405


# --- Permalink ---


def test_the_permalink_links_the_days_before_and_after(client, public_round):
    start = public_round.start_date
    middle = start + timedelta(days=1)
    response = client.get(url(public_round, f"{middle.isoformat()}/"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'rel="prev" href="/@ada/r1/{start.isoformat()}/"' in page
    assert f'rel="next" href="/@ada/r1/{(start + timedelta(days=3)).isoformat()}/"' in page
    assert "Previous: day 1" in page and "Next: day 3" in page
    assert_well_formed(response)
    first = client.get(url(public_round, f"{start.isoformat()}/")).content.decode()
    assert 'rel="prev"' not in first and 'rel="next"' in first


def test_the_permalink_shows_tags_by_name_and_links_in_their_order(client, user):
    round = make_round(user, days_ago=3)
    links = [services.LinkInput("https://b.example/2", "Second"), services.LinkInput("https://a.example/1")]
    entry = log(round, 1, tags=["zig", "ada-lang", "c"], links=links)
    log(round, 2, tags=["other"])
    page = client.get(url(round, f"{entry.date.isoformat()}/")).content.decode()
    assert '<ul class="tags" aria-label="Tags"><li>#ada-lang</li><li>#c</li><li>#zig</li></ul>' in page
    assert page.index('href="https://b.example/2"') < page.index('href="https://a.example/1"')
    assert ">Second</a>" in page and ">https://a.example/1</a>" in page
    assert "#other" not in page


def test_the_permalink_of_a_calendar_round_numbers_its_neighbours_by_date(client, user):
    round = make_round(user, days_ago=9, rule="calendar")
    first, middle, last = log(round, 9, 6, 1)
    page = client.get(url(round, f"{middle.date.isoformat()}/")).content.decode()
    assert "Previous: day 1" in page and "Next: day 9" in page
    assert f'rel="prev" href="/@ada/r1/{first.date.isoformat()}/"' in page
    assert f'rel="next" href="/@ada/r1/{last.date.isoformat()}/"' in page


def test_the_permalink_has_share_links(client, public_round):
    page = client.get(url(public_round, f"{public_round.start_date.isoformat()}/")).content.decode()
    assert "https://twitter.com/intent/tweet?text=Day%201%2F100%20of%20%23100DaysOfCode" in page
    assert "https://bsky.app/intent/compose?text=" in page
    assert "https://mastodonshare.com/?text=" in page


def test_a_missing_day_is_404(client, public_round):
    day = public_round.start_date + timedelta(days=2)  # not logged
    assert client.get(url(public_round, f"{day.isoformat()}/")).status_code == 404


def test_a_private_permalink_is_the_owners_alone(auth_client, other_client, user):
    round = make_round(user, visibility="private")
    entry = log(round, 1)
    path = url(round, f"{entry.date.isoformat()}/")
    assert auth_client.get(path).status_code == 200
    assert other_client.get(path).status_code == 404
    assert anonymous().get(path).status_code == 404


def test_the_owner_can_edit_from_the_permalink(auth_client, client, public_round):
    path = url(public_round, f"{public_round.start_date.isoformat()}/")
    edit = f'href="/rounds/1/{public_round.start_date.isoformat()}/edit/"'
    assert edit in auth_client.get(path).content.decode()
    assert edit not in anonymous().get(path).content.decode()


def test_the_permalink_refuses_post(client, public_round):
    assert client.post(url(public_round, f"{public_round.start_date.isoformat()}/")).status_code == 405


# --- Explore ---


def test_explore_pages_through_public_entries_twenty_at_a_time(client, user):
    round = make_round(user, days_ago=30)
    bulk_log(round, 25)
    first = client.get("/explore/")
    assert first.status_code == 200
    page = first.content.decode()
    assert page.count('<article class="entry"') == 20
    assert 'rel="next" href="/explore/?page=2"' in page and 'rel="prev"' not in page
    assert 'aria-label="Pages"' in page
    assert_well_formed(first)
    second = client.get("/explore/?page=2").content.decode()
    assert second.count('<article class="entry"') == 5
    assert 'rel="prev" href="/explore/"' in second and 'rel="next"' not in second
    assert client.get("/explore/?page=3").status_code == 404
    assert client.get("/explore/?page=abc").status_code == 200


def test_explore_is_newest_first(client, user):
    round = make_round(user, days_ago=5)
    log(round, 5, title="Older")
    log(round, 1, title="Newer")
    page = client.get("/explore/").content.decode()
    assert page.index("Newer") < page.index("Older")


def test_explore_refuses_post(client):
    assert client.post("/explore/").status_code == 405


# --- SEO ---


def test_a_public_permalink_has_canonical_and_open_graph_tags(client, public_round):
    day = public_round.start_date.isoformat()
    page = client.get(url(public_round, f"{day}/")).content.decode()
    canonical = f"{settings.SITE_URL}/@ada/r1/{day}/"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert f'<meta property="og:url" content="{canonical}">' in page
    assert '<meta property="og:title" content="Day 1 of 100: Models · Ada">' in page
    assert '<meta property="og:description" content="Worked on models.">' in page
    assert '<meta name="description" content="Worked on models.">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:site_name" content="Hundred Days">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert f'<meta property="og:image" content="{settings.SITE_URL}/@ada/r1/{day}/og.png">' in page
    assert "<title>Day 1 of 100: Models · Ada · Hundred Days</title>" in page
    assert 'name="robots"' not in page


@pytest.mark.parametrize("visibility", ["unlisted", "private"])
def test_unlisted_and_private_pages_are_not_indexed(auth_client, user, visibility):
    round = make_round(user, visibility=visibility)
    entry = log(round, 1)
    for path in (url(round), url(round, f"{entry.date.isoformat()}/"), url(round, "stats/")):
        assert '<meta name="robots" content="noindex">' in auth_client.get(path).content.decode(), path


def test_the_description_is_plain_text_and_short(client, user):
    round = make_round(user, days_ago=2)
    entry = log(round, 1, progress="Fixed `a < b` & **more**. " + "word " * 60)
    page = client.get(url(round, f"{entry.date.isoformat()}/")).content.decode()
    description = page.split('<meta name="description" content="')[1].split('"')[0]
    assert description.startswith("Fixed a &lt; b &amp; more. word")
    assert len(description) < 200 and description.endswith("…")


# --- Conditional GET ---


def test_an_anonymous_reader_revalidates_the_journal_cheaply(client, public_round, redis_cache):
    first = client.get(url(public_round))
    etag = first["ETag"]
    assert first["Last-Modified"]
    assert "Cookie" in first["Vary"]
    assert "no-cache" in first["Cache-Control"]
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url(public_round), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert len(ctx.captured_queries) == 0  # the kept page's validators
    entry = Entry.objects.filter(round=public_round).first()
    services.update_entry(entry, progress="Changed.")
    changed = client.get(url(public_round), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_permalink_answers_304_to_a_current_copy(client, public_round):
    path = url(public_round, f"{public_round.start_date.isoformat()}/")
    etag = client.get(path)["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_signed_in_reader_always_gets_the_full_page(auth_client, public_round):
    first = auth_client.get(url(public_round))
    assert not first.has_header("ETag")
    assert auth_client.get(url(public_round), HTTP_IF_NONE_MATCH='"anything"').status_code == 200


# --- Query budgets: the same for 5 entries and for 100 ---


@pytest.fixture
def small_and_large(user, other_user):
    small = make_round(user, days_ago=120)
    bulk_log(small, 5)
    large = make_round(other_user, days_ago=120)
    bulk_log(large, 100, tag_name="django")
    return small, large


def signed_in(user):
    c = Client()
    c.force_login(user)
    return c


def test_the_journal_budget(client, small_and_large):
    # Built: round+owner, entries with their tags and links; signed in: + session and user.
    # Kept (Redis): no statement at all, signed in or not (session, user, tokens and page
    # from the cache).
    assert {budget.build_cost(anonymous(), url(r)) for r in small_and_large} == {2}
    assert {budget.build_cost(signed_in(r.user), url(r)) for r in small_and_large} == {4}
    assert {budget.hit_cost(anonymous(), url(r)) for r in small_and_large} == {0}
    assert {budget.hit_cost(signed_in(r.user), url(r)) for r in small_and_large} == {0}


def test_the_permalink_budget(client, small_and_large):
    # Built: one statement (the entry with its tags and links, its round and owner, the round's
    # dates for its figures and the neighbouring days); signed in: + session and user.
    costs = set()
    for r in small_and_large:
        path = url(r, f"{(r.start_date + timedelta(days=2)).isoformat()}/")
        costs.add((budget.build_cost(anonymous(), path), budget.build_cost(signed_in(r.user), path)))
        costs.add((budget.hit_cost(anonymous(), path), budget.hit_cost(signed_in(r.user), path)))
    assert costs == {(1, 3), (0, 0)}


def test_the_profile_budget(small_and_large):
    # Built: the owner with their rounds and the rounds' dates (one statement), the latest
    # entries; signed in: + session and user.
    costs = set()
    for r in small_and_large:
        make_round(r.user, visibility="unlisted")
        path = f"/@{r.user.handle}/"
        costs.add((budget.build_cost(anonymous(), path), budget.build_cost(signed_in(r.user), path)))
        costs.add((budget.hit_cost(anonymous(), path), budget.hit_cost(signed_in(r.user), path)))
    assert costs == {(2, 4), (0, 0)}


def test_the_profile_budget_without_rounds(user):
    # The person (with no round), then nothing else to read.
    assert budget.build_cost(anonymous(), "/@ada/") == 1


def test_the_explore_budget(user, other_user):
    # Built: entries (+round+owner), tags, links; no COUNT. Signed in: + session and user.
    small = make_round(user, days_ago=120)
    bulk_log(small, 5)
    few = budget.build_cost(anonymous(), "/explore/")
    large = make_round(other_user, days_ago=120)
    bulk_log(large, 100, tag_name="django")
    many = budget.build_cost(anonymous(), "/explore/")
    assert (few, many, budget.build_cost(signed_in(user), "/explore/?page=2")) == (3, 3, 5)
    assert (budget.hit_cost(anonymous(), "/explore/"), budget.hit_cost(signed_in(user), "/explore/")) == (
        0,
        0,
    )

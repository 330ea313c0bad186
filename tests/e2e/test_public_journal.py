"""Journey 3: a round made public is readable by anyone (page, permalink, feed, badge); private again, it is gone."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def round_with_days(member):
    from journal import services
    from journal.clock import today_for

    today = today_for(member)
    round = services.start_round(member, start_date=today - timedelta(days=2), title="Learning Django")
    services.create_entry(
        round, date=today - timedelta(days=2), progress="Models and migrations.", today=today
    )
    services.create_entry(
        round, date=today - timedelta(days=1), progress="Views and **templates**.", title="Views", today=today
    )
    return round


def test_a_public_round_is_readable_signed_out_and_private_again_is_not_found(
    app, member, round_with_days, new_context, sign_in, screenshot
):
    owner = sign_in(new_context(), member).new_page()
    visitor = new_context().new_page()
    journal_url = f"{app}/@ada/r1/"

    # Private (the default): a visitor gets a 404, not a sign-in page.
    assert visitor.goto(journal_url).status == 404

    # The owner makes it public in the round's settings.
    owner.goto(app + "/")
    owner.get_by_role("link", name="Settings").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Round 1 settings")
    owner.get_by_role("radio", name="Public").check()
    owner.get_by_role("button", name="Save").click()
    expect(owner.locator(".messages")).to_contain_text("Round settings are saved.")
    owner.wait_for_url(journal_url)

    # Signed out: the journal, then the permalink of day 2.
    response = visitor.goto(journal_url)
    assert response.status == 200
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Learning Django")
    expect(visitor.get_by_role("link", name="Sign in")).to_be_visible()
    expect(visitor.locator(".day-count")).to_contain_text("of 100")
    expect(visitor.locator("article.entry")).to_have_count(2)
    visitor.get_by_role("link", name="Day 2 of 100").click()
    visitor.wait_for_url(f"{app}/@ada/r1/*/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Day 2 of 100: Views")
    expect(visitor.locator("article.entry .body")).to_contain_text("Views and templates.")
    expect(visitor.get_by_role("link", name="Previous: day 1")).to_be_visible()
    permalink = visitor.url

    # The feed and the badge, as a feed reader and a README would fetch them.
    visitor.goto(journal_url)
    feed_href = visitor.get_by_role("link", name="Atom feed").get_attribute("href")
    feed = visitor.request.get(app + feed_href)
    assert feed.status == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    items = ElementTree.fromstring(feed.body()).findall(f"{atom}entry")
    assert [item.findtext(f"{atom}title") for item in items] == [
        "Day 2: Views",
        "Day 1: Models and migrations.",
    ]
    assert items[0].find(f"{atom}link").get("href").endswith(permalink.removeprefix(app))
    assert "Views and <strong>templates</strong>." in items[0].findtext(f"{atom}summary")

    visitor.get_by_role("link", name="Badge").click()
    visitor.wait_for_url(f"{app}/@ada/r1/badge.svg")
    badge = visitor.locator("svg")
    expect(badge).to_be_visible()
    expect(badge.locator("title")).to_contain_text("Learning Django: 2 of 100 days logged")
    screenshot(visitor, "03-badge", full_page=False)

    # The owner makes it private again: every one of those addresses is a 404 for the visitor.
    owner.goto(app + "/rounds/1/settings/")
    owner.get_by_role("radio", name="Private").check()
    owner.get_by_role("button", name="Save").click()
    expect(owner.locator(".messages")).to_contain_text("Round settings are saved.")

    for url in (journal_url, permalink):
        assert visitor.goto(url).status == 404, url
    # The badge may be kept 5 minutes by caches (Cache-Control: public, max-age=300), as any
    # README image is: ask the server, not the browser's cache.
    for url in (app + feed_href, f"{app}/@ada/r1/badge.svg"):
        assert visitor.request.get(url).status == 404, url
    visitor.goto(journal_url)
    expect(visitor.locator("body")).not_to_contain_text("Learning Django")
    expect(visitor.locator("body")).not_to_contain_text("Views and templates")
    screenshot(visitor, "03-private-again-not-found")

"""Journey 8: on a 360×740 phone, the dashboard and the log-today form fit the width (no sideways scroll)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

WIDTH = 360
PHONE = {"viewport": {"width": WIDTH, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def busy_round(member):
    """Two weeks in, with a gap, a long dotted path in code and a long link: what tends to overflow."""
    from journal import services
    from journal.clock import today_for
    from journal.services import LinkInput

    today = today_for(member)
    start = today - timedelta(days=14)
    round = services.start_round(
        member, start_date=start, title="A rather long round title for a small screen"
    )
    for offset in (0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13):
        services.create_entry(
            round,
            date=start + timedelta(days=offset),
            title="Static files in production",
            progress="Switched to `django.contrib.staticfiles.storage.ManifestStaticFilesStorage` for hashed names.",
            links=[LinkInput(url="https://example.com/" + "a-long-path-segment/" * 8, label="")],
            tags=["python", "django", "refactoring"],
            minutes=75,
            today=today,
        )
    return round


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_dashboard_and_the_log_form_fit_a_360_pixel_phone(
    app, member, busy_round, new_context, sign_in, screenshot
):
    page = sign_in(new_context(**PHONE), member).new_page()

    page.goto(app + "/")
    expect(page.locator(".day-count")).to_have_text("Day 14 of 100")
    expect(page.locator("ol.grid")).to_be_visible()
    expect(page.get_by_role("button", name="Log today")).to_be_visible()
    assert scroll_width(page) <= WIDTH, f"the dashboard is {scroll_width(page)} px wide"
    screenshot(page, "08-mobile-dashboard")

    # The full form: the journal's "Add an entry", with every field open.
    page.get_by_role("link", name="Journal", exact=True).click()
    assert scroll_width(page) <= WIDTH, f"the journal is {scroll_width(page)} px wide"
    page.get_by_role("link", name="Add an entry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a day")
    page.get_by_text("More: title, thoughts, links, minutes, tags").click()
    page.get_by_label("Today's progress").fill("Typed on a phone.")
    page.get_by_label("Links to work").fill("https://example.com/" + "another-long-path-segment/" * 6)
    expect(page.get_by_label("Tags")).to_be_visible()
    assert scroll_width(page) <= WIDTH, f"the log form is {scroll_width(page)} px wide"
    screenshot(page, "08-mobile-log-form")

    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Day 14 is logged. Keep going!")
    assert scroll_width(page) <= WIDTH, f"the entry page is {scroll_width(page)} px wide"
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Today is logged")).to_be_visible()
    assert scroll_width(page) <= WIDTH, f"the dashboard is {scroll_width(page)} px wide"

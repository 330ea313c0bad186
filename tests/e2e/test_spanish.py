"""Journey 4: switching to Spanish, which stays through signing out and in again."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import long_date

pytestmark = pytest.mark.e2e

SPANISH_MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
)


@pytest.fixture
def first_day(member):
    from journal import services
    from journal.clock import today_for

    today = today_for(member)
    round = services.start_round(member, start_date=today, title="Aprendiendo Django", visibility="public")
    services.create_entry(round, date=today, progress="Modelos y migraciones.", today=today)
    return today


def test_the_language_switches_to_spanish_and_stays_after_signing_out_and_in(
    app, member, first_day, page, sign_in, screenshot
):
    today = first_day
    month = SPANISH_MONTHS[today.month - 1]
    sign_in(page.context, member)
    page.goto(app + "/")
    expect(page.locator(".day-count")).to_have_text("Day 1 of 100")

    page.get_by_role("contentinfo").get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Español")).to_have_attribute("aria-current", "true")
    expect(page.locator(".day-count")).to_have_text("Día 1 de 100")
    latest = page.locator("article.entry time").first
    expect(latest).to_have_text(long_date(today, "es"))
    expect(latest).to_contain_text(month)
    screenshot(page, "04-spanish-dashboard")

    # Signed out, the site stays in Spanish on this browser.
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.wait_for_url(app + "/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("header form[action='/accounts/logout/']")).to_have_count(0)

    page.goto(app + "/@ada/r1/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aprendiendo Django")
    expect(page.locator("article.entry h3")).to_contain_text("Día 1 de 100")
    expect(page.locator("article.entry time")).to_contain_text(month)
    screenshot(page, "04-spanish-public-journal")

    # On another browser (no language cookie), signing in brings the saved language back.
    page.context.clear_cookies()
    page.goto(app + "/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("input[name=login]").fill("ada@example.com")
    page.locator("input[name=password]").fill("correct horse battery")
    page.locator("main form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(app + "/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(".day-count")).to_have_text("Día 1 de 100")
    expect(page.locator("article.entry time").first).to_contain_text(month)
    screenshot(page, "04-spanish-after-sign-in")

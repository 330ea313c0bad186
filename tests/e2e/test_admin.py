"""Journey 7: a staff member signs in to the admin, finds an entry by search, edits it; the public page shows it."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def public_entry(member):
    from journal import services
    from journal.clock import today_for

    today = today_for(member)
    round = services.start_round(member, start_date=today - timedelta(days=1), visibility="public")
    services.create_entry(round, date=today - timedelta(days=1), progress="Set up the project.", today=today)
    return services.create_entry(
        round, date=today, progress="Wrote migrations for the reading list.", title="Migrations", today=today
    )


@pytest.fixture
def staff(make_user, confirmed):
    return confirmed(
        make_user("ops@example.com", password="staff password 2024", is_staff=True, is_superuser=True)
    )


def test_a_staff_member_edits_an_entry_in_the_admin_and_the_public_page_shows_it(
    app, public_entry, staff, page, new_context, screenshot
):
    page.goto(app + "/admin/")
    # The admin's own login hands over to the site's (rate-limited) sign-in.
    page.wait_for_url("**/accounts/login/**")
    form = page.locator("main form[action='/accounts/login/']")
    form.get_by_label("Email").fill("ops@example.com")
    form.get_by_label("Password").fill("staff password 2024")
    form.get_by_role("button", name="Sign in").click()
    page.wait_for_url(app + "/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.get_by_role("link", name="Entries").first.click()
    page.locator("#searchbar").fill("reading list")
    page.locator("#changelist-search").get_by_role("button", name="Search").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator(".paginator")).to_contain_text("1 entry")
    page.locator("#result_list tbody tr").first.locator("th a").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Change entry")
    progress = page.locator("#id_progress")
    expect(progress).to_have_value("Wrote migrations for the reading list.")
    progress.fill("Wrote migrations for the reading list, and **fixed a typo** (edited by staff).")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # A visitor (signed out) sees the edit on the public permalink.
    visitor = new_context().new_page()
    visitor.goto(app + public_entry.get_absolute_url())
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Day 2 of 100: Migrations")
    body = visitor.locator("article.entry .body")
    expect(body).to_contain_text("Wrote migrations for the reading list, and fixed a typo (edited by staff).")
    expect(body.locator("strong")).to_have_text("fixed a typo")
    screenshot(visitor, "07-public-entry-after-admin-edit")

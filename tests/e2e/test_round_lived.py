"""Journey 2: a round lived, from the first day to a broken round and round 2."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import long_date, move_clock

pytestmark = pytest.mark.e2e


def test_a_round_is_started_logged_backfilled_missed_broken_and_started_again(
    app, member, page, sign_in, screenshot
):
    from journal.clock import today_for
    from journal.models import Round

    today = today_for(member)
    yesterday = today - timedelta(days=1)
    sign_in(page.context, member)

    # Start round 1, begun yesterday.
    page.goto(app + "/")
    page.get_by_role("link", name="Start your round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start round 1")
    page.get_by_label("Start date").fill(yesterday.isoformat())
    page.get_by_role("button", name="Start the round").click()
    page.wait_for_url(app + "/")
    expect(page.locator(".messages")).to_contain_text("Round 1 starts. Log your first day!")

    # Log today from the dashboard.
    page.get_by_label("Today's progress").fill("Wrote the **first** view of my app.")
    page.get_by_role("button", name="Log today").click()
    expect(page.locator(".messages")).to_contain_text("Day 1 is logged. Keep going!")
    expect(page.locator("article.entry .body")).to_contain_text("Wrote the first view of my app.")

    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator(".day-count")).to_have_text("Day 1 of 100")
    logged = page.locator("ol.grid li.logged")
    expect(logged).to_have_count(1)
    expect(logged).to_contain_text(f"Day 1, {long_date(today)}: logged")
    expect(page.locator("ol.grid li.missed")).to_contain_text(f"{long_date(yesterday)}: missed")
    expect(page.get_by_role("heading", name="Today is logged")).to_be_visible()
    screenshot(page, "02-dashboard-first-day")

    # Backfill yesterday: it becomes day 1, today day 2, a two-day streak.
    page.get_by_role("link", name="Backfill a missed day").click()
    page.get_by_label("Today's progress").fill("Read the tutorial (logged a day late).")
    page.get_by_label("Date").fill(yesterday.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Day 1 is logged. Keep going!")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator(".day-count")).to_have_text("Day 2 of 100")
    expect(page.locator(".current-streak")).to_have_text("2 days")
    expect(page.locator("ol.grid li.logged")).to_have_count(2)
    expect(page.locator("ol.grid li.missed")).to_have_count(0)
    expect(page.get_by_text("Yesterday was missed.")).to_have_count(0)

    round = Round.objects.get(user=member, number=1)

    # A day later, nothing logged yet today: the streak still counts up to yesterday.
    move_clock(round, 1)
    page.reload()
    expect(page.locator(".day-count")).to_have_text("Day 3 of 100")
    expect(page.locator(".current-streak")).to_have_text("2 days")
    expect(page.locator("ol.grid li.today")).to_contain_text("Today: not logged yet")
    expect(page.get_by_role("heading", name="Log today")).to_be_visible()

    # Another day later, yesterday went by without an entry.
    move_clock(round, 1)
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text(
        "Yesterday was missed. Log today: one more missed day breaks the round."
    )
    expect(page.locator(".current-streak")).to_have_text("0 days")
    expect(page.locator("ol.grid li.missed")).to_have_count(1)

    # And one more: two days in a row missed breaks the round under the official rule.
    move_clock(round, 1)
    page.reload()
    broken = page.get_by_role("alert")
    expect(broken).to_contain_text("This round is broken.")
    expect(broken).to_contain_text("Two days in a row were missed")
    expect(page.locator("ol.grid li.missed")).to_have_count(2)

    expect(page.locator(".day-count")).to_contain_text("Broke on")
    expect(page.locator("ol.grid li.missed.break")).to_have_count(1)
    # The next round is offered on its own, prominently, not inside the warning.
    page.get_by_role("region", name="Ready for round 2?").get_by_role("link", name="Start round 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start round 2")
    expect(page.get_by_label("Start date")).to_have_value(today.isoformat())
    page.get_by_role("button", name="Start the round").click()
    page.wait_for_url(app + "/")
    expect(page.locator(".messages")).to_contain_text("Round 2 starts. Log your first day!")
    expect(page.get_by_role("heading", level=1)).to_contain_text("#100DaysOfCode R2")
    expect(page.locator(".day-count")).to_have_text("Day 1 of 100")
    expect(page.get_by_role("alert")).to_have_count(0)
    screenshot(page, "02-round-two-started")

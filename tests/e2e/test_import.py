"""Journey 5: importing a community log.md (preview, confirm), and a broken file refused with its line."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SAMPLES

pytestmark = pytest.mark.e2e

BROKEN_LOG = """# 100 Days Of Code - Log

### Day 1: March 4, 2024

**Today's Progress**: Started.

### Day 2: February 30, 2024

**Today's Progress**: A day that never was.
"""


def test_a_log_is_previewed_imported_and_a_broken_one_is_refused_with_its_line(
    app, member, page, sign_in, screenshot, tmp_path
):
    sample = SAMPLES / "community-log-en.md"
    assert sample.exists(), f"the shared sample is missing: {sample}"
    sign_in(page.context, member)

    page.goto(app + "/")
    page.get_by_role("link", name="Or import an existing log.md").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a log")
    page.get_by_label("Log file").set_input_files(sample)
    page.get_by_role("button", name="Preview the import").click()

    # The preview: nothing saved yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import")
    expect(page.get_by_text("From community-log-en.md. Nothing is saved until you confirm.")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="New round 1")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("2024-03-04")
    expect(rows.nth(0)).to_contain_text("Set up a Django project")
    expect(rows.nth(2)).to_contain_text("2024-03-07")
    for i in range(3):
        expect(rows.nth(i).locator("td").last).to_have_text("New")
    screenshot(page, "05-import-preview")
    page.get_by_role("button", name="Import").click()

    # The round's journal, with the three days.
    page.wait_for_url(app + "/@ada/r1/")
    expect(page.locator(".messages")).to_contain_text("Imported: 3 days added, 0 replaced, 0 already there.")
    entries = page.locator("article.entry")
    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text("Set up a Django project and wrote the first model")
    expect(entries.nth(0).get_by_role("link", name="reading-list commit")).to_have_attribute(
        "href", "https://example.com/me/reading-list/commit/a1b2c3"
    )
    expect(entries.nth(2).locator("h3")).to_have_text("Day 3 of 100")
    expect(entries.nth(2).locator("time")).to_have_text("March 7, 2024")
    screenshot(page, "05-imported-journal")

    # A broken file: the error names the line, and nothing changes.
    broken = tmp_path / "broken-log.md"
    broken.write_text(BROKEN_LOG, encoding="utf-8")
    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Download or import your logs").click()
    expect(page.get_by_text("You have 1 round · 3 entries")).to_be_visible()
    page.get_by_role("link", name="Import a log").click()
    page.get_by_label("Log file").set_input_files(broken)
    page.get_by_role("button", name="Preview the import").click()
    error = page.locator(".field.has-error .error")
    expect(error).to_have_text(
        re.compile(r"^This file cannot be imported: line 7: “February 30, 2024” is not a valid date", re.I)
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a log")
    screenshot(page, "05-import-broken-file")

    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    expect(page.get_by_text("You have 1 round · 3 entries")).to_be_visible()

"""Journey 1: a first visit, signing in with Google (the fake one on 127.0.0.1)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_first_visitor_signs_in_with_google_and_is_asked_to_start_a_round(
    app, fake_google, page, screenshot
):
    fake_google.set_profile(name="Grace Hopper", email="grace.hopper@example.com", sub="1906")

    page.goto(app + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Code every day for 100 days")
    page.get_by_role("button", name="Sign in with Google").click()

    # Google's consent page: our app's name and the account Google will hand over.
    page.wait_for_url(fake_google.url + "/**")
    expect(page.get_by_role("heading", name="Sign in with Google")).to_be_visible()
    expect(page.locator("#app-name")).to_have_text("Hundred Days")
    expect(page.locator("#profile-name")).to_have_text("Grace Hopper")
    expect(page.locator("#profile-email")).to_have_text("grace.hopper@example.com")
    screenshot(page, "01-google-consent")
    page.get_by_role("button", name="Continue").click()

    # Back on the site, signed in, with the name from the Google profile.
    page.wait_for_url(app + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Grace Hopper")
    expect(page.get_by_role("link", name="Start your round")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "01-google-signed-in")

    # The code was exchanged with its PKCE verifier: the fake checked it, and says so here.
    token_calls = fake_google.requests_to("/token")
    assert len(token_calls) == 1 and token_calls[0].form.get("code_verifier")

"""Journey 6: an email account: sign up, confirm the address, sign out, sign in; wrong passwords, then the rate limit."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

EMAIL = "katherine@example.com"
PASSWORD = "orbital mechanics 1962"
WRONG_CREDENTIALS = "The email address and/or password you specified are not correct."
RATE_LIMITED = "Too many failed login attempts. Try again later."


def sign_in_form(page, email, password):
    form = page.locator("main form[action='/accounts/login/']")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()


def test_an_email_account_signs_up_out_and_in_and_repeated_failures_are_rate_limited(app, page, screenshot):
    page.goto(app + "/")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    form = page.locator("main form[action='/accounts/signup/']")
    form.get_by_label("Email").fill(EMAIL)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Password (again)").fill(PASSWORD)
    form.get_by_role("button", name="Create the account").click()

    # Verification is mandatory: the account opens from the link in the email.
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    (message,) = [m for m in mail.outbox if EMAIL in m.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(app + urlsplit(link).path)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(app + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, katherine")
    expect(page.get_by_role("link", name="Start your round")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(app + "/")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    sign_in_form(page, EMAIL, PASSWORD)
    page.wait_for_url(app + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, katherine")

    # A wrong password: an error, still signed out.
    page.get_by_role("button", name="Sign out").click()
    page.goto(app + "/accounts/login/")
    sign_in_form(page, EMAIL, "not my password")
    expect(page.get_by_role("alert")).to_have_text(WRONG_CREDENTIALS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # Ten failed sign-ins a minute from one address; the eleventh is refused whatever it is.
    for attempt in range(2, 11):
        sign_in_form(page, f"guess{attempt}@example.com", "letmein-guess")
        expect(page.get_by_role("alert")).to_have_text(WRONG_CREDENTIALS)
    sign_in_form(page, "guess11@example.com", "letmein-guess")
    expect(page.get_by_role("alert")).to_have_text(RATE_LIMITED)
    sign_in_form(page, EMAIL, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(RATE_LIMITED)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, "06-sign-in-rate-limited")

"""Browser journeys: pytest-playwright driving Debian's Chromium against pytest-django's live server.

The browser never leaves the machine: the live server and the fake Google both listen on
127.0.0.1, and Chromium resolves every other host to nothing. Nothing downloads a browser:
the tests launch /usr/bin/chromium (``apt-get install chromium``). Without it the tests are
skipped on a developer's machine and fail in CI (CI=true), so a missing browser is never a
green run.

Each journey saves a screenshot of its final state in test-results/ (ignored by git); a
failing test also leaves the HTML and a screenshot of every page it had open.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

# Chromium maps every host but 127.0.0.1 to nothing (see LAUNCH_ARGS): the live server must
# listen there, not on "localhost".
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

from accounts.tests.fake_google import fake_google, fake_google_server  # noqa: E402, F401

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
# E2E_RESULTS moves the artifacts elsewhere (any pytest run empties test-results/: pytest-playwright).
RESULTS = Path(os.environ.get("E2E_RESULTS") or REPO / "test-results")
SAMPLES = Path(__file__).resolve().parents[2] / "journal" / "tests" / "samples"
TIMEOUT_MS = 15_000

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def _in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)."
        if _in_ci():
            pytest.fail(message + " The browser journeys must run in CI.", pytrace=False)
        pytest.skip(message)
    return {"executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.fixture
def app(live_server, transactional_db):
    """The live server's base URL, with an empty cache (allauth's rate-limit counters live there).

    ``transactional_db`` empties the tables after each test, but not the cache table.
    """
    from django.core.cache import cache

    cache.clear()
    yield live_server.url
    cache.clear()


@pytest.fixture
def sign_in(app):
    """Give a browser context the session of ``user``, as if they had signed in on it."""
    from django.conf import settings
    from django.test import Client

    def sign_in(context, user):
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": app}])
        return context

    return sign_in


@pytest.fixture
def member(make_user, confirmed):
    """Ada, signed up by email (her address confirmed), no round yet."""
    return confirmed(make_user("ada@example.com", display_name="Ada Lovelace", handle="ada"))


@pytest.fixture
def new_context(new_context, request):
    """Every context with the suite's timeouts (a stuck page fails in 15 s, not 30).

    The test item keeps a list of them, so a failure can save what each page showed.
    """
    contexts = request.node.e2e_contexts = []

    def make(**kwargs):
        # English unless a journey says otherwise; UTC like the users the tests create.
        kwargs = {"locale": "en-US", "timezone_id": "UTC", **kwargs}
        context = new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    return make


@pytest.fixture
def screenshot():
    """``screenshot(page, "01-name")``: the page as it is, in test-results/01-name.png."""

    def take(page, name, full_page=True):
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


# --- Failure artifacts -------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    contexts = getattr(item, "e2e_contexts", None)
    if report.when == "call" and report.failed and contexts:
        _save_open_pages(contexts, item.name)
    return report


def _save_open_pages(contexts, test_name):
    RESULTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "-", test_name).strip("-")
    pages = [page for context in contexts for page in context.pages]
    for i, page in enumerate(pages, start=1):
        base = RESULTS / f"FAILED-{stem}-page{i}"
        try:
            base.with_suffix(".html").write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
            page.screenshot(path=str(base.with_suffix(".png")), full_page=True)
        except Exception as error:  # a closed or crashed page: keep what could be saved
            base.with_suffix(".txt").write_text(f"{page.url}\n{error!r}\n", encoding="utf-8")


# --- Arranging data ----------------------------------------------------------------------


def move_clock(round, days):
    """Arrange ``days`` days passing for a round: it and its entries move that many days back.

    Through journal.services, so day numbers are recomputed as for any edit. The live
    server's clock stays the real one; the round lives as if that time had gone by.
    """
    from journal import clock, services
    from journal.models import Round

    round = Round.objects.select_related("user").get(pk=round.pk)
    today = clock.today_for(round.user)
    shift = timedelta(days=days)
    round = services.update_round(round, start_date=round.start_date - shift)
    for entry in round.entries.order_by("date"):
        services.update_entry(entry, date=entry.date - shift, today=today)
    return Round.objects.get(pk=round.pk)


def long_date(d, language="en"):
    """A date as the pages write it (DATE_FORMAT of the language)."""
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override(language):
        return date_format(d, "DATE_FORMAT")

"""Every page of the ownership sweep's list, in a real browser on a 360 px phone: nothing
scrolls sideways, and axe finds no serious or critical violation, in English (light mode)
and in Spanish (dark mode). `make audit` runs axe on the same pages at 1280 and 360 px in
both modes (scripts/audit.py).

The list is the sweep's (tests/security/test_ownership.py): each pattern of an HTML kind,
filled with a participant's busy round, plus allauth's pages and a 404. Feeds, images and
downloads are not pages and are left out by their content type.
"""

import json
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import RESULTS
from tests.e2e.test_accessibility import AXE_OPTIONS, BLOCKING, describe
from tests.security.test_ownership import (
    BY_KEY,
    KINDS,
    OWN_FORM,
    OWN_OBJECT,
    OWN_PAGE,
    PROFILE,
    PROJECT,
    PUBLIC_PAGE,
    SHARED,
)

pytestmark = pytest.mark.e2e

PAGE_KINDS = {
    PUBLIC_PAGE: False,
    PROFILE: False,
    SHARED: False,
    OWN_PAGE: True,
    OWN_FORM: True,
    OWN_OBJECT: True,
}
ALLAUTH_VISITOR = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
]
ALLAUTH_SIGNED_IN = [
    "/accounts/password/change/",
    "/accounts/email/",
    "/accounts/3rdparty/",
    "/accounts/logout/",
]
PHONE = 360


@pytest.fixture
def busy_round(member):
    """Ada (staff, for the design page) with a public round: gaps, long words, links, tags, minutes."""
    from journal import services
    from journal.clock import today_for
    from journal.services import LinkInput

    member.is_staff = True
    member.save(update_fields=["is_staff"])
    today = today_for(member)
    start = today - timedelta(days=20)
    round = services.start_round(
        member, start_date=start, title="A rather long round title for a small screen", visibility="public"
    )
    for offset in (0, 1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19):
        services.create_entry(
            round,
            date=start + timedelta(days=offset),
            title="Static files in production",
            progress="Switched to `django.contrib.staticfiles.storage.ManifestStaticFilesStorage` for hashed names.\n\n"
            "```\npython manage.py collectstatic --noinput --clear --verbosity 2 --ignore '*.scss'\n```",
            links=[LinkInput(url="https://example.com/" + "a-long-path-segment/" * 8, label="")],
            tags=["python", "django", "refactoring", "internationalization"],
            minutes=30 + offset * 7,
            today=today,
        )
    return round


def page_paths(round):
    """(path, signed in) of every HTML page of the sweep's list, filled with ``round``'s values."""
    entry = round.entries.order_by("date").last()
    values = {
        "handle": round.user.handle,
        "number": round.number,
        "date": entry.date.isoformat(),
        "fmt": "json",
    }
    # A personal token and a cohort of the member's, for the pages that name one.
    from api import services as token_services
    from cohorts import services as cohort_services

    token, _raw = token_services.create_token(round.user, name="laptop", can_read=True, can_write=True)
    cohort = cohort_services.create_cohort(
        round.user, name="Evening class", start_date=round.start_date, take_part=False
    )
    values.update(pk=token.pk, slug=cohort.slug, token=cohort.invite_token)
    paths = []
    for key, kind in PROJECT.items():
        if kind in PAGE_KINDS and key in BY_KEY:
            paths.append((BY_KEY[key].path(**values), PAGE_KINDS[kind] or KINDS[kind].sign_in))
    paths += [(p, False) for p in ALLAUTH_VISITOR] + [(p, True) for p in ALLAUTH_SIGNED_IN]
    paths.append(("/no-such-page/", False))
    # Feeds, images and downloads are not pages: their content type tells (asked in-process).
    from django.test import Client

    visitor, owner = Client(), Client()
    owner.force_login(round.user)
    return [
        (path, signed_in)
        for path, signed_in in paths
        if (owner if signed_in else visitor).get(path).get("Content-Type", "").startswith("text/html")
    ]


@pytest.mark.parametrize("language, scheme", [("en", "light"), ("es", "dark")])
def test_no_page_scrolls_sideways_at_360_px_and_axe_finds_nothing_serious(
    language, scheme, app, member, busy_round, new_context, sign_in
):
    member.language = language if language != "en" else ""
    member.save(update_fields=["language"])
    options = {
        "locale": {"en": "en-US", "es": "es-ES"}[language],
        "color_scheme": scheme,
        "viewport": {"width": PHONE, "height": 740},
        "is_mobile": True,
        "has_touch": True,
    }
    visitor = new_context(**options).new_page()
    owner = sign_in(new_context(**options), member).new_page()
    axe = Axe()
    found, wide = {}, []
    pages = page_paths(busy_round)
    for path, signed_in in pages:
        page = owner if signed_in else visitor
        response = page.goto(app + path)
        assert response.status in (200, 404), f"{path}: {response.status}"
        assert page.locator("html").get_attribute("lang") == language, f"{path} is not in {language}"
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > PHONE:
            wide.append(f"{path}: {scroll} px")
        found[path] = [describe(v) for v in axe.run(page, options=AXE_OPTIONS).response["violations"]]

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"axe-every-page-{language}-{scheme}.json").write_text(
        json.dumps(found, indent=2), encoding="utf-8"
    )
    assert len(pages) >= 20, pages
    assert not wide, "pages wider than the phone:\n" + "\n".join(wide)
    blocking = [
        f"{page}: {item}"
        for page, items in found.items()
        for item in items
        if item.split("]")[0][1:] in BLOCKING
    ]
    assert not blocking, f"serious or critical axe violations ({language}, {scheme}):\n" + "\n".join(blocking)

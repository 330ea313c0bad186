"""axe-core on the main pages, in English and in Spanish: no serious or critical violation.

Every violation found, of any impact, is listed in the failure message and saved to
test-results/axe-<language>.json.
"""

import json
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import RESULTS

pytestmark = pytest.mark.e2e

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}

# (name, path, signed in)
PAGES = [
    ("home", "/", False),
    ("sign in", "/accounts/login/", False),
    ("sign up", "/accounts/signup/", False),
    ("public journal", "/@ada/r1/", False),
    ("entry permalink", None, False),
    ("dashboard", "/", True),
    ("entry form", "/log/?round=1", True),
    ("import", "/import/", True),
    ("account", "/account/", True),
]


@pytest.fixture
def public_round(member):
    from journal import services
    from journal.clock import today_for
    from journal.services import LinkInput

    today = today_for(member)
    round = services.start_round(
        member, start_date=today - timedelta(days=3), title="Learning Django", visibility="public"
    )
    for offset, text in ((3, "Models and `migrate`."), (2, "Views and **templates**.")):
        services.create_entry(
            round,
            date=today - timedelta(days=offset),
            progress=text,
            thoughts="Slow but steady.",
            links=[LinkInput("https://example.com/pr/1", "Pull request")],
            tags=["django"],
            minutes=60,
            today=today,
        )
    return round


def describe(violation):
    targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:3])
    more = len(violation["nodes"]) - 3
    return (
        f"[{violation['impact']}] {violation['id']}: {violation['help']} "
        f"({targets}{f' and {more} more' if more > 0 else ''})"
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_main_pages_have_no_serious_accessibility_violations(
    language, app, member, public_round, new_context, sign_in
):
    member.language = language if language != "en" else ""
    member.save(update_fields=["language"])
    permalink = public_round.entries.order_by("date").last().get_absolute_url()
    locale = {"en": "en-US", "es": "es-ES"}[language]
    visitor = new_context(locale=locale).new_page()
    owner = sign_in(new_context(locale=locale), member).new_page()

    axe = Axe()
    found = {}
    for name, path, signed_in in PAGES:
        page = owner if signed_in else visitor
        response = page.goto(app + (path or permalink))
        assert response.status == 200, f"{name}: {response.status}"
        assert page.locator("html").get_attribute("lang") == language, f"{name} is not in {language}"
        violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
        found[name] = [describe(v) for v in violations]

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"axe-{language}.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
    report = "\n".join(
        f"{name}: " + ("no violation" if not items else "\n  " + "\n  ".join(items))
        for name, items in found.items()
    )
    print(f"axe ({language}):\n{report}")
    blocking = [item for items in found.values() for item in items if item.split("]")[0][1:] in BLOCKING]
    assert not blocking, f"serious or critical axe violations ({language}):\n{report}"

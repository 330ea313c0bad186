"""The organizer's table and the join page at 1280 and 360 px, light and dark, English and Spanish:
axe-core finds no serious or critical violation, the table scrolls inside itself on a phone (the
page never does), and each state is saved as a screenshot (E2E_RESULTS chooses where)."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.test_accessibility import AXE_OPTIONS, BLOCKING, describe

pytestmark = pytest.mark.e2e

STUDENTS = [
    # handle, name, time zone, days logged back from yesterday (0 = today), language
    ("amara", "Amara Okafor", "Africa/Lagos", range(0, 12)),
    ("bruno", "Bruno Díaz", "America/Bogota", range(2, 12)),  # missed yesterday: at risk
    ("chen", "Chen Wei", "Asia/Shanghai", range(1, 12)),
    ("dilnoza", "Dilnoza Karimova", "Asia/Tashkent", range(0, 12)),
    ("eero", "Eero Virtanen", "Europe/Helsinki", range(5, 12)),  # broken
    ("fatima", "Fátima Zahra", "Africa/Casablanca", [0, 1, 2, 4, 5, 6, 8, 9, 10, 11]),
    ("gus", "Gus Lindqvist", "Europe/Stockholm", range(1, 12)),
]


@pytest.fixture
def classroom(member, make_user):
    from cohorts import services
    from journal import clock as journal_clock
    from journal import services as journal_services

    today = journal_clock.today_for(member)
    start = today - timedelta(days=11)
    cohort = services.create_cohort(
        member,
        name="Python 101 · Spring",
        description="Evening class, **Tuesdays and Thursdays**. Log every day, even ten minutes.",
        start_date=start,
        take_part=True,
        leaderboard=True,
    )
    for handle, name, tz, days in STUDENTS:
        user = make_user(f"{handle}@example.com", handle=handle, display_name=name, time_zone=tz)
        membership = services.join(cohort, user, share_entries=handle in ("amara", "chen"))
        their_today = journal_clock.today_for(user)
        for ago in sorted(days, reverse=True):
            d = their_today - timedelta(days=ago)
            if d >= start:
                journal_services.create_entry(
                    membership.round, date=d, progress=f"Day of {name}.", today=their_today
                )
    own = cohort.memberships.get(user=member).round
    for ago in range(11, 0, -1):
        journal_services.create_entry(
            own, date=today - timedelta(days=ago), progress="Prepared the class.", today=today
        )
    return cohort


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_organizer_table_and_the_join_page_at_two_sizes_in_light_and_dark(
    app, lang, member, classroom, new_context, sign_in, screenshot
):
    problems = {}
    for scheme in ("light", "dark"):
        for width, height in ((1280, 900), (360, 740)):
            context = new_context(
                locale="es-ES" if lang == "es" else "en-US",
                viewport={"width": width, "height": height},
                color_scheme=scheme,
            )
            visitor = context.new_page()
            visitor.goto(app + classroom.invite_path())
            screenshot(visitor, f"join-{width}-{scheme}-{lang}")
            problems[f"join {width} {scheme}"] = (
                Axe().run(visitor, options=AXE_OPTIONS).response["violations"]
            )

            member.language = lang
            member.save()
            sign_in(context, member)
            page = context.new_page()
            page.goto(app + classroom.get_absolute_url())
            assert page.locator("table.members tbody tr").count() == len(STUDENTS) + 1
            # The page itself never scrolls sideways; the table scrolls in its own box.
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            screenshot(page, f"organizer-{width}-{scheme}-{lang}")
            problems[f"table {width} {scheme}"] = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    blocking = {
        where: [describe(v) for v in found if v["impact"] in BLOCKING] for where, found in problems.items()
    }
    assert not any(blocking.values()), blocking

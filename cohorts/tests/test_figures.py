"""Member statuses through cohorts.figures.member_status, and figures in each member's own day."""

from datetime import UTC, date, datetime, timedelta

import pytest

from cohorts import selectors
from cohorts.figures import member_status
from cohorts.tests.factories import dates, make_cohort, member, person
from journal import rules
from journal import selectors as journal_selectors
from journal.clock import today_for
from journal.models import Round

S = date(2024, 3, 1)


def status_on(logged, today, rule="official", target=100, start=S):
    return member_status(rules.summarize(logged, start, target, rule, today))


def test_a_member_who_logged_every_day_is_active():
    assert status_on(dates(S, date(2024, 3, 10)), date(2024, 3, 10)) == "active"


def test_not_logged_today_is_still_active_after_a_logged_yesterday():
    assert status_on(dates(S, date(2024, 3, 9)), date(2024, 3, 10)) == "active"


def test_a_missed_yesterday_and_nothing_today_is_at_risk():
    assert status_on(dates(S, date(2024, 3, 8)), date(2024, 3, 10)) == "at_risk"


def test_logging_today_after_a_missed_yesterday_is_active_again():
    logged = [*dates(S, date(2024, 3, 8)), date(2024, 3, 10)]
    assert status_on(logged, date(2024, 3, 10)) == "active"


def test_two_missed_days_in_a_row_is_broken():
    assert status_on(dates(S, date(2024, 3, 7)), date(2024, 3, 10)) == "broken"


def test_every_day_of_the_target_is_completed():
    assert status_on(dates(S, date(2024, 3, 10)), date(2024, 3, 20), target=10) == "completed"
    assert (
        status_on(dates(S, date(2024, 3, 10)), date(2024, 3, 20), rule="calendar", target=10) == "completed"
    )


def test_a_calendar_round_past_its_last_day_with_gaps_is_finished():
    logged = dates(S, date(2024, 3, 10), skip={date(2024, 3, 4)})
    assert status_on(logged, date(2024, 3, 20), rule="calendar", target=10) == "finished"


def test_before_the_shared_start_nobody_has_started():
    assert status_on([], date(2024, 2, 28)) == "upcoming"


def test_a_calendar_round_is_never_at_risk_or_broken():
    assert status_on(dates(S, date(2024, 3, 3)), date(2024, 3, 10), rule="calendar") == "active"


# --- Figures in each member's own time zone and rollover -----------------------------------

# 23:30 UTC on Sunday 10 March 2024:
#   Auckland (UTC+13): 12:30 on Monday 11 March;
#   Los Angeles (UTC-7 since that morning's DST change), rollover 3: 16:30 on Sunday 10 March;
#   Madrid (UTC+1), rollover 5: 00:30 on Monday 11 March, still Sunday 10 March before 05:00.
#   Kolkata (UTC+5:30): 05:00 on Monday 11 March.
NOW = datetime(2024, 3, 10, 23, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_each_member_is_counted_on_their_own_day_like_their_dashboard():
    organizer = person("teacher", "Europe/Madrid")
    cohort = make_cohort(organizer, start=S)
    logged_to_10 = dates(S, date(2024, 3, 10))
    # Auckland is on the 11th: logged up to the 10th means not logged today, still active.
    member(cohort, "kiri", time_zone="Pacific/Auckland", logged=logged_to_10)
    # Los Angeles is on the 10th and logged it.
    member(cohort, "dana", time_zone="America/Los_Angeles", rollover_hour=3, logged=logged_to_10)
    # Madrid with rollover 5 is still on the 10th: logged up to the 8th, so the 9th was missed → at risk.
    member(cohort, "lucia", time_zone="Europe/Madrid", rollover_hour=5, logged=dates(S, date(2024, 3, 8)))
    # Kolkata is on the 11th: last logged the 8th, so the 9th and 10th are missed → broken on the 10th.
    member(cohort, "arjun", time_zone="Asia/Kolkata", logged=dates(S, date(2024, 3, 8)))

    rows = {r.user.handle: r for r in selectors.member_rows(cohort, NOW)}
    got = {
        h: (r.today, r.summary.day, r.summary.current_streak, r.summary.missed, r.status, r.logged_today)
        for h, r in rows.items()
    }
    assert got == {
        "kiri": (date(2024, 3, 11), 11, 10, 0, "active", False),
        "dana": (date(2024, 3, 10), 10, 10, 0, "active", True),
        "lucia": (date(2024, 3, 10), 9, 0, 1, "at_risk", False),
        "arjun": (date(2024, 3, 11), None, 0, 2, "broken", False),  # over: no "Day N"
    }
    assert rows["arjun"].summary.broken_on == date(2024, 3, 10)
    # The same numbers the member's own dashboard computes for the same instant.
    for r in rows.values():
        round = Round.objects.select_related("user").get(pk=r.round.pk)
        own = journal_selectors.round_summary(round, today_for(round.user, NOW))
        assert (own.day, own.current_streak, own.missed, own.logged, own.logged_today, own.status) == (
            r.summary.day,
            r.summary.current_streak,
            r.summary.missed,
            r.summary.logged,
            r.summary.logged_today,
            r.summary.status,
        )
    # An hour later Madrid's rollover has not passed yet either: the same local day.
    later = {r.user.handle: r.today for r in selectors.member_rows(cohort, NOW + timedelta(hours=1))}
    assert later["lucia"] == date(2024, 3, 10)
    assert later["dana"] == date(2024, 3, 10)

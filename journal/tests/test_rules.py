"""The challenge's arithmetic (journal.rules): plain dates in, numbers out, no database."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal import rules
from journal.rules import (
    ACTIVE,
    BROKEN,
    CALENDAR,
    COMPLETED,
    ENDED,
    FINISHED,
    FUTURE,
    LOGGED,
    MISSED,
    OFFICIAL,
    TODAY,
)

D = timedelta(days=1)
S = date(2025, 1, 1)


def jan(*days):
    return [date(2025, 1, d) for d in days]


def run(start, n):
    """``n`` consecutive dates from ``start``."""
    return [start + i * D for i in range(n)]


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# --- The example in product.md §2 (official, S = Jan 1, entries Jan 1, 2, 4, 5) ---

EXAMPLE = jan(1, 2, 4, 5)


def test_it_numbers_the_example_days_1_2_3_4():
    assert rules.day_numbers(EXAMPLE, S, OFFICIAL) == dict(zip(EXAMPLE, [1, 2, 3, 4], strict=True))


def test_it_counts_one_missed_day_in_the_example():
    assert rules.missed_dates(EXAMPLE, S, 100, OFFICIAL, today=date(2025, 1, 5)) == jan(3)


def test_it_gives_the_example_a_current_and_longest_streak_of_2():
    assert rules.current_streak(EXAMPLE, date(2025, 1, 5)) == 2
    assert rules.longest_streak(EXAMPLE) == 2


def test_it_does_not_break_the_example():
    assert rules.status(EXAMPLE, S, 100, OFFICIAL, date(2025, 1, 5)) == ACTIVE
    assert rules.broken_on(EXAMPLE, S, 100, OFFICIAL, date(2025, 1, 5)) is None


def test_it_summarizes_the_example():
    summary = rules.summarize(EXAMPLE, S, 100, OFFICIAL, date(2025, 1, 5))
    assert summary.logged == 4
    assert summary.day == 4
    assert summary.current_streak == 2
    assert summary.longest_streak == 2
    assert summary.missed == 1
    assert summary.completion == 0.04
    assert summary.percent == 4
    # One missed day pushes the calendar finish (Apr 10) one day later.
    assert summary.finish == date(2025, 4, 11)
    assert summary.status == ACTIVE
    assert summary.logged_today is True
    assert summary.at_risk is False
    assert summary.cells == []


@pytest.mark.parametrize(
    ("today", "expected_status", "missed"),
    [
        (date(2025, 1, 6), ACTIVE, jan(3)),  # Jan 6 not logged yet: it is today, not missed
        (date(2025, 1, 7), ACTIVE, jan(3, 6)),  # Jan 6 missed: at risk, still active
        (date(2025, 1, 8), BROKEN, jan(3, 6, 7)),  # Jan 6 and Jan 7 both missed
        (date(2025, 1, 20), BROKEN, [*jan(3), *run(date(2025, 1, 6), 14)]),
    ],
)
def test_it_breaks_the_example_exactly_on_jan_8(today, expected_status, missed):
    assert rules.missed_dates(EXAMPLE, S, 100, OFFICIAL, today) == missed
    assert rules.status(EXAMPLE, S, 100, OFFICIAL, today) == expected_status
    assert rules.is_broken(EXAMPLE, S, 100, OFFICIAL, today) is (expected_status == BROKEN)


def test_it_says_the_example_broke_on_the_second_missed_day():
    assert rules.broken_on(EXAMPLE, S, 100, OFFICIAL, date(2025, 1, 8)) == date(2025, 1, 7)


def test_logging_today_lifts_the_risk_of_yesterdays_miss():
    # Jan 1, 2 logged, Jan 3 missed, Jan 4 (today) logged: the miss is no longer followed by another.
    assert rules.summarize(jan(1, 2), S, 100, OFFICIAL, date(2025, 1, 4)).at_risk is True
    assert rules.summarize(jan(1, 2, 4), S, 100, OFFICIAL, date(2025, 1, 4)).at_risk is False


def test_it_marks_the_example_at_risk_on_jan_7_only():
    at_risk = {today: rules.summarize(EXAMPLE, S, 100, OFFICIAL, today).at_risk for today in jan(5, 6, 7, 8)}
    assert at_risk == {
        date(2025, 1, 5): False,
        date(2025, 1, 6): False,
        date(2025, 1, 7): True,
        date(2025, 1, 8): False,
    }


def test_it_keeps_the_example_unbroken_when_jan_7_is_logged():
    dates = [*EXAMPLE, date(2025, 1, 7)]
    assert rules.status(dates, S, 100, OFFICIAL, date(2025, 1, 8)) == ACTIVE
    assert rules.missed_dates(dates, S, 100, OFFICIAL, date(2025, 1, 8)) == jan(3, 6)


# --- Day numbers under both rules, over histories with gaps ---


def test_it_numbers_calendar_days_by_offset_from_the_start():
    dates = jan(1, 2, 3, 4, 7)
    assert list(rules.day_numbers(dates, S, CALENDAR).values()) == [1, 2, 3, 4, 7]


def test_it_numbers_official_days_by_logged_order():
    dates = jan(1, 2, 3, 4, 7)
    assert list(rules.day_numbers(dates, S, OFFICIAL).values()) == [1, 2, 3, 4, 5]


def test_it_numbers_a_round_whose_first_entry_is_after_the_start():
    dates = jan(3, 5)
    assert rules.day_numbers(dates, S, OFFICIAL) == {date(2025, 1, 3): 1, date(2025, 1, 5): 2}
    assert rules.day_numbers(dates, S, CALENDAR) == {date(2025, 1, 3): 3, date(2025, 1, 5): 5}


def test_it_ignores_the_order_and_duplicates_of_the_dates_it_is_given():
    assert rules.day_numbers(jan(5, 1, 5, 2), S, OFFICIAL) == {
        date(2025, 1, 1): 1,
        date(2025, 1, 2): 2,
        date(2025, 1, 5): 3,
    }


def test_it_gives_an_unlogged_date_the_number_it_would_have():
    dates = jan(1, 2, 4, 5)
    assert rules.day_number(date(2025, 1, 3), S, OFFICIAL, dates) == 3
    assert rules.day_number(date(2025, 1, 6), S, OFFICIAL, dates) == 5
    assert rules.day_number(date(2025, 1, 3), S, CALENDAR, dates) == 3
    assert rules.day_number(date(2025, 1, 6), S, CALENDAR) == 6


def test_it_gives_a_logged_date_its_own_number():
    assert rules.day_number(date(2025, 1, 4), S, OFFICIAL, EXAMPLE) == 3


def test_it_refuses_an_unknown_rule():
    with pytest.raises(ValueError):
        rules.day_number(S, S, "lunar")
    with pytest.raises(ValueError):
        rules.day_numbers([S], S, "lunar")
    with pytest.raises(ValueError):
        rules.missed_dates([S], S, 100, "lunar", S)


def test_it_does_not_mutate_the_dates_it_is_given():
    dates = jan(5, 1, 2)
    rules.summarize(dates, S, 10, OFFICIAL, date(2025, 1, 6), with_grid=True)
    assert dates == jan(5, 1, 2)


def test_it_accepts_any_iterable_of_dates():
    assert rules.longest_streak(iter(jan(1, 2, 3))) == 3
    assert rules.day_numbers((d for d in jan(2, 1)), S, OFFICIAL) == {
        date(2025, 1, 1): 1,
        date(2025, 1, 2): 2,
    }


def test_it_dates_day_n_when_every_day_is_logged():
    assert rules.date_for_day(1, S) == S
    assert rules.date_for_day(100, S) == date(2025, 4, 10)
    assert rules.calendar_finish(S, 100) == date(2025, 4, 10)
    assert rules.calendar_finish(S, 1) == S


# --- A late joiner backfilling ---


def test_it_renumbers_later_entries_when_an_earlier_date_is_added_under_official():
    before = rules.day_numbers(jan(1, 3, 4), S, OFFICIAL)
    after = rules.day_numbers(jan(1, 2, 3, 4), S, OFFICIAL)
    assert before == {date(2025, 1, 1): 1, date(2025, 1, 3): 2, date(2025, 1, 4): 3}
    assert after == {date(2025, 1, 1): 1, date(2025, 1, 2): 2, date(2025, 1, 3): 3, date(2025, 1, 4): 4}


def test_it_keeps_calendar_numbers_when_an_earlier_date_is_added():
    before = rules.day_numbers(jan(1, 3, 4), S, CALENDAR)
    after = rules.day_numbers(jan(1, 2, 3, 4), S, CALENDAR)
    assert {d: after[d] for d in before} == before


def test_it_lets_a_late_joiner_repair_a_broken_round_by_backfilling():
    today = date(2025, 1, 10)
    joined = jan(10)  # joined on Jan 10 in a round that started on Jan 1
    assert rules.day_numbers(joined, S, OFFICIAL) == {today: 1}
    assert rules.status(joined, S, 100, OFFICIAL, today) == BROKEN

    backfilled = jan(*range(1, 11))
    assert rules.day_numbers(backfilled, S, OFFICIAL)[today] == 10
    assert rules.status(backfilled, S, 100, OFFICIAL, today) == ACTIVE
    assert rules.missed_dates(backfilled, S, 100, OFFICIAL, today) == []
    assert rules.current_streak(backfilled, today) == 10


def test_it_allows_a_backfill_at_any_time_under_official():
    today = date(2025, 3, 1)
    assert rules.date_error(S, S, 100, OFFICIAL, today, jan(10)) is None
    assert rules.allowed_dates(S, 100, OFFICIAL, today, jan(10)) == (S, today)


# --- Streaks ---


def test_it_counts_the_current_streak_ending_today():
    assert rules.current_streak(jan(1, 3, 4, 5), date(2025, 1, 5)) == 3


def test_it_counts_the_current_streak_ending_yesterday_when_today_is_not_logged_yet():
    assert rules.current_streak(jan(1, 3, 4, 5), date(2025, 1, 6)) == 3


def test_it_counts_no_current_streak_when_neither_today_nor_yesterday_is_logged():
    assert rules.current_streak(jan(1, 3, 4, 5), date(2025, 1, 7)) == 0
    assert rules.current_streak([], date(2025, 1, 7)) == 0


def test_it_counts_a_current_streak_of_one_for_today_alone():
    assert rules.current_streak(jan(1, 5), date(2025, 1, 5)) == 1


def test_it_finds_the_longest_streak_anywhere_in_the_round():
    assert rules.longest_streak(jan(1, 2, 3, 4, 6, 7, 9)) == 4
    assert rules.longest_streak(jan(1, 3, 4, 5, 6, 7, 9)) == 5
    assert rules.longest_streak(jan(9)) == 1
    assert rules.longest_streak([]) == 0


def test_it_counts_a_streak_across_a_month_and_year_boundary():
    dates = [date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1)]
    assert rules.longest_streak(dates) == 3
    assert rules.current_streak(dates, date(2025, 1, 2)) == 3


def test_it_counts_a_streak_across_february_29():
    dates = [date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)]
    assert rules.longest_streak(dates) == 3


# --- Missed days ---


def test_it_counts_missed_days_from_the_start_to_yesterday():
    dates = jan(2, 4)
    assert rules.missed_dates(dates, S, 100, OFFICIAL, date(2025, 1, 6)) == jan(1, 3, 5)
    assert rules.missed_dates(dates, S, 100, CALENDAR, date(2025, 1, 6)) == jan(1, 3, 5)


def test_it_never_counts_today_as_missed():
    assert rules.missed_dates([], S, 100, OFFICIAL, S) == []
    assert rules.missed_dates([], S, 100, CALENDAR, S) == []


def test_it_counts_no_missed_days_before_the_round_starts():
    assert rules.missed_dates([], S, 100, OFFICIAL, date(2024, 12, 20)) == []
    assert rules.missed_dates([], S, 100, CALENDAR, date(2024, 12, 20)) == []


def test_it_never_counts_a_calendar_missed_day_past_the_finish():
    # A 5-day calendar round (Jan 1..5), looked at long after.
    missed = rules.missed_dates(jan(1, 3), S, 5, CALENDAR, date(2025, 3, 1))
    assert missed == jan(2, 4, 5)


def test_it_counts_the_last_calendar_day_as_missed_only_once_it_is_over():
    assert rules.missed_dates(jan(1, 2, 3, 4), S, 5, CALENDAR, date(2025, 1, 5)) == []
    assert rules.missed_dates(jan(1, 2, 3, 4), S, 5, CALENDAR, date(2025, 1, 6)) == jan(5)


def test_it_counts_official_missed_days_only_until_the_target_th_entry():
    # Target 3, reached on Jan 4 after missing Jan 2; nothing after it is missed.
    dates = jan(1, 3, 4)
    assert rules.missed_dates(dates, S, 3, OFFICIAL, date(2025, 2, 1)) == jan(2)


def test_it_keeps_counting_official_missed_days_while_the_target_is_not_reached():
    dates = jan(1, 3)
    assert rules.missed_dates(dates, S, 3, OFFICIAL, date(2025, 1, 6)) == jan(2, 4, 5)


# --- Broken (official only) ---


def test_it_breaks_an_official_round_on_two_missed_days_in_a_row():
    dates = jan(1, 4)
    assert rules.status(dates, S, 100, OFFICIAL, date(2025, 1, 3)) == ACTIVE  # only Jan 2 missed so far
    assert rules.status(dates, S, 100, OFFICIAL, date(2025, 1, 4)) == BROKEN
    assert rules.broken_on(dates, S, 100, OFFICIAL, date(2025, 1, 4)) == date(2025, 1, 3)


def test_it_breaks_a_round_whose_first_two_days_are_missed():
    assert rules.status([], S, 100, OFFICIAL, date(2025, 1, 2)) == ACTIVE
    assert rules.status([], S, 100, OFFICIAL, date(2025, 1, 3)) == BROKEN


def test_it_does_not_break_a_round_on_single_misses_every_other_day():
    dates = jan(1, 3, 5, 7, 9)
    assert rules.status(dates, S, 100, OFFICIAL, date(2025, 1, 10)) == ACTIVE
    assert len(rules.missed_dates(dates, S, 100, OFFICIAL, date(2025, 1, 10))) == 4


def test_it_never_breaks_a_calendar_round():
    assert rules.status(jan(1), S, 100, CALENDAR, date(2025, 1, 20)) == ACTIVE
    assert rules.broken_on(jan(1), S, 100, CALENDAR, date(2025, 1, 20)) is None
    assert rules.summarize(jan(1), S, 100, CALENDAR, date(2025, 1, 20)).at_risk is False


def test_it_does_not_break_an_official_round_for_misses_after_the_target_th_entry():
    dates = jan(1, 2, 3)
    assert rules.status(dates, S, 3, OFFICIAL, date(2025, 1, 30)) == COMPLETED
    assert rules.is_broken(dates, S, 3, OFFICIAL, date(2025, 1, 30)) is False


# --- Completion, projected finish, status ---


def test_it_completes_a_100_day_round_logged_every_day():
    dates = run(S, 100)
    today = date(2025, 4, 10)
    summary = rules.summarize(dates, S, 100, OFFICIAL, today, with_grid=True)
    assert summary.status == COMPLETED
    assert summary.logged == 100
    assert summary.day == 100
    assert summary.completion == 1.0
    assert summary.percent == 100
    assert summary.finish == today
    assert summary.missed == 0
    assert summary.current_streak == summary.longest_streak == 100
    assert [c.day for c in summary.cells] == list(range(1, 101))
    assert {c.state for c in summary.cells} == {LOGGED}


def test_it_completes_a_100_day_round_with_a_few_single_misses():
    # Misses on days 10, 40 and 70 of the calendar: the 100th entry lands on Apr 13.
    skipped = {S + 9 * D, S + 39 * D, S + 69 * D}
    dates = [d for d in run(S, 103) if d not in skipped]
    today = date(2025, 6, 1)
    assert len(dates) == 100
    assert rules.status(dates, S, 100, OFFICIAL, today) == COMPLETED
    assert rules.projected_finish(dates, S, 100, OFFICIAL, today) == date(2025, 4, 13)
    assert rules.missed_dates(dates, S, 100, OFFICIAL, today) == sorted(skipped)
    assert rules.day_numbers(dates, S, OFFICIAL)[date(2025, 4, 13)] == 100


def test_it_keeps_a_completed_round_completed_as_time_passes():
    dates = run(S, 100)
    for today in (date(2025, 4, 10), date(2025, 4, 12), date(2026, 1, 1)):
        assert rules.status(dates, S, 100, OFFICIAL, today) == COMPLETED
        assert rules.current_day(dates, S, 100, OFFICIAL, today) == 100


def test_it_finishes_a_calendar_round_after_its_finish_date_and_completes_it_only_at_n_equals_t():
    # product.md §2: "Completed" means n = T; a calendar round past its finish with fewer is finished.
    assert rules.is_completed(jan(1, 2), S, 5, CALENDAR, date(2025, 1, 5)) is False
    assert rules.is_finished(jan(1, 2), S, 5, CALENDAR, date(2025, 1, 5)) is False
    assert rules.is_completed(jan(1, 2), S, 5, CALENDAR, date(2025, 1, 6)) is False
    assert rules.is_finished(jan(1, 2), S, 5, CALENDAR, date(2025, 1, 6)) is True
    assert rules.is_completed(jan(1, 2, 3, 4, 5), S, 5, CALENDAR, date(2025, 1, 5)) is True
    assert rules.is_finished(jan(1, 2, 3, 4, 5), S, 5, CALENDAR, date(2025, 1, 9)) is False


def test_it_projects_the_finish_when_today_is_logged():
    # n = 4, today logged: today + (T - n).
    assert rules.projected_finish(EXAMPLE, S, 10, OFFICIAL, date(2025, 1, 5)) == date(2025, 1, 11)


def test_it_projects_the_finish_when_today_is_not_logged_yet():
    # n = 4, today not logged: today + (T - n - 1).
    assert rules.projected_finish(EXAMPLE, S, 10, OFFICIAL, date(2025, 1, 6)) == date(2025, 1, 11)
    assert rules.projected_finish(EXAMPLE, S, 10, OFFICIAL, date(2025, 1, 7)) == date(2025, 1, 12)


def test_it_projects_the_calendar_finish_for_an_untouched_official_round():
    assert rules.projected_finish([], S, 100, OFFICIAL, S) == date(2025, 4, 10)
    assert rules.projected_finish([], S, 100, OFFICIAL, date(2024, 12, 1)) == date(2025, 4, 10)


def test_it_projects_the_date_of_the_target_th_entry_once_completed():
    assert rules.projected_finish(jan(1, 3, 4), S, 3, OFFICIAL, date(2025, 2, 1)) == date(2025, 1, 4)


def test_it_projects_the_calendar_finish_whatever_is_logged_under_calendar():
    assert rules.projected_finish(jan(1), S, 100, CALENDAR, date(2025, 1, 20)) == date(2025, 4, 10)


def test_it_measures_completion_as_logged_days_over_target():
    assert rules.summarize(jan(1, 2, 3), S, 4, OFFICIAL, date(2025, 1, 3)).completion == 0.75
    assert rules.summarize(jan(1, 2, 3), S, 4, CALENDAR, date(2025, 1, 3)).completion == 0.75
    assert rules.summarize([], S, 100, OFFICIAL, S).percent == 0


def test_it_tells_the_current_day_of_the_round():
    assert rules.current_day([], S, 100, OFFICIAL, S) == 1
    assert rules.current_day(EXAMPLE, S, 100, OFFICIAL, date(2025, 1, 5)) == 4
    assert rules.current_day(EXAMPLE, S, 100, OFFICIAL, date(2025, 1, 6)) == 5
    assert rules.current_day(EXAMPLE, S, 100, CALENDAR, date(2025, 1, 6)) == 6
    assert rules.current_day([], S, 100, CALENDAR, date(2024, 12, 1)) == 1
    assert rules.current_day([], S, 100, CALENDAR, date(2025, 12, 1)) == 100


@pytest.mark.parametrize(
    ("dates", "rule", "today", "expected"),
    [
        ([], OFFICIAL, S, ACTIVE),
        (jan(1, 2, 3), OFFICIAL, date(2025, 1, 3), COMPLETED),
        (jan(1, 3), OFFICIAL, date(2025, 1, 4), ACTIVE),
        (jan(1, 4), OFFICIAL, date(2025, 1, 4), BROKEN),
        (jan(1), CALENDAR, date(2025, 1, 3), ACTIVE),
        (jan(1), CALENDAR, date(2025, 1, 4), FINISHED),  # calendar over (Jan 1..3) with 1 of 3
        (jan(1, 2, 3), CALENDAR, date(2025, 1, 4), COMPLETED),
    ],
)
def test_it_derives_the_status(dates, rule, today, expected):
    assert rules.status(dates, S, 3, rule, today) == expected


# --- Which dates a new entry may have ---


def test_it_allows_dates_from_the_start_to_today_under_official():
    assert rules.allowed_dates(S, 100, OFFICIAL, date(2025, 1, 5), EXAMPLE) == (S, date(2025, 1, 5))


def test_it_allows_no_date_once_an_official_round_is_complete():
    assert rules.allowed_dates(S, 3, OFFICIAL, date(2025, 1, 9), jan(1, 2, 3)) is None


def test_it_allows_dates_up_to_the_calendar_finish_under_calendar():
    assert rules.allowed_dates(S, 5, CALENDAR, date(2025, 1, 3)) == (S, date(2025, 1, 3))
    assert rules.allowed_dates(S, 5, CALENDAR, date(2025, 3, 1)) == (S, date(2025, 1, 5))


def test_it_allows_no_date_before_the_round_starts():
    assert rules.allowed_dates(S, 100, OFFICIAL, date(2024, 12, 31)) is None
    assert rules.allowed_dates(S, 100, CALENDAR, date(2024, 12, 31)) is None


def test_it_allows_the_start_date_on_the_first_day():
    assert rules.allowed_dates(S, 100, OFFICIAL, S) == (S, S)


@pytest.mark.parametrize(
    ("d", "rule", "target", "dates", "expected"),
    [
        (date(2025, 1, 6), OFFICIAL, 100, EXAMPLE, "future"),
        (date(2025, 1, 6), CALENDAR, 100, EXAMPLE, "future"),
        (date(2024, 12, 31), OFFICIAL, 100, EXAMPLE, "before_start"),
        (date(2024, 12, 31), CALENDAR, 100, EXAMPLE, "before_start"),
        (date(2025, 1, 4), OFFICIAL, 100, EXAMPLE, "duplicate"),
        (date(2025, 1, 4), CALENDAR, 100, EXAMPLE, "duplicate"),
        (date(2025, 1, 5), CALENDAR, 4, jan(1, 2), "after_finish"),
        (date(2025, 1, 3), OFFICIAL, 4, EXAMPLE, "round_complete"),
        (date(2025, 1, 3), OFFICIAL, 100, EXAMPLE, None),
        (date(2025, 1, 3), CALENDAR, 100, EXAMPLE, None),
        (date(2025, 1, 5), OFFICIAL, 100, jan(1), None),  # today itself
        (S, OFFICIAL, 100, [], None),  # the start itself
        (date(2025, 1, 4), CALENDAR, 4, jan(1, 2), None),  # the calendar finish itself
    ],
)
def test_it_explains_why_a_date_cannot_be_logged(d, rule, target, dates, expected):
    assert rules.date_error(d, S, target, rule, date(2025, 1, 5), dates) == expected


def test_it_reports_a_future_date_before_anything_else():
    assert rules.date_error(date(2026, 1, 1), S, 3, OFFICIAL, date(2025, 1, 5), jan(1, 2, 3)) == "future"


# --- Local "today": time zone and rollover hour ---


def test_it_uses_the_date_at_midnight_with_no_rollover():
    assert rules.local_today(utc(2025, 1, 2, 0, 0), "UTC") == date(2025, 1, 2)
    assert rules.local_today(utc(2025, 1, 1, 23, 59, 59), "UTC") == date(2025, 1, 1)


def test_it_keeps_the_previous_date_until_the_rollover_hour():
    # Rollover 3: an entry written at 02:30 belongs to the previous date.
    assert rules.local_today(utc(2025, 1, 2, 2, 30), "UTC", 3) == date(2025, 1, 1)
    assert rules.local_today(utc(2025, 1, 2, 2, 59, 59), "UTC", 3) == date(2025, 1, 1)
    assert rules.local_today(utc(2025, 1, 2, 3, 0), "UTC", 3) == date(2025, 1, 2)


@pytest.mark.parametrize(
    "zone",
    [
        "UTC",
        "Europe/Madrid",
        "America/New_York",
        "America/Los_Angeles",
        "Asia/Kolkata",  # +05:30
        "Asia/Kathmandu",  # +05:45
        "Australia/Lord_Howe",  # half-hour DST
        "Pacific/Kiritimati",  # +14
        "Pacific/Pago_Pago",  # -11
    ],
)
@pytest.mark.parametrize("rollover", range(7))
def test_it_turns_the_date_at_the_rollover_hour_in_every_zone(zone, rollover):
    tz = ZoneInfo(zone)
    at_rollover = datetime(2025, 6, 15, rollover, 0, tzinfo=tz).astimezone(UTC)
    assert rules.local_today(at_rollover, zone, rollover) == date(2025, 6, 15)
    assert rules.local_today(at_rollover - timedelta(seconds=1), zone, rollover) == date(2025, 6, 14)
    # The same instant seen with no rollover is already the new date (for rollover > 0).
    assert rules.local_today(at_rollover - timedelta(seconds=1), zone, 0) == (
        date(2025, 6, 15) if rollover else date(2025, 6, 14)
    )


def test_it_accepts_a_zoneinfo_as_well_as_a_name():
    now = utc(2025, 1, 1, 23, 30)
    assert rules.local_today(now, ZoneInfo("Europe/Madrid")) == rules.local_today(now, "Europe/Madrid")


def test_it_gives_dates_two_days_apart_on_either_side_of_the_date_line():
    now = utc(2025, 1, 1, 10, 30)
    assert rules.local_today(now, "Pacific/Kiritimati") == date(2025, 1, 2)  # 00:30 on Jan 2
    assert rules.local_today(now, "Pacific/Pago_Pago") == date(2024, 12, 31)  # 23:30 on Dec 31
    assert rules.local_today(now, "UTC") == date(2025, 1, 1)


def test_it_applies_the_rollover_on_the_far_side_of_the_date_line():
    # 05:00 in Kiritimati on Jan 2 is 15:00 UTC on Jan 1.
    now = utc(2025, 1, 1, 15, 0)
    assert rules.local_today(now, "Pacific/Kiritimati", 5) == date(2025, 1, 2)
    assert rules.local_today(now, "Pacific/Kiritimati", 6) == date(2025, 1, 1)
    # 02:00 in Pago Pago on Jan 1 is 13:00 UTC on Jan 1.
    assert rules.local_today(utc(2025, 1, 1, 13, 0), "Pacific/Pago_Pago", 2) == date(2025, 1, 1)
    assert rules.local_today(utc(2025, 1, 1, 12, 59), "Pacific/Pago_Pago", 2) == date(2024, 12, 31)


@pytest.mark.parametrize(
    ("now", "rollover", "expected"),
    [
        # Madrid springs forward on Sun 30 March 2025: 02:00 CET becomes 03:00 CEST (01:00 UTC).
        (utc(2025, 3, 29, 22, 59), 0, date(2025, 3, 29)),  # 23:59 CET
        (utc(2025, 3, 29, 23, 0), 0, date(2025, 3, 30)),  # 00:00 CET
        (utc(2025, 3, 30, 0, 59), 3, date(2025, 3, 29)),  # 01:59 CET, before the jump
        (utc(2025, 3, 30, 1, 0), 3, date(2025, 3, 30)),  # 03:00 CEST, right after the jump
        (utc(2025, 3, 30, 0, 59), 2, date(2025, 3, 29)),  # 01:59 CET
        (utc(2025, 3, 30, 1, 0), 2, date(2025, 3, 30)),  # 03:00 CEST: 02:xx never happened
        # Madrid falls back on Sun 26 October 2025: 03:00 CEST becomes 02:00 CET (01:00 UTC).
        (utc(2025, 10, 26, 0, 30), 3, date(2025, 10, 25)),  # 02:30 CEST, the first time
        (utc(2025, 10, 26, 1, 30), 3, date(2025, 10, 25)),  # 02:30 CET, the second time
        (utc(2025, 10, 26, 1, 59), 3, date(2025, 10, 25)),  # 02:59 CET
        (utc(2025, 10, 26, 2, 0), 3, date(2025, 10, 26)),  # 03:00 CET
        (utc(2025, 10, 25, 23, 59), 2, date(2025, 10, 25)),  # 01:59 CEST
        (utc(2025, 10, 26, 0, 0), 2, date(2025, 10, 26)),  # 02:00 CEST
        (utc(2025, 10, 26, 1, 0), 2, date(2025, 10, 26)),  # 02:00 CET, the hour again
    ],
)
def test_it_follows_the_wall_clock_through_a_madrid_dst_night(now, rollover, expected):
    assert rules.local_today(now, "Europe/Madrid", rollover) == expected


@pytest.mark.parametrize(
    ("now", "rollover", "expected"),
    [
        # New York springs forward on Sun 9 March 2025: 02:00 EST becomes 03:00 EDT (07:00 UTC).
        (utc(2025, 3, 9, 4, 59), 0, date(2025, 3, 8)),  # 23:59 EST
        (utc(2025, 3, 9, 5, 0), 0, date(2025, 3, 9)),  # 00:00 EST
        (utc(2025, 3, 9, 6, 59), 2, date(2025, 3, 8)),  # 01:59 EST
        (utc(2025, 3, 9, 7, 0), 2, date(2025, 3, 9)),  # 03:00 EDT
        # New York falls back on Sun 2 November 2025: 02:00 EDT becomes 01:00 EST (06:00 UTC).
        (utc(2025, 11, 2, 4, 59), 1, date(2025, 11, 1)),  # 00:59 EDT
        (utc(2025, 11, 2, 5, 30), 1, date(2025, 11, 2)),  # 01:30 EDT
        (utc(2025, 11, 2, 6, 30), 1, date(2025, 11, 2)),  # 01:30 EST, the hour again
        (utc(2025, 11, 2, 6, 30), 2, date(2025, 11, 1)),  # 01:30 EST with rollover 2
        (utc(2025, 11, 2, 7, 0), 2, date(2025, 11, 2)),  # 02:00 EST
    ],
)
def test_it_follows_the_wall_clock_through_a_new_york_dst_night(now, rollover, expected):
    assert rules.local_today(now, "America/New_York", rollover) == expected


def test_it_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        rules.local_today(datetime(2025, 1, 1, 12, 0), "UTC")


@pytest.mark.parametrize("rollover", [7, -1, 24])
def test_it_refuses_a_rollover_hour_outside_0_to_6(rollover):
    with pytest.raises(ValueError, match="rollover"):
        rules.local_today(utc(2025, 1, 1, 12, 0), "UTC", rollover)


# --- The grid ---


def cells(dates, target, rule, today, start=S):
    return [(c.date.day, c.state, c.day) for c in rules.grid(dates, start, target, rule, today)]


def test_it_draws_the_official_grid_with_logged_missed_today_and_future_cells():
    assert cells(EXAMPLE, 7, OFFICIAL, date(2025, 1, 6)) == [
        (1, LOGGED, 1),
        (2, LOGGED, 2),
        (3, MISSED, None),
        (4, LOGGED, 3),
        (5, LOGGED, 4),
        (6, TODAY, 5),
        (7, FUTURE, 6),
        (8, FUTURE, 7),  # the missed day pushes the finish one day later
    ]


def test_it_draws_the_calendar_grid_with_offsets_as_day_numbers():
    assert cells(EXAMPLE, 7, CALENDAR, date(2025, 1, 6)) == [
        (1, LOGGED, 1),
        (2, LOGGED, 2),
        (3, MISSED, None),
        (4, LOGGED, 4),
        (5, LOGGED, 5),
        (6, TODAY, 6),
        (7, FUTURE, 7),
    ]


def test_it_draws_no_today_cell_once_today_is_logged():
    assert cells(EXAMPLE, 6, OFFICIAL, date(2025, 1, 5)) == [
        (1, LOGGED, 1),
        (2, LOGGED, 2),
        (3, MISSED, None),
        (4, LOGGED, 3),
        (5, LOGGED, 4),
        (6, FUTURE, 5),
        (7, FUTURE, 6),
    ]


def test_it_draws_a_grid_of_future_cells_before_the_round_starts():
    grid = cells([], 3, OFFICIAL, date(2024, 12, 30))
    assert grid == [(1, FUTURE, 1), (2, FUTURE, 2), (3, FUTURE, 3)]


def test_it_draws_a_completed_official_grid_up_to_the_target_th_entry():
    assert cells(jan(1, 3, 4), 3, OFFICIAL, date(2025, 2, 1)) == [
        (1, LOGGED, 1),
        (2, MISSED, None),
        (3, LOGGED, 2),
        (4, LOGGED, 3),
    ]


def test_it_draws_a_finished_calendar_grid_without_a_today_cell():
    assert cells(jan(1, 3), 4, CALENDAR, date(2025, 2, 1)) == [
        (1, LOGGED, 1),
        (2, MISSED, None),
        (3, LOGGED, 3),
        (4, MISSED, None),
    ]


def test_it_draws_one_cell_per_date_from_the_start_to_the_projected_finish():
    for today in jan(5, 6, 7):
        summary = rules.summarize(EXAMPLE, S, 30, OFFICIAL, today, with_grid=True)
        grid = summary.cells
        assert [c.date for c in grid] == run(S, len(grid))
        assert grid[-1].date == summary.finish
        assert [c.day for c in grid if c.state in (LOGGED, TODAY, FUTURE)] == list(range(1, 31))
    # Broken from Jan 8 on (product.md §2): no projected finish, the grid stops at the break.
    for today in jan(8, 20):
        summary = rules.summarize(EXAMPLE, S, 30, OFFICIAL, today, with_grid=True)
        assert summary.finish is None
        assert [c.date for c in summary.cells] == run(S, 7)


def test_it_gives_every_logged_cell_the_day_number_of_its_entry():
    dates = jan(2, 3, 7, 8, 9)
    for rule in (OFFICIAL, CALENDAR):
        numbers = rules.day_numbers(dates, S, rule)
        grid = rules.grid(dates, S, 30, rule, date(2025, 1, 10))
        assert {c.date: c.day for c in grid if c.state == LOGGED} == numbers


# --- Properties ---

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1))
offsets = st.sets(st.integers(min_value=0, max_value=400), max_size=60)
targets = st.integers(min_value=1, max_value=366)


@settings(max_examples=150, deadline=None)
@given(start=starts, offs=offsets)
def test_it_always_numbers_official_days_1_to_n_in_date_order(start, offs):
    dates = [start + timedelta(days=o) for o in offs]
    numbers = rules.day_numbers(dates, start, OFFICIAL)
    assert [numbers[d] for d in sorted(numbers)] == list(range(1, len(offs) + 1))
    for d in dates:
        assert rules.day_number(d, start, OFFICIAL, dates) == numbers[d]


@settings(max_examples=150, deadline=None)
@given(start=starts, offs=offsets)
def test_it_always_numbers_calendar_days_by_their_offset(start, offs):
    dates = [start + timedelta(days=o) for o in offs]
    numbers = rules.day_numbers(dates, start, CALENDAR)
    assert numbers == {d: (d - start).days + 1 for d in dates}


@settings(max_examples=150, deadline=None)
@given(start=starts, offs=offsets, extra=st.integers(min_value=0, max_value=400))
def test_it_shifts_only_later_official_days_by_one_on_a_backfill(start, offs, extra):
    dates = {start + timedelta(days=o) for o in offs}
    new = start + timedelta(days=extra)
    if new in dates:
        return
    before = rules.day_numbers(dates, start, OFFICIAL)
    after = rules.day_numbers(dates | {new}, start, OFFICIAL)
    assert after[new] == rules.day_number(new, start, OFFICIAL, dates)
    for d, n in before.items():
        assert after[d] == (n + 1 if d > new else n)


@settings(max_examples=150, deadline=None)
@given(start=starts, offs=offsets, today_off=st.integers(min_value=-5, max_value=450))
def test_the_current_streak_never_exceeds_the_longest(start, offs, today_off):
    today = start + timedelta(days=today_off)
    dates = [start + timedelta(days=o) for o in offs if o <= today_off]
    assert 0 <= rules.current_streak(dates, today) <= rules.longest_streak(dates) <= len(dates)


@settings(max_examples=150, deadline=None)
@given(start=starts, offs=offsets, target=targets, today_off=st.integers(min_value=-5, max_value=450))
def test_missed_and_logged_days_fill_the_calendar_window(start, offs, target, today_off):
    today = start + timedelta(days=today_off)
    finish = rules.calendar_finish(start, target)
    dates = {start + timedelta(days=o) for o in offs}
    dates = {d for d in dates if d <= min(today, finish)}
    last = min(today - D, finish)
    window = max(0, (last - start).days + 1)
    logged_in_window = sum(1 for d in dates if d <= last)
    missed = rules.missed_dates(dates, start, target, CALENDAR, today)
    assert len(missed) + logged_in_window == window
    assert all(start <= d <= last and d not in dates for d in missed)


@settings(max_examples=150, deadline=None)
@given(start=starts, offs=offsets, target=targets, today_off=st.integers(min_value=-5, max_value=450))
def test_the_grid_covers_the_round_and_agrees_with_the_summary(start, offs, target, today_off):
    today = start + timedelta(days=today_off)
    dates = sorted(start + timedelta(days=o) for o in offs if o <= today_off)[:target]
    for rule in (OFFICIAL, CALENDAR):
        if rule == CALENDAR:
            dates = [d for d in dates if d <= rules.calendar_finish(start, target)]
        summary = rules.summarize(dates, start, target, rule, today, with_grid=True)
        grid = summary.cells
        assert [c.date for c in grid] == [start + timedelta(days=i) for i in range(len(grid))]
        assert sum(c.state == LOGGED for c in grid) == len(dates)
        assert sum(c.state == TODAY for c in grid) == (
            1 if today in {c.date for c in grid} and today not in dates else 0
        )
        assert summary.missed == len([c for c in grid if c.state == MISSED])
        assert summary.current_streak <= summary.longest_streak
        assert 0.0 <= summary.completion <= 1.0
        assert summary.status in (ACTIVE, COMPLETED, BROKEN, FINISHED)
        # A broken round has no projected finish (product.md §2): this holds while it is active.
        if rule == OFFICIAL and summary.status == ACTIVE and today >= start:
            assert grid[-1].date == summary.finish
            assert [c.day for c in grid if c.state != MISSED] == list(range(1, target + 1))


# --- Rounds that are over: frozen figures (product.md §2, after the worked example) ---

SPRING = date(2024, 3, 4)
SPRING_LOG = [date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 7)]


def test_the_spec_example_broke_on_march_9_2024_after_3_days_with_3_missed():
    summary = rules.summarize(SPRING_LOG, SPRING, 100, OFFICIAL, date(2026, 12, 1), with_grid=True)
    assert summary.status == BROKEN
    assert summary.broken_on == date(2024, 3, 9)
    assert summary.broke_after == 3
    assert summary.missed == 3  # Mar 6, 8 and 9, not 999
    assert [c.date for c in summary.cells if c.state == MISSED] == [
        date(2024, 3, 6),
        date(2024, 3, 8),
        date(2024, 3, 9),
    ]
    assert summary.day is None  # no "Day N of T"
    assert summary.finish is None  # no projected finish
    assert summary.current_streak == 0
    assert summary.longest_streak == 2
    assert summary.percent == 3
    assert summary.is_over is True
    assert summary.at_risk is False
    assert summary.cells[-1].date == date(2024, 3, 9)


def test_a_broken_round_keeps_its_entries_after_the_break_without_counting_them():
    dates = [*SPRING_LOG, date(2024, 3, 20), date(2024, 3, 22)]
    summary = rules.summarize(dates, SPRING, 100, OFFICIAL, date(2026, 12, 1), with_grid=True)
    assert summary.status == BROKEN
    assert summary.broken_on == date(2024, 3, 9)
    assert summary.broke_after == 3
    assert summary.logged == 5
    assert summary.missed == 3
    states = {c.date: c.state for c in summary.cells}
    assert states[date(2024, 3, 20)] == LOGGED
    assert states[date(2024, 3, 10)] == ENDED
    assert states[date(2024, 3, 21)] == ENDED
    assert summary.cells[-1].date == date(2024, 3, 22)


def test_a_backfill_before_the_break_unbreaks_the_spec_example_and_brings_back_the_live_figures():
    today = date(2024, 3, 11)
    broken = rules.summarize(SPRING_LOG, SPRING, 100, OFFICIAL, today)
    assert broken.status == BROKEN and broken.broken_on == date(2024, 3, 9)

    backfilled = [*SPRING_LOG, date(2024, 3, 8), date(2024, 3, 10)]
    summary = rules.summarize(backfilled, SPRING, 100, OFFICIAL, today)
    assert summary.status == ACTIVE
    assert summary.broken_on is None
    assert summary.day == 6  # 5 logged, today not yet
    assert summary.missed == 2  # Mar 6 and 9, single misses
    assert summary.current_streak == 1
    assert summary.finish == date(2024, 6, 13)  # today + (100 - 5 - 1) days
    assert summary.percent == 5


def test_a_calendar_round_past_its_finish_with_fewer_days_is_finished():
    # 87 of 100: the 15th of Jan, Feb and Mar missed, and the last 10 days.
    dates = [d for d in run(S, 100) if d.day != 15][:87]
    summary = rules.summarize(dates, S, 100, CALENDAR, date(2025, 6, 1), with_grid=True)
    assert summary.status == FINISHED
    assert summary.is_over is True
    assert summary.finish == date(2025, 4, 10)
    assert summary.logged == 87
    assert summary.counted == 87
    assert summary.percent == 87
    assert summary.day is None
    assert summary.missed == 13
    assert summary.cells[-1].date == date(2025, 4, 10)
    assert not [c for c in summary.cells if c.state in (TODAY, FUTURE)]


def test_a_calendar_round_with_every_day_logged_is_completed():
    summary = rules.summarize(run(S, 100), S, 100, CALENDAR, date(2025, 6, 1))
    assert summary.status == COMPLETED
    assert summary.percent == 100
    assert summary.finish == date(2025, 4, 10)
    assert summary.missed == 0


def test_a_finished_round_freezes_the_streak_it_ended_with():
    dates = run(date(2025, 1, 3), 3)  # Jan 3, 4, 5 of a 5-day calendar round
    for today in (date(2025, 1, 6), date(2025, 1, 7), date(2026, 1, 1)):
        summary = rules.summarize(dates, S, 5, CALENDAR, today)
        assert summary.status == FINISHED
        assert summary.current_streak == 3
        assert summary.missed == 2


@pytest.mark.parametrize(
    ("n", "target", "expected"),
    [(29, 100, 29), (57, 100, 57), (58, 100, 58), (29, 50, 58), (87, 150, 58), (203, 350, 58)],
)
def test_it_gives_percentages_rounded_down_in_integer_arithmetic(n, target, expected):
    assert rules.percent(n, target) == expected
    # Through a summary too: n entries from the start of an official round, today logged.
    summary = rules.summarize(run(S, n), S, target, OFFICIAL, S + (n - 1) * D)
    assert summary.percent == expected


def test_it_never_gives_a_percentage_in_floating_point_for_any_target_up_to_366():
    for target in range(1, 367):
        for n in range(target + 1):
            assert rules.percent(n, target) * target <= 100 * n < (rules.percent(n, target) + 1) * target


histories = st.sets(st.integers(min_value=0, max_value=120), max_size=40)


@settings(max_examples=200, deadline=None)
@given(start=starts, offs=histories, target=targets, today_off=st.integers(min_value=0, max_value=200))
def test_missed_days_never_count_past_the_break(start, offs, target, today_off):
    today = start + timedelta(days=today_off)
    dates = sorted(start + timedelta(days=o) for o in offs if o <= today_off)[:target]
    summary = rules.summarize(dates, start, target, OFFICIAL, today, with_grid=True)
    if summary.status != BROKEN:
        return
    missed = [c.date for c in summary.cells if c.state == MISSED]
    assert summary.missed == len(missed)
    assert all(d <= summary.broken_on for d in missed)
    assert summary.broken_on in missed
    assert summary.broke_after == sum(1 for d in dates if d < summary.broken_on)
    assert summary.current_streak == 0 and summary.day is None and summary.finish is None


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    offs=histories,
    target=targets,
    today_off=st.integers(min_value=0, max_value=200),
    later=st.integers(min_value=1, max_value=2000),
)
def test_a_broken_rounds_summary_does_not_change_as_today_moves_forward(
    start, offs, target, today_off, later
):
    today = start + timedelta(days=today_off)
    dates = sorted(start + timedelta(days=o) for o in offs if o <= today_off)[:target]
    now = rules.summarize(dates, start, target, OFFICIAL, today, with_grid=True)
    if now.status != BROKEN:
        return
    then = rules.summarize(dates, start, target, OFFICIAL, today + timedelta(days=later), with_grid=True)
    assert then.status == BROKEN
    assert dataclasses.replace(then, today=today, logged_today=now.logged_today) == now


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    today_off=st.integers(min_value=3, max_value=200),
    misses=st.sets(st.integers(min_value=0, max_value=200), max_size=60),
    extra=st.integers(min_value=1, max_value=100),
    at=st.integers(min_value=0, max_value=200),
)
def test_a_backfill_that_unbreaks_the_round_restores_the_active_figures(start, today_off, misses, extra, at):
    # An active official history: single misses only, never two in a row.
    kept: list[int] = []
    for o in sorted(m for m in misses if m < today_off):
        if not kept or kept[-1] != o - 1:
            kept.append(o)
    offsets = [o for o in range(today_off + 1) if o not in kept]
    dates = [start + timedelta(days=o) for o in offsets]
    today = start + timedelta(days=today_off)
    target = min(366, len(dates) + extra)
    active = rules.summarize(dates, start, target, OFFICIAL, today, with_grid=True)
    if active.status != ACTIVE:
        return
    # Delete two consecutive logged past dates: the round breaks.
    pairs = [o for o in offsets if o + 1 in offsets and o + 1 < today_off]
    if not pairs:
        return
    o = pairs[at % len(pairs)]
    gone = {start + timedelta(days=o), start + timedelta(days=o + 1)}
    broken = rules.summarize([d for d in dates if d not in gone], start, target, OFFICIAL, today)
    assert broken.status == BROKEN
    assert broken.broken_on <= max(gone)
    assert broken.day is None and broken.finish is None and broken.current_streak == 0
    # Backfill them: everything is recomputed, the live figures come back.
    restored = rules.summarize(
        [d for d in dates if d not in gone] + sorted(gone), start, target, OFFICIAL, today, with_grid=True
    )
    assert restored == active
    assert restored.day == rules.current_day(dates, start, target, OFFICIAL, today)
    assert restored.finish == rules.projected_finish(dates, start, target, OFFICIAL, today)
    assert restored.current_streak == rules.current_streak(dates, today)
    assert restored.cells[-1].date == restored.finish

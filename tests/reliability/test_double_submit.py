"""Double submits and concurrent edits against a live server on PostgreSQL, as people really make them.

Each test signs one participant in on several independent HTTP sessions (as several browser
tabs or a double click would), loads the form on each to get its CSRF token, then releases
every POST at once with a barrier. The live server answers each request in its own thread
with its own database connection, so the requests really race inside PostgreSQL.

What must hold: no response is a server error, no write is lost or doubled, day numbers match
the dates, and the losers of a race get a message a person can act on.
"""

import os
import re
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from journal import clock, rules, services
from journal.models import Entry, Round

requests = pytest.importorskip("requests")

BURST = 24
TIMEOUT = 60  # seconds: for one request, and for the whole burst to finish
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ALREADY_LOGGED = "is already logged in this round"
GONE = "has just been deleted; nothing was saved"


_open_sessions = []


@pytest.fixture
def live(live_server, transactional_db, settings):
    # These bursts are about concurrency: a participant's 24 tabs at once are past the write
    # limit (tests/security/test_write_rate_limits.py), which is turned off here.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "write": "off"}
    if connection.vendor != "postgresql":
        message = "the concurrency tests need PostgreSQL (set DATABASE_URL)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from django.core.cache import cache

    cache.clear()
    yield live_server.url
    # Each kept-alive HTTP connection holds a server thread and its database connection.
    while _open_sessions:
        _open_sessions.pop().close()


def tab(base, user, form_path):
    """A signed-in HTTP session of ``user`` that has loaded ``form_path``; returns (session, token)."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    _open_sessions.append(session)
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    response = session.get(base + form_path, timeout=TIMEOUT, allow_redirects=False)
    assert response.status_code == 200, (form_path, response.status_code)
    assert settings.CSRF_COOKIE_NAME in session.cookies, "the form page set no CSRF cookie"
    return session, TOKEN_RE.search(response.text).group(1)


def burst(base, jobs):
    """POST every ``(session, token, path, data)`` of ``jobs`` at the same moment.

    Returns one ``(status, body)`` per job, in order; a request that raised gives ``(None, repr)``.
    """
    barrier = threading.Barrier(len(jobs), timeout=TIMEOUT)
    results = [None] * len(jobs)

    def run(i, session, token, path, data):
        try:
            barrier.wait()
            response = session.post(
                base + path,
                data={**data, "csrfmiddlewaretoken": token},
                headers={"Referer": base + path},
                timeout=TIMEOUT,
                allow_redirects=False,
            )
            results[i] = (response.status_code, response.text)
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            results[i] = (None, repr(error))

    threads = [threading.Thread(target=run, args=(i, *job), daemon=True) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "some requests never finished"
    return results


def statuses(results):
    return sorted(str(status) for status, _body in results)


def assert_no_server_error(results):
    failed = [(status, body[:300]) for status, body in results if status is None or status >= 500]
    assert not failed, failed


def assert_day_numbers_match(round):
    entries = list(Entry.objects.filter(round=round).order_by("date"))
    expected = rules.day_numbers([e.date for e in entries], round.start_date, round.rule)
    assert [e.day for e in entries] == [expected[e.date] for e in entries]
    return entries


def test_24_simultaneous_logs_of_one_date_make_one_entry(live, user):
    today = clock.today_for(user)
    round = services.start_round(user, start_date=today - timedelta(days=10), visibility="public")
    services.create_entry(round, date=today - timedelta(days=3), progress="Earlier.")
    day = today - timedelta(days=1)
    tabs = [tab(live, user, f"/log/?round={round.number}") for _ in range(BURST)]
    data = {"round": round.number, "date": day.isoformat(), "progress": "Worked on the parser."}

    results = burst(live, [(session, token, "/log/", data) for session, token in tabs])

    assert_no_server_error(results)
    assert statuses(results) == ["302"] + ["400"] * (BURST - 1)
    losers = [body for status, body in results if status == 400]
    assert all(ALREADY_LOGGED in body for body in losers)
    assert Entry.objects.filter(round=round, date=day).count() == 1
    entries = assert_day_numbers_match(round)
    assert [e.day for e in entries] == [1, 2]


def test_24_simultaneous_round_starts_get_consecutive_numbers(live, user):
    today = clock.today_for(user).isoformat()
    tabs = [tab(live, user, "/rounds/new/") for _ in range(BURST)]
    data = {"title": "", "start_date": today, "target": 100, "rule": "official", "visibility": "private"}

    results = burst(live, [(session, token, "/rounds/new/", data) for session, token in tabs])

    assert_no_server_error(results)
    assert statuses(results) == ["302"] * BURST
    numbers = sorted(Round.objects.filter(user=user).values_list("number", flat=True))
    assert numbers == list(range(1, BURST + 1))


def test_concurrent_edits_of_one_entry_leave_one_whole_version(live, user):
    today = clock.today_for(user)
    round = services.start_round(user, start_date=today - timedelta(days=10), visibility="public")
    for ago in (8, 6, 4, 2, 0):
        services.create_entry(round, date=today - timedelta(days=ago), progress=f"{ago} days ago.")
    target = today - timedelta(days=4)
    path = f"/rounds/{round.number}/{target.isoformat()}/edit/"
    version = Round.objects.get(pk=round.pk).version
    writers = 8
    tabs = [tab(live, user, path) for _ in range(writers)]

    def edit(i):
        return {
            "date": target.isoformat(),
            "title": f"Edit {i}",
            "progress": f"Version {i} of the day.",
            "thoughts": f"Thought {i}.",
            "minutes": 10 + i,
            "tags": f"writer{i}, common",
            "links": f"Writer {i} https://example.com/{i}",
        }

    results = burst(live, [(s, token, path, edit(i)) for i, (s, token) in enumerate(tabs)])

    assert_no_server_error(results)
    assert statuses(results) == ["302"] * writers
    entry = Entry.objects.get(round=round, date=target)
    # Last write wins as a whole: every field comes from the same writer, none half-applied.
    i = int(entry.title.removeprefix("Edit "))
    assert (entry.progress, entry.thoughts, entry.minutes) == (
        f"Version {i} of the day.",
        f"Thought {i}.",
        10 + i,
    )
    assert sorted(t.name for t in entry.tags.all()) == ["common", f"writer{i}"]
    assert [(link.label, link.url) for link in entry.links.all()] == [
        (f"Writer {i}", f"https://example.com/{i}")
    ]
    # Every edit was applied, one after the other (each bumps the round's version once).
    assert Round.objects.get(pk=round.pk).version == version + writers
    assert [e.day for e in assert_day_numbers_match(round)] == [1, 2, 3, 4, 5]


def test_two_entries_moved_to_one_free_date_at_once(live, user):
    today = clock.today_for(user)
    round = services.start_round(user, start_date=today - timedelta(days=10), visibility="public")
    for ago in (9, 7, 5):
        services.create_entry(round, date=today - timedelta(days=ago), progress=f"{ago} days ago.")
    free = (today - timedelta(days=3)).isoformat()
    jobs = []
    for ago in (9, 7, 5):
        path = f"/rounds/{round.number}/{(today - timedelta(days=ago)).isoformat()}/edit/"
        session, token = tab(live, user, path)
        jobs.append((session, token, path, {"date": free, "progress": f"Moved from {ago} days ago."}))

    results = burst(live, jobs)

    assert_no_server_error(results)
    assert statuses(results) == ["302", "400", "400"]
    assert all(ALREADY_LOGGED in body for status, body in results if status == 400)
    entries = assert_day_numbers_match(round)
    assert len(entries) == 3
    assert free in [e.date.isoformat() for e in entries]


def test_an_entry_edited_while_it_is_deleted(live, user):
    today = clock.today_for(user)
    round = services.start_round(user, start_date=today - timedelta(days=10), visibility="public")
    for ago in (6, 4, 2):
        services.create_entry(round, date=today - timedelta(days=ago), progress=f"{ago} days ago.")
    day = (today - timedelta(days=4)).isoformat()
    edit_path = f"/rounds/{round.number}/{day}/edit/"
    delete_path = f"/rounds/{round.number}/{day}/delete/"
    jobs = []
    for i in range(6):
        session, token = tab(live, user, edit_path)
        jobs.append((session, token, edit_path, {"date": day, "progress": f"Edit {i}."}))
    session, token = tab(live, user, delete_path)
    jobs.append((session, token, delete_path, {}))

    results = burst(live, jobs)

    assert_no_server_error(results)
    assert results[-1][0] == 302  # the delete
    # An edit that ran before the delete saved (302); one after it is told the entry is gone
    # (400, when it had loaded the entry before the delete) or finds nothing (404).
    assert {status for status, _body in results[:-1]} <= {302, 400, 404}
    assert all(GONE in body for status, body in results[:-1] if status == 400)
    assert not Entry.objects.filter(round=round, date=day).exists()
    assert [e.day for e in assert_day_numbers_match(round)] == [1, 2]


def test_a_day_logged_while_its_round_is_deleted(live, user):
    today = clock.today_for(user)
    round = services.start_round(user, start_date=today - timedelta(days=10), visibility="public")
    services.create_entry(round, date=today - timedelta(days=5), progress="Before.")
    jobs = []
    for ago in range(4):
        session, token = tab(live, user, f"/log/?round={round.number}")
        data = {
            "round": round.number,
            "date": (today - timedelta(days=ago)).isoformat(),
            "progress": "Racing.",
        }
        jobs.append((session, token, "/log/", data))
    delete_path = f"/rounds/{round.number}/delete/"
    session, token = tab(live, user, delete_path)
    jobs.append((session, token, delete_path, {}))

    results = burst(live, jobs)

    assert_no_server_error(results)
    assert results[-1][0] == 302
    assert {status for status, _body in results[:-1]} <= {302, 400, 404}
    assert all(GONE in body for status, body in results[:-1] if status == 400)
    assert not Round.objects.filter(pk=round.pk).exists()
    assert not Entry.objects.filter(round_id=round.pk).exists()


# The same races, deterministic: the page looked the row up, then another request deleted it.


def test_saving_an_entry_deleted_meanwhile_says_so(db, user):
    today = clock.today_for(user)
    round = services.start_round(user, start_date=today - timedelta(days=3))
    stale = services.create_entry(round, date=today, progress="Soon gone.")
    Entry.objects.filter(pk=stale.pk).delete()

    with pytest.raises(services.RuleError) as error:
        services.update_entry(stale, progress="Too late.")
    assert error.value.code == "gone"
    assert GONE in error.value.message


def test_logging_into_a_round_deleted_meanwhile_says_so(db, user):
    today = clock.today_for(user)
    stale = services.start_round(user, start_date=today - timedelta(days=3))
    services.delete_round(stale)

    with pytest.raises(services.RuleError) as error:
        services.create_entry(stale, date=today, progress="Too late.")
    assert error.value.code == "gone"
    services.delete_round(stale)  # deleting it twice is not an error
    assert not Round.objects.filter(user=user).exists()


def test_simultaneous_joins_of_one_person_make_one_membership_and_one_round(live, user, other_user):
    """A double click (or eight tabs) on "Join the cohort": one membership row, one new round."""
    from cohorts import services as cohort_services
    from cohorts.models import Membership

    cohort = cohort_services.create_cohort(
        other_user, name="Double join", start_date=clock.today_for(user), take_part=False
    )
    path = f"/c/{cohort.slug}/join/{cohort.invite_token}/"
    tabs = [tab(live, user, path) for _ in range(8)]  # under the 10-a-minute join limit

    results = burst(live, [(session, token, path, {}) for session, token in tabs])

    assert_no_server_error(results)
    assert statuses(results) == ["302"] * 8
    assert Membership.objects.filter(cohort=cohort, user=user).count() == 1
    assert Round.objects.filter(user=user).count() == 1

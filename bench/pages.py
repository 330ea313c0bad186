"""What the benchmark measures: the pages, their query budgets and goals, and the requests wrk
sends for the POSTs and the long tail (bench/requests.lua reads them)."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Page:
    name: str
    label: str
    budget: int | None = None  # most SQL queries a kept page may cost (Redis), None: report only
    built: int | None = None  # most a request that builds the page may cost (the database cache keeps none)
    goal: float | None = None  # ratio to the ceiling at 8 connections
    auth: bool = False
    post: bool = False
    expect: str = ""  # text the page must contain (proves e.g. that the dashboard is signed in)
    tail: str = ""  # long tail: each request one public URL of this kind at random, the cache emptied
    api: bool = False  # /api/v1/: a personal token (Authorization: Bearer), never the session
    goal_vs: str | None = None  # goal: a ratio at least that page's


# fmt: off
PAGES = [  # one page a line
    Page("ceiling", "ceiling (trivial view, full middleware)", budget=0, built=0),
    Page("home", "visitor home", budget=0, built=3, expect="Latest public entries"),
    Page("dashboard", "dashboard (signed in)", budget=0, built=7, goal=0.35, auth=True, expect='name="progress"'),
    Page("journal_100", "round journal, 100 entries", budget=0, built=2, goal=0.30, expect="Day 100 of 100"),
    Page("journal_366", "round journal, 366 entries", budget=0, built=2, goal=0.20, expect="Day 366 of 366"),
    Page("profile", "public profile", budget=0, built=2, goal=0.35, expect="Hana Hundred"),
    Page("explore", "explore", budget=0, built=3, goal=0.35, expect="Day "),
    Page("permalink", "entry permalink", budget=0, built=1, goal=0.50, expect="Day 50 of 100"),
    Page("feed", "Atom feed (round)", budget=0, built=2, goal=0.35, expect="<feed"),
    Page("badge", "badge SVG", budget=0, built=1, goal=0.60, expect="<svg"),
    Page("log_today", "log-today POST (with redirect)", goal=0.15, auth=True, post=True),
    Page("tail_permalink", "permalink, long tail", built=1, goal=0.20, tail="permalink", expect="Day "),
    Page("tail_journal", "journal (all public rounds), long tail", built=2, goal=0.08, tail="journal", expect="Day "),
    Page("tail_profile", "profile, long tail", built=2, goal=0.25, tail="profile"),
    Page("tail_feed", "Atom feed, long tail", built=2, goal=0.15, tail="feed", expect="<feed"),
    Page("tail_badge", "badge, long tail", built=1, goal=0.40, tail="badge", expect="<svg"),
    # @dash organizes a 300-member cohort (bench_dataset --members).
    Page("cohort", "cohort, organizer's view, 300 members", budget=8, goal=0.10, auth=True, expect='class="members"'),
    Page("cohort_csv", "cohort CSV, 300 members", budget=8, auth=True, expect="Days logged"),
    # The API's budgets hold the token (1 query) and the round with its dates (1), plus, with the
    # database cache only (the smoke), the rate limit's counter: a cache incr is 4 queries there.
    Page("api_me", "API GET /me", budget=5, goal=0.35, api=True, expect='"handle": "dash"'),
    Page("api_round", "API GET /rounds/{n}", budget=6, goal=0.35, api=True, expect='"summary"'),
    Page("api_today", "API POST /today (append)", api=True, post=True, goal_vs="log_today"),
]
# fmt: on
BY_NAME = {p.name: p for p in PAGES}
SCALE_PAGES = ["ceiling", "dashboard", "journal_100", "journal_366"]
# The kept page each long-tail kind is the cold version of (the report puts them side by side).
TAIL_OF = {kind: kind for kind in ("permalink", "profile", "feed", "badge")} | {"journal": "journal_100"}
# The form posted by the log-today POST: Markdown, tags and a link, like a real day.
POST_FIELDS = {
    "title": "Benchmark day",
    "progress": "Wrote **tests** for the import and fixed `parse_date`.\n\n- one\n- two\n\nSee [docs](https://example.com/docs).",
    "thoughts": "Small steps.",
    "links": "https://github.com/example/app/pull/1",
    "minutes": "60",
    "tags": "python, testing",
}
API_POST = json.dumps(
    {
        "progress": "- Parse ISO dates in the importer ([3f9c2a1](https://github.com/example/app/commit/3f9c2a1))",
        "mode": "append",
    }
)
BASE_HEADERS = {"Accept-Language": "en-US,en;q=0.9", "User-Agent": "hundreddays-bench"}


def request(page: Page, manifest: dict) -> tuple[str, dict]:
    """The path and headers of a GET page: signed in as @dash by cookie or by token when it says so."""
    out = dict(BASE_HEADERS)
    if page.auth:
        out["Cookie"] = f"{manifest['session_cookie']}={manifest['dash_session']}"
    if page.api:
        out["Authorization"] = f"Bearer {manifest['api_tokens']['dash']}"
    return manifest["urls"].get(page.name, "/bench/ceiling/"), out


def write_requests(page: Page, manifest: dict, file: Path) -> tuple[Path, str, str]:
    """Write the lines bench/requests.lua sends for a POST or long-tail page: the file, its order and
    the statuses that count as done (requests.lua's arguments)."""

    def line(method, target, body="", **hdrs):
        return "\t".join([method, target, body, *(f"{k.replace('_', '-')}: {v}" for k, v in hdrs.items())])

    posters, sc, cc = manifest["poster_sessions"], manifest["session_cookie"], manifest["csrf_cookie"]
    token = manifest["csrf_token"]
    if page.tail:
        lines, order, ok = [line("GET", p) for p in manifest["tail"][page.tail]], "random", "200"
    elif page.api:
        lines = [
            line("POST", "/api/v1/today", API_POST, Authorization=f"Bearer {manifest['api_tokens'][p['handle']]}",
                 Content_Type="application/json", Accept_Language="en")
            for p in posters
        ]  # fmt: skip
        order, ok = "cycle", "200,201"  # the first request of a poster creates today's entry, then appends
    else:
        # Each request logs the next free day of one poster's round: every poster gets a day
        # before any gets its next one, so no two requests in flight race for one round or date.
        lines = [
            line("POST", f"/log/?round={p['round']}",
                 urllib.parse.urlencode({"csrfmiddlewaretoken": token, "round": p["round"], "date": day} | POST_FIELDS),
                 Cookie=f"{sc}={p['session']}; {cc}={token}", Content_Type="application/x-www-form-urlencoded",
                 Accept_Language="en")
            for day in manifest["poster_dates"] for p in posters
        ]  # fmt: skip
        order, ok = "cycle", "302"  # the redirect to the new entry, not followed
    file.write_text("\n".join(lines) + "\n")
    return file, order, ok


def first_request(file: Path) -> tuple[str, str, str, dict]:
    """The first line of a requests file: method, path, body, headers."""
    method, target, body, *hdrs = file.read_text().split("\n", 1)[0].split("\t")
    return method, target, body, {**BASE_HEADERS, **dict(h.split(": ", 1) for h in hdrs)}

"""Benchmark Hundred Days against its own ceiling (docs/performance.md).

Builds the dataset (manage.py bench_dataset) in a PostgreSQL database whose name
contains "bench", starts gunicorn with the production configuration
(docker/gunicorn.conf.py, debug off) and hundreddays.bench_settings on 127.0.0.1,
warms it, reads each page's SQL query count from the X-Bench-Queries header, then
drives every page with wrk at each connection count, several times, interleaved
with a trivial "ceiling" view through the same middleware. Reports requests per
second, p50/p99 latency, the ratio to the ceiling, queries per request and worker
RSS as Markdown and JSON under bench/results/. The "long tail" pages (tail_*) spread
their requests at random over every public URL of their kind, the cache emptied first.

    .venv/bin/python bench/run.py            # full run (about 25 minutes)
    .venv/bin/python bench/run.py --smoke    # CI: small dataset, 1 s a page, checks only

Only loopback traffic; every wrk run is bounded by --duration.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GUNICORN_CONF = ROOT / "docker" / "gunicorn.conf.py"
POST_SCRIPT = ROOT / "bench" / "post.lua"
TAIL_SCRIPT = ROOT / "bench" / "tail.lua"
API_POST_SCRIPT = ROOT / "bench" / "api_post.lua"
# The API's own limit per token would stop wrk after a few hundred requests: set out of reach,
# so its counter still runs (one cache call a request) but never refuses.
API_LIMIT_OUT_OF_REACH = "1000000000"
# Only for the benchmark's own throwaway database; never a real secret.
BENCH_SECRET = "bench-only-secret-key-not-for-production-0123456789abcdef"
HOST = "127.0.0.1"
WRK_THREADS = 1  # wrk shares the 2 cores with gunicorn and PostgreSQL; one thread is plenty


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
    # The long tail: every request one of all public URLs of this kind, at random (tail_urls);
    # the cache is emptied before each run, so most requests find no kept page.
    tail: str = ""
    api: bool = False  # /api/v1/: a personal token (Authorization: Bearer), never the session
    goal_vs: str | None = None  # goal: a ratio at least that page's


PAGES = [
    Page("ceiling", "ceiling (trivial view, full middleware)", budget=0, built=0),
    Page("home", "visitor home", budget=0, built=3, expect="Latest public entries"),
    Page(
        "dashboard",
        "dashboard (signed in)",
        budget=0,
        built=7,
        goal=0.35,
        auth=True,
        expect='name="progress"',
    ),
    Page("journal_100", "round journal, 100 entries", budget=0, built=4, goal=0.30, expect="Day 100 of 100"),
    Page("journal_366", "round journal, 366 entries", budget=0, built=4, goal=0.20, expect="Day 366 of 366"),
    Page("profile", "public profile", budget=0, built=3, goal=0.35, expect="Hana Hundred"),
    Page("explore", "explore", budget=0, built=3, goal=0.35, expect="Day "),
    Page("permalink", "entry permalink", budget=0, built=4, goal=0.50, expect="Day 50 of 100"),
    Page("feed", "Atom feed (round)", budget=0, built=4, goal=0.35, expect="<feed"),
    Page("badge", "badge SVG", budget=0, built=2, goal=0.60, expect="<svg"),
    Page("log_today", "log-today POST (with redirect)", goal=0.15, auth=True, post=True),
    Page("tail_permalink", "permalink, long tail", built=4, goal=0.20, tail="permalink", expect="Day "),
    Page(
        "tail_journal",
        "journal (all public rounds), long tail",
        built=4,
        goal=0.08,
        tail="journal",
        expect="Day ",
    ),
    Page("tail_profile", "profile, long tail", built=3, goal=0.25, tail="profile"),
    Page("tail_feed", "Atom feed, long tail", built=4, goal=0.15, tail="feed", expect="<feed"),
    Page("tail_badge", "badge, long tail", built=2, goal=0.40, tail="badge", expect="<svg"),
    # @dash organizes a 300-member cohort (cohorts/management/commands/bench_cohort.py).
    Page(
        "cohort",
        "cohort, organizer's view, 300 members",
        budget=8,
        goal=0.10,
        auth=True,
        expect='class="members"',
    ),
    Page("cohort_csv", "cohort CSV, 300 members", budget=8, auth=True, expect="Days logged"),
    # The API's budgets hold the token (1 query) and the round with its dates (1), plus, with the
    # database cache only (the smoke), the rate limit's counter: a cache incr is 4 queries there.
    Page("api_me", "API GET /me", budget=5, goal=0.35, api=True, expect='"handle": "dash"'),
    Page("api_round", "API GET /rounds/{n}", budget=6, goal=0.35, api=True, expect='"summary"'),
    Page("api_today", "API POST /today (append)", api=True, post=True, goal_vs="log_today"),
]
TAIL_KINDS = ("permalink", "journal", "profile", "feed", "badge")
SCALE_PAGES = ["ceiling", "dashboard", "journal_100", "journal_366"]
SCALE_REPEATS = 5  # pairs per page in the scale check (at least; more with --repeats)
SCALE_REDIS_DB = 13  # the smaller dataset's Redis database in the scale check (emptied)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
GOAL_CONNECTIONS = 8
TAIL_CONNECTIONS = 32
RSS_LIMIT_MB = 150
SCALE_TOLERANCE = 0.10
# The form posted by the log-today POST: Markdown, tags and a link, like a real day.
POST_FIELDS = {
    "title": "Benchmark day",
    "progress": "Wrote **tests** for the import and fixed `parse_date`.\n\n- one\n- two\n\nSee [docs](https://example.com/docs).",
    "thoughts": "Small steps.",
    "links": "https://github.com/example/app/pull/1",
    "minutes": "60",
    "tags": "python, testing",
}


# --- helpers --------------------------------------------------------------------------------


def log(message):
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def fail(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(1)


def bench_env(database_url, port, redis_url, workers, threads, max_requests):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="hundreddays.bench_settings",
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=BENCH_SECRET,
        DJANGO_DEBUG="false",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_STATIC_ROOT=str(RESULTS / "static"),
        GUNICORN_BIND=f"{HOST}:{port}",
        PYTHONPATH=str(ROOT),
        API_READS_PER_MINUTE=API_LIMIT_OUT_OF_REACH,
        API_WRITES_PER_MINUTE=API_LIMIT_OUT_OF_REACH,
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    if max_requests is not None:
        env["GUNICORN_MAX_REQUESTS"] = str(max_requests)
    return env


def manage(env, *args, timeout=600):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def admin_connection(database_url, dbname="postgres"):
    import psycopg2

    parts = urllib.parse.urlsplit(database_url)
    conn = psycopg2.connect(
        host=parts.hostname or HOST,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=dbname,
    )
    conn.autocommit = True
    return conn


def database_name(database_url):
    return urllib.parse.urlsplit(database_url).path.lstrip("/")


def create_database(database_url):
    name = database_name(database_url)
    conn = admin_connection(database_url)
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(database_url):
    conn = admin_connection(database_url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{database_name(database_url)}" WITH (FORCE)')
    conn.close()


def flush_redis(redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def static_files_stale():
    """Whether bench/results/static needs collectstatic (no manifest, or a source file is newer)."""
    manifest = RESULTS / "static" / "staticfiles.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [ROOT / "static", *ROOT.glob("*/static")]
    return any(f.stat().st_mtime > built for folder in sources for f in folder.rglob("*") if f.is_file())


def request(port, method, path, headers=None, body=None, timeout=30):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# --- the server -----------------------------------------------------------------------------


class Server:
    """gunicorn with docker/gunicorn.conf.py; stopped by its own pid, never by name."""

    def __init__(self, env, port, log_path):
        self.env, self.port, self.log_path = env, port, log_path
        self.process = None
        self.peak_rss_kb = 0
        # With Redis as the cache, its CPU is part of serving a request too.
        self.cache_pids = redis_pids() if env.get("REDIS_URL") else []

    def start(self):
        if not GUNICORN_CONF.exists():
            fail(f"{GUNICORN_CONF} is missing: the benchmark runs the production gunicorn configuration.")
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                fail(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                if request(self.port, "GET", "/healthz", timeout=2)[0] == 200 and len(self.workers()) >= 1:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        fail(f"gunicorn did not answer /healthz within 60 s; see {self.log_path}")

    def workers(self):
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def rss_kb(self):
        out = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            if match:
                out[pid] = int(match.group(1))
        if out:
            self.peak_rss_kb = max(self.peak_rss_kb, max(out.values()))
        return out

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()


# --- wrk ------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


@dataclass
class Point:
    page: str
    dataset: int
    connections: int
    repeat: int
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    requests: int
    non_2xx_3xx: int
    socket_errors: int
    load_average: float
    socket_detail: dict = field(default_factory=dict)
    cpu_ms: float | None = None  # CPU of the workers and their PostgreSQL backends per request
    ceiling_rps: float | None = None  # mean of the ceiling runs just before and after
    ceiling_cpu_ms: float | None = None
    post_redirects: int | None = None
    post_others: int | None = None
    created_entries: int | None = None


def parse_wrk(text):
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rps:
        fail(f"could not read wrk's output:\n{text}")
    requests = re.search(r"(\d+) requests in", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    post = re.search(r"bench-post: redirects=(\d+) others=(\d+) exhausted=(\d+)", text)
    return {
        "rps": float(rps.group(1)),
        "requests": int(requests.group(1)) if requests else 0,
        "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in sockets.groups()) if sockets else 0,
        "socket_detail": dict(
            zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()), strict=True)
        )
        if sockets
        else {},
        "p50_ms": _ms(latency["50"]) if "50" in latency else None,
        "p99_ms": _ms(latency["99"]) if "99" in latency else None,
        "post": tuple(int(x) for x in post.groups()) if post else None,
    }


def run_wrk(port, path, connections, duration, headers=(), script=None, script_args=()):
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for header in headers:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(f"http://{HOST}:{port}{path}")
    if script_args:
        cmd += ["--", *script_args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if result.returncode != 0:
        fail(f"wrk failed: {result.stderr}")
    return parse_wrk(result.stdout)


# --- the benchmark --------------------------------------------------------------------------


@dataclass
class Run:
    args: argparse.Namespace
    database_url: str
    points: list[Point] = field(default_factory=list)
    queries: dict = field(default_factory=dict)
    rss: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    datasets: dict = field(default_factory=dict)
    workers: int = 0
    # The scale check: the scale pages on a smaller dataset and on the main one, in pairs.
    scale_points: list[Point] = field(default_factory=list)


def budget_of(run, page):
    """A page's query budget: kept (Redis) or built (the long tail, and the database cache, which keeps none)."""
    if page.tail or not run.args.redis_url:
        return page.built
    return page.budget


def page_headers(page, manifest):
    headers = ["Accept-Language: en-US,en;q=0.9", "User-Agent: hundreddays-bench"]
    if page.auth and not page.post:
        headers.append(f"Cookie: {manifest['session_cookie']}={manifest['dash_session']}")
    if page.api and not page.post:
        headers.append(f"Authorization: Bearer {manifest['api_tokens']['dash']}")
    return headers


def add_api(env, manifest, api_post_data):
    """Tokens for @dash (the reads) and every poster (POST /today), made by manage.py create_token."""
    handles = ["dash", *(p["handle"] for p in manifest["poster_sessions"])]
    out = manage(env, "create_token", "--name", "bench", *(a for h in handles for a in ("--handle", h)))
    manifest["api_tokens"] = dict(line.split(" ", 1) for line in out.splitlines() if line.strip())
    manifest["urls"].update(api_me="/api/v1/me", api_round="/api/v1/rounds/2", api_today="/api/v1/today")
    api_post_data.write_text("".join(manifest["api_tokens"][h] + "\n" for h in handles[1:]))


def write_post_data(manifest, path):
    rest = "&" + urllib.parse.urlencode(POST_FIELDS)
    lines = [
        manifest["csrf_token"],
        f"{manifest['session_cookie']} {manifest['csrf_cookie']}",
        " ".join(manifest["poster_dates"]),
        rest,
        *(f"{p['session']} {p['round']}" for p in manifest["poster_sessions"]),
    ]
    path.write_text("\n".join(lines) + "\n")


def check_pages(run, server, manifest, pages, dataset):
    """Query counts and content checks, one request at a time, after the warm-up."""
    counts = {}
    for page in pages:
        if page.post and page.api:
            status, headers, body = api_post_once(server.port, manifest)
            expected = 201
        elif page.post:
            status, headers, body = post_once(server.port, manifest)
            expected = 302
        elif page.tail:
            # One path of the list, built (the cache is cold): what a miss costs.
            path = tail_file(page).read_text().split("\n", 1)[0]
            if server.env.get("REDIS_URL"):
                flush_redis(server.env["REDIS_URL"])
            status, headers, body = request(
                server.port, "GET", path, dict(h.split(": ", 1) for h in page_headers(page, manifest))
            )
            expected = 200
        else:
            path = manifest["urls"].get(page.name, "/bench/ceiling/")
            hdrs = dict(h.split(": ", 1) for h in page_headers(page, manifest))
            # After the warm-up every worker has served the page: the median of 11
            # requests is what a request costs in the steady state (one that lands on a
            # worker that has not kept the page yet reads it from the shared cache).
            seen = []
            for _ in range(11):
                status, headers, body = request(server.port, "GET", path, hdrs)
                seen.append(int(headers.get("X-Bench-Queries", "-1")))
            headers = {"X-Bench-Queries": str(statistics.median_low(seen))}
            expected = 200
        queries = int(headers.get("X-Bench-Queries", "-1"))
        counts[page.name] = queries
        if status != expected:
            run.problems.append(f"{page.name} ({dataset}): status {status}, expected {expected}")
        if page.expect and page.expect.encode() not in body:
            run.problems.append(f"{page.name} ({dataset}): the page does not contain {page.expect!r}")
        budget = budget_of(run, page)
        if budget is not None and queries > budget:
            run.problems.append(f"{page.name} ({dataset}): {queries} queries, budget {budget}")
    run.queries[dataset] = counts
    log("queries per request: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def post_once(port, manifest):
    poster = manifest["poster_sessions"][0]
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": manifest["csrf_token"],
            "round": poster["round"],
            "date": manifest["poster_dates"][0],
        }
        | POST_FIELDS
    )
    headers = {
        "Cookie": f"{manifest['session_cookie']}={poster['session']}; {manifest['csrf_cookie']}={manifest['csrf_token']}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept-Language": "en",
    }
    return request(port, "POST", f"/log/?round={poster['round']}", headers, body)


def api_post_once(port, manifest):
    poster = manifest["poster_sessions"][0]["handle"]
    headers = {
        "Authorization": f"Bearer {manifest['api_tokens'][poster]}",
        "Content-Type": "application/json",
        "Accept-Language": "en",
    }
    body = json.dumps({"progress": "- Check the benchmark's first commit line", "mode": "append"})
    return request(port, "POST", "/api/v1/today", headers, body)


def reset_posters(env):
    out = manage(env, "bench_dataset", "--reset-posters")
    match = re.search(r"Deleted (\d+) entries", out)
    return int(match.group(1)) if match else 0


def warm(server, manifest, pages, seconds):
    for page in pages:
        if page.post:
            continue
        if page.tail:
            run_wrk(server.port, "/", 8, seconds, script=TAIL_SCRIPT, script_args=(str(tail_file(page)),))
            continue
        path = manifest["urls"].get(page.name, "/bench/ceiling/")
        run_wrk(server.port, path, 8, seconds, page_headers(page, manifest))


def redis_pids():
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "redis-server":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def process_ticks(pid):
    """CPU time (user + system, clock ticks) a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])


def server_cpu(server, pg):
    """Ticks of the gunicorn workers, the PostgreSQL backends serving the bench database and Redis."""
    with pg.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database_name(server.env["DATABASE_URL"])],
        )
        backends = [row[0] for row in cur.fetchall()]
    return {pid: process_ticks(pid) for pid in [*server.workers(), *backends, *server.cache_pids]}


def measure_point(run, server, env, manifest, page, dataset, connections, repeat, post_data, pg):
    args = run.args
    created = None
    if page.post:
        reset_posters(env)
    if page.tail and env.get("REDIS_URL"):
        flush_redis(env["REDIS_URL"])  # a cold start: most requests of the run find no kept page
    before = server_cpu(server, pg)
    if page.tail:
        result = run_wrk(
            server.port,
            "/",
            connections,
            args.duration,
            script=TAIL_SCRIPT,
            script_args=(str(tail_file(page)),),
        )
    elif page.post and page.api:
        result = run_wrk(
            server.port,
            "/api/v1/today",
            connections,
            args.duration,
            script=API_POST_SCRIPT,
            script_args=(str(post_data.with_name("api-" + post_data.name)), str(WRK_THREADS)),
        )
    elif page.post:
        result = run_wrk(
            server.port,
            "/log/",
            connections,
            args.duration,
            script=POST_SCRIPT,
            script_args=(str(post_data), str(WRK_THREADS)),
        )
    else:
        path = manifest["urls"].get(page.name, "/bench/ceiling/")
        result = run_wrk(server.port, path, connections, args.duration, page_headers(page, manifest))
    after = server_cpu(server, pg)
    ticks = sum(max(0, t - before.get(pid, 0)) for pid, t in after.items())
    point = Point(
        page=page.name,
        dataset=dataset,
        connections=connections,
        repeat=repeat,
        rps=result["rps"],
        p50_ms=result["p50_ms"],
        p99_ms=result["p99_ms"],
        requests=result["requests"],
        non_2xx_3xx=result["non_2xx_3xx"],
        socket_errors=result["socket_errors"],
        socket_detail=result["socket_detail"],
        load_average=os.getloadavg()[0],
        cpu_ms=ticks * 1000 / CLOCK_TICKS / result["requests"] if result["requests"] else None,
    )
    # Requests still in flight when wrk stopped would slow the next point down.
    # A long-tail run leaves slow builds in flight even when wrk saw none of them finish.
    time.sleep(min(5.0, max(2.0 if page.tail else 0.2, (point.p99_ms or 1000) / 1000)))
    if page.post:
        created = reset_posters(env)
        point.post_redirects, point.post_others, _exhausted = result["post"]
        point.created_entries = created
        # A request in flight when wrk stops still creates its entry: at most one a connection.
        # POST /today creates one entry a poster (today's), then appends to it.
        if page.api:
            if not 0 < created <= len(manifest["poster_sessions"]):
                run.problems.append(
                    f"api_today: {created} entries created for {point.post_redirects} requests"
                )
        elif not 0 <= created - point.post_redirects <= connections:
            run.problems.append(f"log_today: {point.post_redirects} redirects but {created} entries created")
    server.rss_kb()
    if point.non_2xx_3xx or point.socket_errors:
        run.problems.append(
            f"{page.name} ({dataset}, {connections} connections, run {repeat}): "
            f"{point.non_2xx_3xx} non-2xx/3xx responses, {point.socket_errors} socket errors {point.socket_detail or ''}"
        )
    return point


def measure(run, server, env, manifest, pages, dataset, post_data):
    """Every page bracketed by two ceiling runs, so a page and its ceiling see the same load.

    The smoke brackets the whole group instead (one ceiling before, one after): it only
    checks errors and query counts.
    """
    args = run.args
    ceiling, others = pages[0], pages[1:]
    pg = admin_connection(run.database_url)
    try:
        for repeat in range(1, args.repeats + 1):
            for connections in args.connections:
                if any(p.tail for p in others):
                    # The long tail empties the cache: kept pages are kept again before they
                    # are measured (else a run measures every worker rebuilding them at once).
                    warm(server, manifest, [p for p in others if not p.tail], 1)
                point_args = (dataset, connections, repeat, post_data, pg)
                previous = measure_point(run, server, env, manifest, ceiling, *point_args)
                run.points.append(previous)
                pending = []
                for page in others:
                    point = measure_point(run, server, env, manifest, page, *point_args)
                    run.points.append(point)
                    pending.append(point)
                    if args.smoke and page is not others[-1]:
                        continue
                    following = measure_point(run, server, env, manifest, ceiling, *point_args)
                    run.points.append(following)
                    for done in pending:
                        done.ceiling_rps = (previous.rps + following.rps) / 2
                        if previous.cpu_ms and following.cpu_ms:
                            done.ceiling_cpu_ms = (previous.cpu_ms + following.cpu_ms) / 2
                        log_point(done)
                    previous, pending = following, []
    finally:
        pg.close()


def log_point(point):
    errors = point.non_2xx_3xx + point.socket_errors
    log(
        f"{point.dataset:>6} entries  c={point.connections:<2} run {point.repeat}  {point.page:<12} "
        f"{point.rps:8.1f} req/s ({point.rps / point.ceiling_rps if point.ceiling_rps else 0:6.1%} "
        f"of {point.ceiling_rps:7.1f})"
        f"  p50 {point.p50_ms or 0:7.1f} ms  p99 {point.p99_ms or 0:7.1f} ms  cpu {point.cpu_ms or 0:6.2f} ms/req"
        + (f"  errors {point.non_2xx_3xx}+{point.socket_errors}" if errors else "")
    )


def tail_file(page):
    return RESULTS / f"tail-{page.tail}.txt"


def write_tail_urls(database_url):
    """Every public URL of each long-tail kind, shuffled, one file a kind (for bench/tail.lua)."""
    import random

    conn = admin_connection(database_url, database_name(database_url))
    public_rounds = (
        "FROM journal_round r JOIN accounts_user u ON u.id = r.user_id "
        "WHERE r.visibility = 'public' AND u.is_active"
    )
    queries = {
        "permalink": "SELECT '/@' || u.handle || '/r' || r.number || '/' || to_char(e.date, 'YYYY-MM-DD') || '/' "
        "FROM journal_entry e JOIN journal_round r ON r.id = e.round_id JOIN accounts_user u ON u.id = r.user_id "
        "WHERE r.visibility = 'public' AND u.is_active",
        "journal": f"SELECT '/@' || u.handle || '/r' || r.number || '/' {public_rounds}",
        "profile": "SELECT '/@' || handle || '/' FROM accounts_user WHERE is_active",
        "feed": f"SELECT '/@' || u.handle || '/r' || r.number || '/feed/' {public_rounds}",
        "badge": f"SELECT '/@' || u.handle || '/r' || r.number || '/badge.svg' {public_rounds}",
    }
    rnd = random.Random(100)
    try:
        with conn.cursor() as cur:
            for kind, sql in queries.items():
                cur.execute(sql)
                paths = [row[0] for row in cur.fetchall()]
                rnd.shuffle(paths)
                (RESULTS / f"tail-{kind}.txt").write_text("\n".join(paths) + "\n")
                log(f"long tail: {len(paths):,} {kind} URLs")
    finally:
        conn.close()


def build_dataset(env, entries, participants, posters):
    out = RESULTS / f"dataset-{entries}.json"
    args = ["bench_dataset", "--entries", str(entries), "--posters", str(posters), "--out", str(out)]
    if participants:
        args += ["--participants", str(participants)]
    log(manage(env, *args).strip())
    log(manage(env, "bench_cohort", "--manifest", str(out)).strip())
    return json.loads(out.read_text())


def prepare_dataset(run, env, entries, pages):
    if env.get("REDIS_URL"):
        flush_redis(env["REDIS_URL"])
    posters = run.args.posters if any(p.post for p in pages) else 0  # only the POST needs them
    manifest = build_dataset(env, entries, run.args.participants, posters)
    run.datasets[entries] = {k: manifest[k] for k in ("entries", "participants", "posters", "built_on")}
    post_data = RESULTS / f"post-{entries}.txt"
    write_post_data(manifest, post_data)
    if any(p.tail for p in pages):
        write_tail_urls(env["DATABASE_URL"])
    add_api(env, manifest, post_data.with_name("api-" + post_data.name))
    return manifest, post_data


def run_dataset(run, env, entries, pages, label, then=None):
    """Build the dataset, serve it, measure ``pages``; ``then(server, manifest)`` runs before the server stops."""
    args = run.args
    manifest, post_data = prepare_dataset(run, env, entries, pages)
    server = Server(env, args.port, RESULTS / "gunicorn.log")
    server.start()
    try:
        run.workers = len(server.workers())
        log(f"{label}: gunicorn up with {run.workers} workers; warming")
        warm(server, manifest, pages, 1 if args.smoke else 2)
        check_pages(run, server, manifest, pages, entries)
        reset_posters(env)
        measure(run, server, env, manifest, pages, entries, post_data)
        rss = server.rss_kb()
        run.rss[entries] = {
            "workers_kb": rss,
            "max_after_run_mb": round(max(rss.values()) / 1024, 1) if rss else None,
            "peak_seen_mb": round(server.peak_rss_kb / 1024, 1),
        }
        log(f"worker RSS after the run: {sorted(round(v / 1024, 1) for v in rss.values())} MB")
        if then is not None:
            then(server, manifest)
    finally:
        server.stop()


def other_redis_db(redis_url, db):
    parts = urllib.parse.urlsplit(redis_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))


def scale_check(run, main_server, main_manifest, small_entries, pages):
    """The scale pages on a ``small_entries`` dataset and on the main one, measured in pairs.

    The small dataset lives in its own database (and Redis database) behind a second
    gunicorn, so both stay up: each page is measured on the small one, then at once on
    the main one, each run bracketed by two ceiling runs of its own server. Other load on
    the machine drifts over minutes; a pair is measured within half a minute.
    """
    args = run.args
    main_env = main_server.env
    small_url = main_env["DATABASE_URL"] + f"_{small_entries}"
    small_redis = other_redis_db(main_env["REDIS_URL"], SCALE_REDIS_DB) if main_env.get("REDIS_URL") else None
    small_env = bench_env(
        small_url, args.port + 1, small_redis, args.workers, args.threads, args.max_requests
    )
    create_database(small_url)
    server = Server(small_env, args.port + 1, RESULTS / "gunicorn-small.log")
    try:
        manage(small_env, "migrate", "--noinput", "-v0")
        manifest, _post_data = prepare_dataset(run, small_env, small_entries, pages)
        server.start()
        log(
            f"scale check: {small_entries:,} entries on :{server.port} beside {args.entries:,} on :{main_server.port}"
        )
        warm(server, manifest, pages, 2)
        warm(main_server, main_manifest, pages, 1)
        check_pages(run, server, manifest, pages, small_entries)
        ceiling, others = pages[0], pages[1:]
        pg = admin_connection(run.database_url)
        try:
            for repeat in range(1, max(args.repeats, SCALE_REPEATS) + 1):
                for page in others:
                    for entries, srv, env, man in (
                        (small_entries, server, small_env, manifest),
                        (args.entries, main_server, main_env, main_manifest),
                    ):
                        point_args = (entries, GOAL_CONNECTIONS, repeat, None, pg)
                        before = measure_point(run, srv, env, man, ceiling, *point_args)
                        point = measure_point(run, srv, env, man, page, *point_args)
                        after = measure_point(run, srv, env, man, ceiling, *point_args)
                        point.ceiling_rps = (before.rps + after.rps) / 2
                        if before.cpu_ms and after.cpu_ms:
                            point.ceiling_cpu_ms = (before.cpu_ms + after.cpu_ms) / 2
                        run.scale_points += [before, point, after]
                        log_point(point)
        finally:
            pg.close()
    finally:
        server.stop()
        if not args.keep_db:
            drop_database(small_url)
        if small_redis:
            flush_redis(small_redis)


# --- report ---------------------------------------------------------------------------------


def aggregate(points):
    """Median of the repeats per (dataset, page, connections).

    The ratio of each run is the page's req/s over the mean of the two ceiling runs that
    bracket it; the reported ratio is the median of those. ``cpu_ratio`` does the same
    with CPU time per request (workers + PostgreSQL), which other load on the machine
    disturbs much less than req/s.
    """
    rows = {}
    for p in points:
        rows.setdefault((p.dataset, p.page, p.connections), []).append(p)
    pooled = {}
    for p in points:
        if p.cpu_ms:
            pooled.setdefault((p.dataset, p.page), []).append(p.cpu_ms)
    out = {}
    for key, points in rows.items():
        if key[1] == "ceiling":
            ratios, cpu_ratios = [1.0], [1.0]
        else:
            ratios = [p.rps / p.ceiling_rps for p in points if p.ceiling_rps]
            cpu_ratios = [p.ceiling_cpu_ms / p.cpu_ms for p in points if p.ceiling_cpu_ms and p.cpu_ms]
        cpu = [p.cpu_ms for p in points if p.cpu_ms]
        out[key] = {
            "rps": statistics.median(p.rps for p in points),
            "p50_ms": statistics.median(p.p50_ms or 0 for p in points),
            "p99_ms": statistics.median(p.p99_ms or 0 for p in points),
            "ratio": statistics.median(ratios) if ratios else 0.0,
            "cpu_ms": statistics.median(cpu) if cpu else None,
            "cpu_ratio": statistics.median(cpu_ratios) if cpu_ratios else None,
            # Over every connection count: the steadier figure for comparing datasets.
            "cpu_ms_all": statistics.median(pooled[key[:2]]) if key[:2] in pooled else None,
            "errors": sum(p.non_2xx_3xx + p.socket_errors for p in points),
            "runs": len(points),
        }
    return out


def goals(run, agg, main):
    checks = []
    for page in PAGES:
        if (
            page.goal_vs
            and (main, page.name, GOAL_CONNECTIONS) in agg
            and (main, page.goal_vs, GOAL_CONNECTIONS) in agg
        ):
            ratio = agg[(main, page.name, GOAL_CONNECTIONS)]["ratio"]
            other = agg[(main, page.goal_vs, GOAL_CONNECTIONS)]["ratio"]
            checks.append(
                (
                    f"{page.label}: ratio ≥ {page.goal_vs}'s at {GOAL_CONNECTIONS} connections",
                    ratio >= other,
                    f"{ratio:.1%} vs {other:.1%}",
                )
            )
        if page.goal is None or (main, page.name, GOAL_CONNECTIONS) not in agg:
            continue
        ratio = agg[(main, page.name, GOAL_CONNECTIONS)]["ratio"]
        checks.append(
            (
                f"{page.label}: ratio ≥ {page.goal:.0%} at {GOAL_CONNECTIONS} connections",
                ratio >= page.goal,
                f"{ratio:.1%}",
            )
        )
    errors = sum(p.non_2xx_3xx + p.socket_errors for p in run.points)
    checks.append(("0 responses ≥ 500 / non-2xx-3xx and 0 socket errors", errors == 0, str(errors)))
    tails = [
        (page, agg[(main, page, TAIL_CONNECTIONS)])
        for (ds, page, c) in agg
        if ds == main and c == TAIL_CONNECTIONS
    ]
    if tails:
        factors = {page: row["p99_ms"] / row["p50_ms"] for page, row in tails if row["p50_ms"]}
        over = {page: f for page, f in factors.items() if f > 5}
        worst = max(factors.items(), key=lambda item: item[1])
        checks.append(
            (
                f"p99 ≤ 5 × p50 at {TAIL_CONNECTIONS} connections, every page",
                not over,
                ", ".join(f"{page} {f:.1f}×" for page, f in over.items())
                or f"worst: {worst[0]} {worst[1]:.1f}×",
            )
        )
    sagg = aggregate(run.scale_points)
    scale = sorted({ds for ds, _page, _c in sagg if ds != main})
    for small in scale:
        for page in SCALE_PAGES[1:]:
            a, b = sagg.get((small, page, GOAL_CONNECTIONS)), sagg.get((main, page, GOAL_CONNECTIONS))
            if a and b:
                change = b["ratio"] / a["ratio"] - 1
                if a["cpu_ms_all"] and b["cpu_ms_all"]:
                    cpu_change = b["cpu_ms_all"] / a["cpu_ms_all"] - 1
                    checks.append(
                        (
                            f"{page}: CPU per request at {main:,} entries within 10% of {small:,} (cross-check)",
                            abs(cpu_change) <= SCALE_TOLERANCE,
                            f"{cpu_change:+.1%}",
                        )
                    )
                checks.append(
                    (
                        f"{page}: ratio at {main:,} entries within 10% of {small:,}",
                        abs(change) <= SCALE_TOLERANCE,
                        f"{change:+.1%}",
                    )
                )
    rss = run.rss.get(main, {}).get("max_after_run_mb")
    if rss is not None:
        checks.append((f"worker RSS ≤ {RSS_LIMIT_MB} MB after the run", rss <= RSS_LIMIT_MB, f"{rss} MB"))
    for page in PAGES:
        budget = budget_of(run, page)
        if budget is not None and page.name in run.queries.get(main, {}):
            q = run.queries[main][page.name]
            if q > budget:
                checks.append((f"{page.label}: ≤ {budget} queries", False, str(q)))
    checks.append(
        ("every page within its query budget", not any("queries, budget" in p for p in run.problems), "")
    )
    return checks


def markdown_report(run, agg, main, meta):
    lines = [
        f"# Benchmark {meta['finished']}",
        "",
        f"{meta['machine']}; gunicorn `{meta['gunicorn']}`; cache: {meta['cache']}; "
        f"{run.args.duration} s per point, median of {run.args.repeats}; mean load average during the run "
        f"{meta['load_average']:.2f}.",
        f"Dataset: {main:,} entries, {run.datasets[main]['participants']:,} participants "
        f"(+{run.datasets[main]['posters']} posters for the POST).",
        "",
    ]
    table_head = [
        "| page | req/s @1 | req/s @8 | req/s @32 | ratio @8 | goal | CPU ms/req @8 | CPU ratio @8 "
        "| p50 @8 | p99 @8 | p50 @32 | p99 @32 | queries | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += table_head

    def cell(page, c, key, fmt):
        row = agg.get((main, page, c))
        return fmt.format(row[key]) if row and row[key] is not None else "–"

    def rows(tail):
        out = []
        for page in PAGES:
            if bool(page.tail) != tail or not any(k[0] == main and k[1] == page.name for k in agg):
                continue
            errors = sum(agg[k]["errors"] for k in agg if k[0] == main and k[1] == page.name)
            c8 = GOAL_CONNECTIONS
            out.append(
                "| "
                + " | ".join(
                    [
                        page.label,
                        cell(page.name, 1, "rps", "{:,.0f}"),
                        cell(page.name, c8, "rps", "{:,.0f}"),
                        cell(page.name, TAIL_CONNECTIONS, "rps", "{:,.0f}"),
                        cell(page.name, c8, "ratio", "{:.1%}"),
                        f"≥ {page.goal:.0%}" if page.goal else "",
                        cell(page.name, c8, "cpu_ms", "{:.2f}"),
                        cell(page.name, c8, "cpu_ratio", "{:.1%}"),
                        cell(page.name, c8, "p50_ms", "{:.1f} ms"),
                        cell(page.name, c8, "p99_ms", "{:.1f} ms"),
                        cell(page.name, TAIL_CONNECTIONS, "p50_ms", "{:.1f} ms"),
                        cell(page.name, TAIL_CONNECTIONS, "p99_ms", "{:.1f} ms"),
                        str(run.queries.get(main, {}).get(page.name, "–")),
                        str(errors),
                    ]
                )
                + " |"
            )
        return out

    lines += rows(tail=False)
    tail_rows = rows(tail=True)
    if tail_rows:
        lines += [
            "",
            "Long tail: each request one of all public URLs of its kind at random, the cache emptied "
            "before each run (queries: one request that builds its page):",
            "",
            *table_head,
            *tail_rows,
        ]
    sagg = aggregate(run.scale_points)
    scale = sorted({ds for ds, _page, _c in sagg if ds != main})
    if scale:
        lines += [
            "",
            f"Same pages with less data, measured in pairs (each page on the smaller dataset, then at once on "
            f"the main one, both served side by side): ratio to the ceiling at {GOAL_CONNECTIONS} connections "
            "(req/s) and CPU per request, median of the pairs:",
            "",
        ]
        sets = [*scale, main]
        header = (
            "| page | "
            + " | ".join(f"{ds:,} entries" for ds in sets)
            + " | ratio change | CPU change | queries |"
        )
        lines += [header, "|---" * (len(sets) + 4) + "|"]
        for name in SCALE_PAGES[1:]:
            values = [sagg.get((ds, name, GOAL_CONNECTIONS)) for ds in sets]
            if not all(values):
                continue
            change = values[-1]["ratio"] / values[0]["ratio"] - 1
            cpu_change = (
                f"{values[-1]['cpu_ms_all'] / values[0]['cpu_ms_all'] - 1:+.1%}"
                if values[-1]["cpu_ms_all"] and values[0]["cpu_ms_all"]
                else "–"
            )
            queries = " / ".join(str(run.queries.get(ds, {}).get(name, "–")) for ds in sets)
            lines.append(
                f"| {name} | "
                + " | ".join(
                    f"{v['ratio']:.1%} ({v['rps']:,.0f} req/s), {v['cpu_ms_all'] or 0:.2f} ms CPU"
                    for v in values
                )
                + f" | {change:+.1%} | {cpu_change} | {queries} |"
            )
    rss = run.rss.get(main, {})
    if rss:
        lines += [
            "",
            f"Worker RSS after the run: {', '.join(f'{v / 1024:.0f}' for v in sorted(rss['workers_kb'].values()))} MB "
            f"(largest {rss['max_after_run_mb']} MB; largest seen during the run {rss['peak_seen_mb']} MB).",
        ]
    lines += ["", "| goal | met | measured |", "|---|---|---|"]
    for text, ok, value in goals(run, agg, main):
        lines.append(f"| {text} | {'yes' if ok else '**no**'} | {value} |")
    if run.problems:
        lines += ["", "Problems:", "", *(f"- {p}" for p in run.problems)]
    return "\n".join(lines) + "\n"


def rewrite_report(path):
    data = json.loads(path.read_text())
    run = Run(args=argparse.Namespace(**data["args"]), database_url="")
    run.points = [Point(**p) for p in data["points"]]
    run.queries = {int(k): v for k, v in data["queries"].items()}
    run.rss = {int(k): v for k, v in data["rss"].items()}
    run.datasets = {int(k): v for k, v in data["datasets"].items()}
    run.scale_points = [Point(**p) for p in data.get("scale_points", [])]
    run.problems = data["problems"]
    report = markdown_report(run, aggregate(run.points), run.args.entries, data["meta"])
    path.with_suffix(".md").write_text(report)
    print(report)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="CI: small dataset, 1 s a page, 8 connections, checks only"
    )
    parser.add_argument(
        "--entries", type=int, default=None, help="Entries of the main dataset (default 100000; smoke 2000)"
    )
    parser.add_argument(
        "--compare-entries",
        type=int,
        nargs="*",
        default=None,
        help="Smaller datasets for the scale check (default 10000)",
    )
    parser.add_argument("--participants", type=int, default=None, help="Default: entries / 100")
    parser.add_argument(
        "--posters", type=int, default=None, help="Participants the POST writes to (default 100; smoke 10)"
    )
    parser.add_argument("--duration", type=int, default=None, help="Seconds per point (default 5; smoke 1)")
    parser.add_argument(
        "--repeats", type=int, default=None, help="Runs per point; the median is reported (default 3)"
    )
    parser.add_argument(
        "--connections",
        type=lambda s: [int(x) for x in s.split(",")],
        default=None,
        help="Default 1,8,32; smoke 8",
    )
    parser.add_argument(
        "--pages", default=None, help="Comma-separated page names (the ceiling is always measured)"
    )
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="postgres://…/<name with 'bench'>",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        help="Cache in this Redis database (emptied!), as docker-compose.yml deploys it "
        "(default redis://127.0.0.1:6379/15; the smoke uses the database cache)",
    )
    parser.add_argument(
        "--database-cache",
        action="store_true",
        help="Use the database cache (the app's default without REDIS_URL) instead of Redis",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="GUNICORN_WORKERS (default: the production configuration's)"
    )
    # Default: the worker model the image runs (sync workers; docker/gunicorn.conf.py says why).
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="GUNICORN_THREADS (default: the production configuration's, 1 = sync workers; 2 = gthread)",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=None,
        help="GUNICORN_MAX_REQUESTS (default: the production configuration's, 0 = no recycling)",
    )
    parser.add_argument("--keep-db", action="store_true", help="Keep the benchmark database afterwards")
    parser.add_argument("--tag", default="", help="Suffix for the result files")
    parser.add_argument("--report", metavar="JSON", help="Only write the Markdown again from a result file")
    args = parser.parse_args(argv)
    if args.report:
        return rewrite_report(Path(args.report))

    smoke = args.smoke
    if smoke or args.database_cache:
        args.redis_url = None
    args.entries = args.entries or (2_000 if smoke else 100_000)
    args.compare_entries = (
        args.compare_entries if args.compare_entries is not None else ([] if smoke else [10_000])
    )
    args.posters = args.posters or (10 if smoke else 100)
    args.participants = args.participants or (20 if smoke else None)
    args.duration = args.duration or (1 if smoke else 5)
    args.repeats = args.repeats or (1 if smoke else 3)
    args.connections = args.connections or ([8] if smoke else [1, 8, 32])
    default_db = "hundreddays_bench_smoke" if smoke else "hundreddays_bench"
    database_url = args.database_url or f"postgres://postgres@{HOST}:5432/{default_db}"
    if "bench" not in database_name(database_url):
        fail("the benchmark database's name must contain 'bench'.")
    if not shutil.which("wrk"):
        fail("wrk is not installed (apt-get install -y wrk).")
    pages = PAGES
    if args.pages:
        wanted = {"ceiling", *args.pages.split(",")}
        pages = [p for p in PAGES if p.name in wanted]
        unknown = wanted - {p.name for p in PAGES}
        if unknown:
            fail(f"unknown pages: {', '.join(sorted(unknown))}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gunicorn.log").write_bytes(b"")
    run = Run(args=args, database_url=database_url)
    env = bench_env(database_url, args.port, args.redis_url, args.workers, args.threads, args.max_requests)
    started = time.monotonic()
    create_database(database_url)
    try:
        log(f"database {database_name(database_url)}: migrating, collecting static files")
        manage(env, "migrate", "--noinput", "-v0")
        if static_files_stale():
            manage(env, "collectstatic", "--noinput", "-v0")
        scale_pages = [p for p in pages if p.name in SCALE_PAGES]

        def then(server, manifest):
            for small in args.compare_entries:
                scale_check(run, server, manifest, small, scale_pages)

        run_dataset(run, env, args.entries, pages, f"{args.entries:,} entries", then=then)
    finally:
        if not args.keep_db:
            drop_database(database_url)
        if args.redis_url:
            flush_redis(args.redis_url)

    agg = aggregate(run.points)
    workers = args.workers or f"default ({run.workers})"
    meta = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs",
        "gunicorn": f"docker/gunicorn.conf.py, GUNICORN_WORKERS={workers}"
        + f", GUNICORN_THREADS={args.threads or 'default (1, sync)'}"
        + f", GUNICORN_MAX_REQUESTS={'default (0)' if args.max_requests is None else args.max_requests}",
        "cache": f"Redis ({args.redis_url})" if args.redis_url else "database cache",
        "load_average": statistics.mean(p.load_average for p in [*run.points, *run.scale_points])
        if run.points
        else 0.0,
        "seconds": round(time.monotonic() - started, 1),
    }
    report = markdown_report(run, agg, args.entries, meta)
    name = ("smoke" if smoke else "bench") + (f"-{args.tag}" if args.tag else "")
    (RESULTS / f"{name}.md").write_text(report)
    (RESULTS / f"{name}.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "args": {k: v for k, v in vars(args).items()},
                "datasets": run.datasets,
                "queries": run.queries,
                "rss": run.rss,
                "summary": [
                    {"dataset": k[0], "page": k[1], "connections": k[2], **v} for k, v in sorted(agg.items())
                ],
                "points": [asdict(p) for p in run.points],
                "scale_points": [asdict(p) for p in run.scale_points],
                "problems": run.problems,
            },
            indent=2,
        )
    )
    print()
    print(report)
    log(f"done in {meta['seconds']} s; results in {RESULTS / name}.md and .json")
    if smoke and run.problems:
        fail("smoke failed:\n" + "\n".join(f"  - {p}" for p in run.problems))


if __name__ == "__main__":
    main()

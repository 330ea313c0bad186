"""Benchmark Hundred Days against its own ceiling (docs/performance.md).

Serves the dataset of ``bench_dataset`` (bench/app) from a throwaway database with gunicorn as
in production and bench.app.settings, the cache in a private Redis (the database with
--database-cache and in the smoke). Checks each page's content and SQL query count
(X-Bench-Queries), then drives it with wrk at each connection count, each run between two runs
of a trivial "ceiling" view through the same middleware. Reports req/s, p50/p99, the ratio to the
ceiling, CPU per request and worker RSS under bench/results/. The long-tail pages (tail_*) spread
their requests over every public URL of their kind, the cache emptied first.

    .venv/bin/python bench/run.py            # full run (about 25 minutes)
    .venv/bin/python bench/run.py --doc      # ... and rewrite the measured block of docs/performance.md
    .venv/bin/python bench/run.py --smoke    # CI: small dataset, 1 s a page, checks only

Any error response, a page over its query budget or a wrong page fails it (one line, exit 1)
after the report is written. GUNICORN_WORKERS/THREADS/MAX_REQUESTS come from the environment.
Only loopback traffic; every wrk run is bounded by --duration.
"""

# ruff: noqa: E402 - the harness is importable once scripts/ is on sys.path
from __future__ import annotations

import argparse
import json
import os
import re
import runpy
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import redis
import report
import wrk
from harness import Harness, Server, apt, check_main, expect, fail, psql, write_measured
from pages import BASE_HEADERS, BY_NAME, PAGES, SCALE_PAGES, Page, first_request, request, write_requests
from report import GOAL_CONNECTIONS, Point, Run

RESULTS = ROOT / "bench" / "results"
GUNICORN_ENV = ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS")
SCALE_REPEATS = 5  # pairs per page in the scale check (at least; more with --repeats)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FULL = dict(entries=100_000, compare_entries=[10_000], duration=5, repeats=3, connections=[1, 8, 32])
SMOKE = dict(entries=2_000, compare_entries=[], duration=1, repeats=1, connections=[8], database_cache=True)


def log(message):
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def proc(pid, name: str) -> str:
    try:
        return Path(f"/proc/{pid}/{name}").read_text()
    except OSError:
        return ""


@dataclass
class Target:
    """One dataset, served: its environment, gunicorn, manifest, wrk request files and Redis."""

    h: Harness
    run: Run
    entries: int
    env: dict
    server: Server
    manifest: dict
    files: dict  # page name -> (file, order, statuses): the arguments of bench/requests.lua
    redis: redis.Redis | None
    peak_rss_kb: int = 0

    def workers(self) -> list[int]:
        return [int(p) for p in proc(self.server.pid, f"task/{self.server.pid}/children").split()]

    def rss_kb(self) -> dict:
        found = {pid: re.search(r"^VmRSS:\s+(\d+) kB", proc(pid, "status"), re.M) for pid in self.workers()}
        rss = {pid: int(match.group(1)) for pid, match in found.items() if match}
        self.peak_rss_kb = max([self.peak_rss_kb, *rss.values()])
        return rss

    def cpu_ticks(self) -> dict:
        """CPU (user + system, clock ticks) so far of the workers, their PostgreSQL backends and Redis."""
        database = self.env["DATABASE_URL"].rsplit("/", 1)[1]
        backends = psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'").split()
        pids = [*self.workers(), *backends]
        pids += [self.redis.info("server")["process_id"]] if self.redis else []
        stats = {int(pid): proc(pid, "stat").rsplit(")", 1)[-1].split() for pid in pids}
        return {pid: int(fields[11]) + int(fields[12]) for pid, fields in stats.items() if len(fields) > 12}

    def flush_cache(self) -> None:
        if self.redis:
            self.redis.flushdb()

    def reset_posters(self) -> int:
        out = self.h.manage(self.env, "bench_dataset", "--reset-posters").stdout
        return int(re.search(r"Deleted (\d+) entries", out).group(1))

    def load(self, page: Page, connections: int, seconds: int) -> dict:
        """wrk on ``page``: its requests file through requests.lua, else its one URL."""
        file = self.files.get(page.name)
        where = ("/", BASE_HEADERS, file) if file else request(page, self.manifest)
        return wrk.run(self.server.base, connections, seconds, *where)

    def warm(self, pages, seconds: int) -> None:
        for page in (p for p in pages if not p.post):
            self.load(page, 8, seconds)

    def check_pages(self, pages):
        """Query counts and content checks, one request at a time, after the warm-up. A page of a
        requests file sends its first request (a long-tail one built: what a miss costs); any other
        the median of 11, what a request costs in the steady state (after the warm-up every worker
        has served the page; one that has not kept it yet reads it from the shared cache). The budget:
        a kept page's (Redis), or a built one's (the long tail; the database cache keeps none)."""
        counts = {}
        for page in pages:
            if page.name in self.files:
                if page.tail:
                    self.flush_cache()
                method, url, body, hdrs = first_request(self.files[page.name][0])
                times, expected = 1, 201 if page.api else 302 if page.post else 200
            else:
                (url, hdrs), method, body, times, expected = request(page, self.manifest), "GET", "", 11, 200
            seen = []
            for _ in range(times):
                status, got, text = self.server.get(url, method=method, headers=hdrs, body=body or None)
                seen.append(int(got.get("x-bench-queries", "-1")))
            counts[page.name] = queries = statistics.median_low(seen)
            budget = page.budget if self.redis and not page.tail else page.built
            check, where = self.run.check, f"{page.name} ({self.entries:,} entries)"
            check(where, status != expected, f"status {status}, expected {expected}")
            check(where, page.expect not in text, f"the page does not contain {page.expect!r}")
            check(where, budget is not None and queries > budget, f"{queries} queries, budget {budget}")
        self.run.queries[self.entries] = counts
        log("queries per request: " + ", ".join(f"{k}={v}" for k, v in counts.items()))

    def measure(self, page: Page, connections: int, repeat: int) -> Point:
        if page.post:
            self.reset_posters()
        if page.tail:
            self.flush_cache()  # a cold start: most requests of the run find no kept page
        before = self.cpu_ticks()
        result = self.load(page, connections, self.run.args.duration)
        ticks = sum(max(0, n - before.get(pid, 0)) for pid, n in self.cpu_ticks().items())
        done, others = result.pop("done"), result.pop("others")
        result["cpu_ms"] = ticks * 1000 / CLOCK_TICKS / result["requests"] if result["requests"] else None
        point = Point(page.name, self.entries, connections, repeat, **result, load_average=os.getloadavg()[0])
        # Requests still in flight when wrk stopped would slow the next point down; a long-tail run
        # leaves slow builds in flight even when wrk saw none of them finish.
        time.sleep(min(5.0, max(2.0 if page.tail else 0.2, (point.p99_ms or 1000) / 1000)))
        check = self.run.check
        where = f"{page.name} ({self.entries:,} entries, {connections} connections, run {repeat})"
        if page.post:
            point.done = done
            point.created_entries = created = self.reset_posters()
            check(where, others, f"{others} responses other than {self.files[page.name][2]}")
            # A request in flight when wrk stops still creates its entry: at most one a connection.
            # POST /today creates one entry a poster (today's), then appends to it.
            if page.api:
                posters = len(self.manifest["poster_sessions"])
                check(where, not 0 < created <= posters, f"{created} entries created for {done} requests")
            else:
                bad = not 0 <= created - done <= connections
                check(where, bad, f"{done} redirects but {created} entries created")
        self.rss_kb()
        errors = f"{point.non_2xx_3xx} non-2xx/3xx responses, {point.socket_errors} socket errors"
        check(where, point.errors, f"{errors} {point.socket_detail}")
        return point

    def bracketed(self, pages, connections: int, repeat: int) -> list[Point]:
        """The pages each between two ceiling runs, so a page and its ceiling see the same load (a
        ceiling run serves the pages on both sides of it). The smoke, which only checks errors and
        query counts, measures them back to back between one ceiling run before and one after."""
        points = [self.measure(BY_NAME["ceiling"], connections, repeat)]
        for group in [pages] if self.run.args.smoke else [[page] for page in pages]:
            before, measured = points[-1], [self.measure(p, connections, repeat) for p in group]
            after = self.measure(BY_NAME["ceiling"], connections, repeat)
            for point in measured:
                point.ceiling_rps = (before.rps + after.rps) / 2
                if before.cpu_ms and after.cpu_ms:
                    point.ceiling_cpu_ms = (before.cpu_ms + after.cpu_ms) / 2
                log_point(point)
            points += [*measured, after]
        return points


def serve(h: Harness, run: Run, entries: int, pages: list[Page]) -> Target:
    """The dataset of ``entries`` in its own database, its own Redis unless the database is the cache, and gunicorn."""
    extra = {k: os.environ[k] for k in GUNICORN_ENV[1:] if os.environ.get(k)}
    # The API's limit per token would stop wrk after a few hundred requests: out of reach, its
    # counter still runs (one cache call a request) but never refuses.
    extra |= {f"API_{kind}_PER_MINUTE": "1000000000" for kind in ("READS", "WRITES")}
    if not run.args.database_cache:
        extra["REDIS_URL"] = h.redis()
    env = h.prod_env(None, DJANGO_SETTINGS_MODULE="bench.app.settings", **extra)
    env["DATABASE_URL"] = h.database(str(entries), migrate_env=env)
    out = RESULTS / f"dataset-{entries}.json"
    posters = (10 if run.args.smoke else 100) if any(p.post for p in pages) else 0  # only the POSTs need them
    log(f"{entries:,} entries: building the dataset")
    built = h.manage(env, "bench_dataset", "--entries", entries, "--posters", posters, "--out", out)
    log(built.stdout.strip())
    manifest = json.loads(out.read_text())
    handles = ["dash", *(p["handle"] for p in manifest["poster_sessions"])]
    tokens = h.manage(env, "create_token", "--name", "bench", *(a for x in handles for a in ("--handle", x)))
    manifest["api_tokens"] = dict(line.split(" ", 1) for line in tokens.stdout.splitlines() if line.strip())
    manifest["urls"].update(api_me="/api/v1/me", api_round="/api/v1/rounds/2", api_today="/api/v1/today")
    run.datasets[entries] = {k: manifest[k] for k in ("entries", "participants", "posters", "built_on")}
    run.datasets[entries]["tail"] = {kind: len(paths) for kind, paths in manifest["tail"].items()}
    files = {}
    for page in (p for p in pages if p.post or p.tail):
        files[page.name] = write_requests(page, manifest, RESULTS / f"requests-{entries}-{page.name}.txt")
    workers = runpy.run_path(str(ROOT / "docker" / "gunicorn.conf.py"))["workers"]  # honours GUNICORN_WORKERS
    server = h.gunicorn(env, workers=workers, name=f"gunicorn-{entries}")
    cache = redis.Redis.from_url(extra["REDIS_URL"]) if "REDIS_URL" in extra else None
    target = Target(h, run, entries, env, server, manifest, files, cache)
    log(f"{entries:,} entries: gunicorn up on :{server.port} with {len(target.workers())} workers")
    return target


def log_point(p: Point):
    ratio = f"{p.rps / p.ceiling_rps if p.ceiling_rps else 0:6.1%} of {p.ceiling_rps or 0:7.1f}"
    log(
        f"{p.dataset:>6} entries  c={p.connections:<2} run {p.repeat}  {p.page:<14} {p.rps:8.1f} req/s ({ratio})  "
        f"p50 {p.p50_ms or 0:7.1f} ms  p99 {p.p99_ms or 0:7.1f} ms  cpu {p.cpu_ms or 0:6.2f} ms/req"
        + (f"  errors {p.errors}" if p.errors else "")
    )


def scale_check(h: Harness, run: Run, main: Target, entries: int, pages):
    """The scale pages on an ``entries`` dataset and on the main one, measured in pairs: the small
    one has its own database, Redis and gunicorn, so both stay up; each page is measured on it, then
    at once on the main one, each run between two ceiling runs of its own server. Other load on
    the machine drifts over minutes; a pair takes half a minute."""
    small = serve(h, run, entries, pages)
    small.warm(pages, 2)
    main.warm(pages, 1)
    small.check_pages(pages)
    for repeat in range(1, max(run.args.repeats, SCALE_REPEATS) + 1):
        for page in pages[1:]:
            for t in (small, main):
                run.scale_points += t.bracketed([page], GOAL_CONNECTIONS, repeat)
    small.server.stop()


def bench(h: Harness, args):
    apt("wrk")
    started = time.monotonic()
    RESULTS.mkdir(parents=True, exist_ok=True)
    wanted = {"ceiling", *args.pages.split(",")} if args.pages else set(BY_NAME)
    expect(wanted <= BY_NAME.keys(), f"unknown pages: {', '.join(sorted(wanted - BY_NAME.keys()))}")
    pages = [p for p in PAGES if p.name in wanted]  # the ceiling first
    run = Run(args=args)
    main = serve(h, run, args.entries, pages)
    main.warm(pages, 1 if args.smoke else 2)
    main.check_pages(pages)
    if any(p.post for p in pages):
        main.reset_posters()
    for repeat in range(1, args.repeats + 1):
        for connections in args.connections:
            if any(p.tail for p in pages):
                # The long tail empties the cache: kept pages are kept again before they are
                # measured (else a run measures every worker rebuilding them at once).
                main.warm([p for p in pages[1:] if not p.tail], 1)
            run.points += main.bracketed(pages[1:], connections, repeat)
    rss = main.rss_kb()
    run.rss[args.entries] = {
        "workers_kb": rss,
        "max_after_run_mb": round(max(rss.values()) / 1024, 1) if rss else None,
        "peak_seen_mb": round(main.peak_rss_kb / 1024, 1),
    }
    log(f"worker RSS after the run: {sorted(round(v / 1024, 1) for v in rss.values())} MB")
    for entries in args.compare_entries:
        scale_check(h, run, main, entries, [p for p in pages if p.name in SCALE_PAGES])

    gunicorn = ", ".join(f"{k}={os.environ.get(k) or 'default'}" for k in GUNICORN_ENV)
    meta = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["bench/run.py", *(a for a in sys.argv[1:] if a != "--doc")]),
        "machine": f"{os.cpu_count()} CPUs",
        "gunicorn": f"docker/gunicorn.conf.py, {gunicorn} ({len(main.workers())} workers)",
        "cache": "database cache" if args.database_cache else "Redis",
        "load_average": statistics.mean(p.load_average for p in [*run.points, *run.scale_points]),
        "seconds": round(time.monotonic() - started, 1),
    }
    name = "smoke" if args.smoke else "bench"
    print("\n" + report.save(run, meta, name, RESULTS))
    log(f"done in {meta['seconds']} s; results in {RESULTS.relative_to(ROOT)}/{name}.md and .json")
    if args.doc:
        write_measured("performance", report.doc_block(run, meta))
    if run.problems:
        print("\n".join(main.server.errors_logged()[-10:]), file=sys.stderr)
        fail("; ".join(run.problems))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--smoke", action="store_true", help="CI: 2,000 entries, 1 s a page, 8 connections, database cache")
    add("--entries", type=int, help="Entries of the main dataset (default 100000; smoke 2000)")
    add("--compare-entries", type=int, nargs="*", help="Scale-check datasets (default 10000; smoke none)")
    add("--duration", type=int, help="Seconds per point (default 5; smoke 1)")
    add("--repeats", type=int, help="Runs per point; the median is reported (default 3; smoke 1)")
    add("--connections", type=lambda s: [int(x) for x in s.split(",")], help="Default 1,8,32; smoke 8")
    add("--pages", help="Comma-separated page names (the ceiling is always measured)")
    add("--database-cache", action="store_true", help="Cache in the database, as without REDIS_URL")
    add("--doc", action="store_true", help="Rewrite the measured block of docs/performance.md")
    smoke = "--smoke" in (sys.argv[1:] if argv is None else argv)
    parser.set_defaults(**(SMOKE if smoke else FULL))
    return check_main("Benchmark", bench, parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

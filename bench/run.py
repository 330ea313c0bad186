"""Benchmark Hundred Days against its own ceiling (docs/performance.md).

Builds the dataset (``bench_dataset``, bench/app) in a throwaway PostgreSQL database and serves
it with gunicorn configured as in production (docker/gunicorn.conf.py, debug off) and
bench.app.settings, the cache in a private Redis (or, with --database-cache and in the smoke,
the database). Warms it, reads each page's SQL query count from the X-Bench-Queries header,
then drives every page with wrk at each connection count, several times, each run between two
runs of a trivial "ceiling" view through the same middleware. Reports requests per second,
p50/p99 latency, the ratio to the ceiling, CPU and queries per request and worker RSS as
Markdown and JSON under bench/results/. The long-tail pages (tail_*) spread their requests at
random over every public URL of their kind, the cache emptied first.

    .venv/bin/python bench/run.py            # full run (about 25 minutes)
    .venv/bin/python bench/run.py --doc      # ... and rewrite the measured block of docs/performance.md
    .venv/bin/python bench/run.py --smoke    # CI: small dataset, 1 s a page, checks only

Any error response, a page over its query budget or a wrong page fails it (one line, exit 1)
after the report is written. GUNICORN_WORKERS, GUNICORN_THREADS and GUNICORN_MAX_REQUESTS are
taken from the caller's environment (default: the production configuration's). Only loopback
traffic; every wrk run is bounded by --duration.
"""

# ruff: noqa: E402 - the harness is importable once scripts/ is on sys.path
from __future__ import annotations

import argparse
import json
import os
import re
import runpy
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import report
import wrk
from harness import Harness, Server, check_main, expect, fail, psql, write_measured
from pages import (
    BASE_HEADERS,
    BY_NAME,
    PAGES,
    SCALE_PAGES,
    Page,
    first_request,
    headers,
    path,
    write_requests,
)
from report import GOAL_CONNECTIONS, Point, Run

RESULTS = ROOT / "bench" / "results"
# The API's own limit per token would stop wrk after a few hundred requests: set out of reach,
# so its counter still runs (one cache call a request) but never refuses.
API_LIMIT_OUT_OF_REACH = "1000000000"
GUNICORN_ENV = ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS")
SCALE_REPEATS = 5  # pairs per page in the scale check (at least; more with --repeats)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Target:
    """One dataset, served: its environment, gunicorn, manifest and the wrk request files."""

    entries: int
    env: dict
    server: Server
    manifest: dict
    files: dict  # page name -> (file, order, statuses) for bench/requests.lua
    redis_pid: int | None
    peak_rss_kb: int = 0

    def workers(self) -> list[int]:
        pid = self.server.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def rss_kb(self) -> dict:
        out = {}
        for pid in self.workers():
            try:
                match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
            except OSError:
                continue
            if match:
                out[pid] = int(match.group(1))
        self.peak_rss_kb = max([self.peak_rss_kb, *out.values()])
        return out

    def cpu_ticks(self) -> dict:
        """CPU (user + system, clock ticks) so far of the workers, their PostgreSQL backends and Redis."""
        database = self.env["DATABASE_URL"].rsplit("/", 1)[1]
        backends = psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'").split()
        ticks = {}
        for pid in [*self.workers(), *map(int, backends), *([self.redis_pid] if self.redis_pid else [])]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks[pid] = int(fields[11]) + int(fields[12])
            except (OSError, IndexError):
                continue
        return ticks

    def flush_cache(self) -> None:
        if self.env.get("REDIS_URL"):
            import redis

            redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()

    def reset_posters(self, h: Harness) -> int:
        out = h.manage(self.env, "bench_dataset", "--reset-posters").stdout
        return int(re.search(r"Deleted (\d+) entries", out).group(1))


def redis_pid(url: str) -> int | None:
    port = url.rsplit(":", 1)[1].split("/")[0]
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "redis-server":
                if port in (entry / "cmdline").read_text().replace("\0", " ").replace(":", " ").split():
                    return int(entry.name)
        except OSError:
            continue
    return None


def serve(h: Harness, run: Run, entries: int, pages: list[Page]) -> Target:
    """A database with the dataset of ``entries``, its own Redis unless the database is the cache, and gunicorn."""
    args = run.args
    extra = {k: os.environ[k] for k in GUNICORN_ENV[1:] if os.environ.get(k)}
    extra.update(
        DJANGO_SETTINGS_MODULE="bench.app.settings",
        API_READS_PER_MINUTE=API_LIMIT_OUT_OF_REACH,
        API_WRITES_PER_MINUTE=API_LIMIT_OUT_OF_REACH,
    )
    if not args.database_cache:
        extra["REDIS_URL"] = h.redis()
    env = h.prod_env(None, **extra)
    env["DATABASE_URL"] = h.database(str(entries), migrate_env=env)
    out = RESULTS / f"dataset-{entries}.json"
    posters = (10 if args.smoke else 100) if any(p.post for p in pages) else 0  # only the POSTs need them
    log(f"{entries:,} entries: building the dataset")
    log(
        h.manage(
            env, "bench_dataset", "--entries", entries, "--posters", posters, "--out", out
        ).stdout.strip()
    )
    manifest = json.loads(out.read_text())
    handles = ["dash", *(p["handle"] for p in manifest["poster_sessions"])]
    tokens = h.manage(
        env, "create_token", "--name", "bench", *(a for x in handles for a in ("--handle", x))
    ).stdout
    manifest["api_tokens"] = dict(line.split(" ", 1) for line in tokens.splitlines() if line.strip())
    manifest["urls"].update(api_me="/api/v1/me", api_round="/api/v1/rounds/2", api_today="/api/v1/today")
    run.datasets[entries] = {k: manifest[k] for k in ("entries", "participants", "posters", "built_on")}
    run.datasets[entries]["tail"] = {kind: len(paths) for kind, paths in manifest["tail"].items()}
    files = {}
    for page in pages:
        if page.post or page.tail:
            file = RESULTS / f"requests-{entries}-{page.name}.txt"
            files[page.name] = (file, *write_requests(page, manifest, file))
    workers = runpy.run_path(str(ROOT / "docker" / "gunicorn.conf.py"))["workers"]  # honours GUNICORN_WORKERS
    server = h.gunicorn(env, workers=workers, name=f"gunicorn-{entries}")
    target = Target(
        entries, env, server, manifest, files, redis_pid(extra["REDIS_URL"]) if "REDIS_URL" in extra else None
    )
    log(f"{entries:,} entries: gunicorn up on :{server.port} with {len(target.workers())} workers")
    return target


def warm(t: Target, pages, seconds):
    for page in pages:
        if not page.post:
            file = t.files.get(page.name)
            wrk.run(
                t.server.base,
                "/" if file else path(page, t.manifest),
                8,
                seconds,
                BASE_HEADERS if file else headers(page, t.manifest),
                file,
            )


def check_pages(run: Run, t: Target, pages):
    """Query counts and content checks, one request at a time, after the warm-up."""
    counts, redis = {}, bool(t.env.get("REDIS_URL"))
    for page in pages:
        if page.name in t.files:
            if page.tail:
                t.flush_cache()  # one path of the list, built: what a miss costs
            method, target, body, hdrs = first_request(t.files[page.name][0])
            status, got, text = t.server.get(target, method=method, headers=hdrs, body=body or None)
            queries = int(got.get("x-bench-queries", "-1"))
            expected = 201 if page.api else 302 if page.post else 200
        else:
            # After the warm-up every worker has served the page: the median of 11 requests is
            # what a request costs in the steady state (one that lands on a worker that has not
            # kept the page yet reads it from the shared cache).
            seen = []
            for _ in range(11):
                status, got, text = t.server.get(path(page, t.manifest), headers=headers(page, t.manifest))
                seen.append(int(got.get("x-bench-queries", "-1")))
            queries, expected = statistics.median_low(seen), 200
        counts[page.name] = queries
        if status != expected:
            run.problems.append(f"{page.name} ({t.entries:,} entries): status {status}, expected {expected}")
        if page.expect and page.expect not in text:
            run.problems.append(
                f"{page.name} ({t.entries:,} entries): the page does not contain {page.expect!r}"
            )
        budget = report.budget_of(page, redis)
        if budget is not None and queries > budget:
            run.problems.append(f"{page.name} ({t.entries:,} entries): {queries} queries, budget {budget}")
    run.queries[t.entries] = counts
    log("queries per request: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def measure_point(h: Harness, run: Run, t: Target, page: Page, connections: int, repeat: int) -> Point:
    if page.post:
        t.reset_posters(h)
    if page.tail:
        t.flush_cache()  # a cold start: most requests of the run find no kept page
    file = t.files.get(page.name)
    before = t.cpu_ticks()
    if file:
        result = wrk.run(t.server.base, "/", connections, run.args.duration, BASE_HEADERS, file)
    else:
        result = wrk.run(
            t.server.base, path(page, t.manifest), connections, run.args.duration, headers(page, t.manifest)
        )
    after = t.cpu_ticks()
    ticks = sum(max(0, n - before.get(pid, 0)) for pid, n in after.items())
    point = Point(
        page=page.name,
        dataset=t.entries,
        connections=connections,
        repeat=repeat,
        **{
            k: result[k]
            for k in ("rps", "p50_ms", "p99_ms", "requests", "non_2xx_3xx", "socket_errors", "socket_detail")
        },
        load_average=os.getloadavg()[0],
        cpu_ms=ticks * 1000 / CLOCK_TICKS / result["requests"] if result["requests"] else None,
    )
    # Requests still in flight when wrk stopped would slow the next point down; a long-tail run
    # leaves slow builds in flight even when wrk saw none of them finish.
    time.sleep(min(5.0, max(2.0 if page.tail else 0.2, (point.p99_ms or 1000) / 1000)))
    where = f"{page.name} ({t.entries:,} entries, {connections} connections, run {repeat})"
    if page.post:
        point.done, point.created_entries = result["done"], t.reset_posters(h)
        if result["others"]:
            run.problems.append(f"{where}: {result['others']} responses other than {file[2]}")
        # A request in flight when wrk stops still creates its entry: at most one a connection.
        # POST /today creates one entry a poster (today's), then appends to it.
        if page.api and not 0 < point.created_entries <= len(t.manifest["poster_sessions"]):
            run.problems.append(f"{where}: {point.created_entries} entries created for {point.done} requests")
        if not page.api and not 0 <= point.created_entries - point.done <= connections:
            run.problems.append(
                f"{where}: {point.done} redirects but {point.created_entries} entries created"
            )
    t.rss_kb()
    if point.non_2xx_3xx or point.socket_errors:
        run.problems.append(
            f"{where}: {point.non_2xx_3xx} non-2xx/3xx responses, {point.socket_errors} socket errors {point.socket_detail}"
        )
    return point


def bracketed(h, run, t, page, connections, repeat, ceiling_before=None):
    """``page`` between two ceiling runs (the first may be given): (ceiling before, point, ceiling after)."""
    before = ceiling_before or measure_point(h, run, t, BY_NAME["ceiling"], connections, repeat)
    point = measure_point(h, run, t, page, connections, repeat)
    after = measure_point(h, run, t, BY_NAME["ceiling"], connections, repeat)
    point.ceiling_rps = (before.rps + after.rps) / 2
    if before.cpu_ms and after.cpu_ms:
        point.ceiling_cpu_ms = (before.cpu_ms + after.cpu_ms) / 2
    log_point(point)
    return before, point, after


def measure(h, run: Run, t: Target, pages):
    """Every page between two ceiling runs, so a page and its ceiling see the same load; each
    ceiling run serves the pages on both sides of it. The smoke measures the pages back to back
    between one ceiling run before and one after: it only checks errors and query counts."""
    others = pages[1:]
    for repeat in range(1, run.args.repeats + 1):
        for connections in run.args.connections:
            if any(p.tail for p in others):
                # The long tail empties the cache: kept pages are kept again before they are
                # measured (else a run measures every worker rebuilding them at once).
                warm(t, [p for p in others if not p.tail], 1)
            if run.args.smoke:
                before = measure_point(h, run, t, BY_NAME["ceiling"], connections, repeat)
                points = [measure_point(h, run, t, p, connections, repeat) for p in others]
                after = measure_point(h, run, t, BY_NAME["ceiling"], connections, repeat)
                for p in points:
                    p.ceiling_rps = (before.rps + after.rps) / 2
                    log_point(p)
                run.points += [before, *points, after]
                continue
            ceiling = None
            for page in others:
                before, point, ceiling_after = bracketed(h, run, t, page, connections, repeat, ceiling)
                run.points += [point, ceiling_after] if ceiling else [before, point, ceiling_after]
                ceiling = ceiling_after


def log_point(p: Point):
    errors = p.non_2xx_3xx + p.socket_errors
    log(
        f"{p.dataset:>6} entries  c={p.connections:<2} run {p.repeat}  {p.page:<14} {p.rps:8.1f} req/s "
        f"({p.rps / p.ceiling_rps if p.ceiling_rps else 0:6.1%} of {p.ceiling_rps or 0:7.1f})  p50 {p.p50_ms or 0:7.1f} ms  "
        f"p99 {p.p99_ms or 0:7.1f} ms  cpu {p.cpu_ms or 0:6.2f} ms/req"
        + (f"  errors {errors}" if errors else "")
    )


def scale_check(h, run: Run, main: Target, entries: int, pages):
    """The scale pages on an ``entries`` dataset and on the main one, measured in pairs.

    The small dataset has its own database, Redis and gunicorn, so both stay up: each page is
    measured on the small one, then at once on the main one, each run between two ceiling runs
    of its own server. Other load on the machine drifts over minutes; a pair takes half a minute.
    """
    small = serve(h, run, entries, pages)
    warm(small, pages, 2)
    warm(main, pages, 1)
    check_pages(run, small, pages)
    for repeat in range(1, max(run.args.repeats, SCALE_REPEATS) + 1):
        for page in pages[1:]:
            for t in (small, main):
                run.scale_points += bracketed(h, run, t, page, GOAL_CONNECTIONS, repeat)
    small.server.stop()


def bench(h: Harness, args):
    expect(shutil.which("wrk"), "wrk is not installed (apt-get install -y wrk)")
    started = time.monotonic()
    RESULTS.mkdir(parents=True, exist_ok=True)
    pages = PAGES
    if args.pages:
        wanted = {"ceiling", *args.pages.split(",")}
        expect(wanted <= BY_NAME.keys(), f"unknown pages: {', '.join(sorted(wanted - BY_NAME.keys()))}")
        pages = [p for p in PAGES if p.name in wanted]
    run = Run(args=args)
    main = serve(h, run, args.entries, pages)
    warm(main, pages, 1 if args.smoke else 2)
    check_pages(run, main, pages)
    if any(p.post for p in pages):
        main.reset_posters(h)
    measure(h, run, main, pages)
    rss = main.rss_kb()
    run.rss[args.entries] = {
        "workers_kb": rss,
        "max_after_run_mb": round(max(rss.values()) / 1024, 1) if rss else None,
        "peak_seen_mb": round(main.peak_rss_kb / 1024, 1),
    }
    log(f"worker RSS after the run: {sorted(round(v / 1024, 1) for v in rss.values())} MB")
    for entries in args.compare_entries:
        scale_check(h, run, main, entries, [p for p in pages if p.name in SCALE_PAGES])

    agg = report.aggregate(run.points)
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
    name = ("smoke" if args.smoke else "bench") + (f"-{args.tag}" if args.tag else "")
    print("\n" + report.save(run, agg, args.entries, meta, name, RESULTS))
    log(f"done in {meta['seconds']} s; results in {RESULTS.relative_to(ROOT)}/{name}.md and .json")
    if args.doc:
        write_measured("performance", report.doc_block(run, agg, args.entries, meta))
    if run.problems:
        print("\n".join(main.server.errors_logged()[-10:]), file=sys.stderr)
        fail("; ".join(run.problems))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="CI: 2,000 entries, 1 s a page, 8 connections, database cache"
    )
    parser.add_argument(
        "--entries", type=int, help="Entries of the main dataset (default 100000; smoke 2000)"
    )
    parser.add_argument(
        "--compare-entries",
        type=int,
        nargs="*",
        help="Smaller datasets for the scale check (default 10000; smoke none)",
    )
    parser.add_argument("--duration", type=int, help="Seconds per point (default 5; smoke 1)")
    parser.add_argument(
        "--repeats", type=int, help="Runs per point; the median is reported (default 3; smoke 1)"
    )
    parser.add_argument(
        "--connections", type=lambda s: [int(x) for x in s.split(",")], help="Default 1,8,32; smoke 8"
    )
    parser.add_argument("--pages", help="Comma-separated page names (the ceiling is always measured)")
    parser.add_argument(
        "--database-cache",
        action="store_true",
        help="The database cache (the app's default without REDIS_URL) instead of Redis",
    )
    parser.add_argument("--tag", default="", help="Suffix for the result files")
    parser.add_argument(
        "--doc", action="store_true", help="Rewrite the measured block of docs/performance.md"
    )
    args = parser.parse_args(argv)
    smoke = args.smoke
    args.database_cache = args.database_cache or smoke
    args.entries = args.entries or (2_000 if smoke else 100_000)
    args.compare_entries = (
        args.compare_entries if args.compare_entries is not None else ([] if smoke else [10_000])
    )
    args.duration = args.duration or (1 if smoke else 5)
    args.repeats = args.repeats or (1 if smoke else 3)
    args.connections = args.connections or ([8] if smoke else [1, 8, 32])
    return check_main("Benchmark", bench, args)


if __name__ == "__main__":
    sys.exit(main())

"""Database restart: a steady request loop while PostgreSQL restarts.

One request every --interval seconds (default 50 ms), alternating pages that read the database
(/explore/ and /healthz). After --warmup requests that must all succeed, run the restart command;
PostgreSQL "answers again" when the command has returned and pg_isready says so. Passes when
every failed request started before that moment and ended after the restart began (it was in
flight during the restart), and the --after (default 60) requests that follow all succeed.

    python scripts/reliability/db_restart.py --base URL --restart "pg_ctlcluster ... restart"
        --pg-port 5432 [--after 60]
"""

import argparse
import shlex
import subprocess
import sys
import threading
import time

import requests
from common import get, report

PATHS = ["/explore/", "/healthz"]


def pg_ready(port) -> bool:
    return (
        subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], timeout=10).returncode == 0
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--restart", required=True, help="the command that restarts PostgreSQL")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--after", type=int, default=60)
    parser.add_argument("--figures")
    args = parser.parse_args()

    log = []  # (started, ended, path, status)
    stop = threading.Event()

    def loop():
        session = requests.Session()
        i = 0
        next_at = time.monotonic()
        while not stop.is_set() and i < 5000:
            path = PATHS[i % len(PATHS)]
            started = time.monotonic()
            status, _took, _error = get(session, args.base, path)
            log.append((started, time.monotonic(), path, status))
            i += 1
            next_at += args.interval
            stop.wait(max(0.0, next_at - time.monotonic()))
        session.close()

    def wait_for(predicate, seconds, what):
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                stop.set()
                sys.exit(f"FAIL: {what} within {seconds} s")
            time.sleep(0.02)

    looper = threading.Thread(target=loop, daemon=True)
    looper.start()
    wait_for(lambda: len(log) >= args.warmup, 30, f"no {args.warmup} warm-up requests")

    restart_at = time.monotonic()
    done = subprocess.run(shlex.split(args.restart), capture_output=True, text=True, timeout=90)
    if done.returncode != 0:
        stop.set()
        sys.exit(f"FAIL: the restart command failed: {done.stderr.strip() or done.stdout.strip()}")
    wait_for(lambda: pg_ready(args.pg_port), 60, "PostgreSQL did not answer again")
    up_at = time.monotonic()
    wait_for(lambda: sum(1 for s, _e, _p, _st in log if s >= up_at) >= args.after, 60, "the loop stalled")
    stop.set()
    looper.join(10)

    def ok(status):
        return status == 200

    baseline = [entry for entry in log if entry[1] < restart_at]
    during = [entry for entry in log if entry[1] >= restart_at and entry[0] < up_at]
    after = [entry for entry in log if entry[0] >= up_at][: args.after]
    failed_during = [entry for entry in during if not ok(entry[3])]
    figures = {
        "restart_seconds": round(up_at - restart_at, 2),
        "requests_before": len(baseline),
        "failures_before": sum(1 for entry in baseline if not ok(entry[3])),
        "requests_during_restart": len(during),
        "failures_during_restart": len(failed_during),
        "failure_statuses": sorted({str(entry[3]) for entry in failed_during}),
        "requests_after": len(after),
        "failures_after": sum(1 for entry in after if not ok(entry[3])),
        # From the start of the first failed request to the end of the last one.
        "failing_seconds": (
            round(max(e[1] for e in failed_during) - min(e[0] for e in failed_during), 2)
            if failed_during
            else 0
        ),
    }
    report("db_restart", figures, args.figures)
    problems = []
    if figures["failures_before"]:
        problems.append(f"{figures['failures_before']} requests failed before the restart")
    if figures["failures_after"] or len(after) < args.after:
        problems.append(f"{figures['failures_after']} of the {len(after)} requests after the restart failed")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

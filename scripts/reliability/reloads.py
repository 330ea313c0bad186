"""Reloads: load while gunicorn is HUP-reloaded twice and its workers recycle (max_requests).

gunicorn must have been started with a low GUNICORN_MAX_REQUESTS (say 50) and its log written
to --log. The load runs at least --seconds with a HUP at each --hup-at, and goes on (up to
--max-seconds) until --min-recycles workers have been recycled through max_requests. Passes
when no read gets anything but a 200 (so no non-2xx at all), every write is a 302 and is in the
database, /healthz (polled every 100 ms on its own connection) is always 200, and gunicorn
handled both HUPs and recycled workers meanwhile.

    python scripts/reliability/reloads.py --base URL --world seed.json --database-url URL
        --pid GUNICORN_MASTER_PID --log GUNICORN_LOG [--seconds 20] [--hup-at 5 12]
"""

import argparse
import os
import re
import signal
import sys
import threading
import time

import requests
from common import World, count_entries, get, report, run_load


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--world", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--max-seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--hup-at", type=float, nargs="+", default=[5.0, 12.0])
    parser.add_argument("--min-recycles", type=int, default=5)
    parser.add_argument("--figures")
    args = parser.parse_args()

    world = World(args.world)
    handles = [p.handle for p in world.participants]
    before = count_entries(args.database_url, handles)
    log_start = os.path.getsize(args.log)

    def new_log():
        with open(args.log, encoding="utf-8", errors="replace") as f:
            f.seek(log_start)
            return f.read()

    def recycled():
        return len(re.findall(r"Autorestarting worker after current request", new_log()))

    result = {}
    stop_load = threading.Event()

    def load():
        outcome = run_load(
            world,
            args.base,
            seconds=args.max_seconds,
            connections=args.connections,
            write_share=0.1,
            stop=stop_load,
        )
        result.update(zip(("tally", "created", "unexpected", "elapsed"), outcome, strict=True))

    health = {"ok": 0, "bad": []}
    done = threading.Event()

    def poll_health():
        session = requests.Session()
        while not done.is_set():
            status, _took, error = get(session, args.base, "/healthz")
            if status == 200:
                health["ok"] += 1
            else:
                health["bad"].append(f"{status} {error or ''}")
            done.wait(0.1)
        session.close()

    loader = threading.Thread(target=load, daemon=True)
    poller = threading.Thread(target=poll_health, daemon=True)
    started = time.monotonic()
    loader.start()
    poller.start()
    for at in args.hup_at:
        time.sleep(max(0.0, started + at - time.monotonic()))
        os.kill(args.pid, signal.SIGHUP)
    while loader.is_alive() and time.monotonic() < started + args.max_seconds:
        if time.monotonic() >= started + args.seconds and recycled() >= args.min_recycles:
            break
        time.sleep(0.5)
    stop_load.set()
    loader.join(90)
    done.set()
    poller.join(10)

    log = new_log()
    hups = len(re.findall(r"Handling signal: hup", log))
    recycles = recycled()
    booted = len(re.findall(r"Booting worker with pid", log))
    tally, created, unexpected = result["tally"], result["created"], result["unexpected"]
    after = count_entries(args.database_url, handles)
    gained = {h: after[h] - before[h] for h in handles}
    non_2xx_reads = tally.total(
        lambda kind, status: kind != "write" and not (isinstance(status, int) and 200 <= status < 300)
    )
    report(
        "reloads",
        {
            "seconds": round(result["elapsed"], 1),
            "connections": args.connections,
            "requests": tally.total(),
            "reads_non_2xx": non_2xx_reads,
            "writes_302": sum(created.values()),
            "new_rows": sum(gained.values()),
            "statuses": tally.by_status(),
            "healthz_polls_200": health["ok"],
            "healthz_not_200": len(health["bad"]),
            "hups_handled": hups,
            "workers_recycled_max_requests": recycles,
            "workers_booted": booted,
        },
        args.figures,
    )
    problems = []
    if non_2xx_reads or unexpected:
        problems.append(f"{len(unexpected)} unexpected answers: " + "; ".join(unexpected[:5]))
    if health["bad"]:
        problems.append(f"/healthz was not 200 {len(health['bad'])} times: {health['bad'][:3]}")
    if gained != created:
        problems.append(f"entries in the database {gained} != successful creates {created}")
    if hups != len(args.hup_at):
        problems.append(f"gunicorn handled {hups} HUPs, not {len(args.hup_at)}")
    if recycles < args.min_recycles:
        problems.append(
            f"{recycles} workers recycled through max_requests in {args.max_seconds} s, not {args.min_recycles}"
        )
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

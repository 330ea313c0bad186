"""Soak: mixed reads of every page kind and entry writes by every participant, at N connections.

Passes when no response is a server error (>= 500) or a dropped connection, every read is a
200, every write is a 302 (created) or, for a date already taken, a 400 that says so, and the
database gained exactly as many entries as there were 302s (per participant, too), with every
day number matching its date.

    python scripts/reliability/soak.py --base URL --world seed.json --database-url URL
        [--seconds 60] [--connections 32] [--write-share 0.25]
"""

import argparse
import sys

from common import World, count_entries, day_numbering_problems, report, run_load


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--world", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--write-share", type=float, default=0.25)
    parser.add_argument("--duplicate-share", type=float, default=0.02)
    parser.add_argument("--figures", help="append the figures (JSON lines) to this file")
    args = parser.parse_args()

    world = World(args.world)
    handles = [p.handle for p in world.participants]
    before = count_entries(args.database_url, handles)
    tally, created, unexpected, elapsed = run_load(
        world,
        args.base,
        seconds=args.seconds,
        connections=args.connections,
        write_share=args.write_share,
        duplicate_share=args.duplicate_share,
    )
    after = count_entries(args.database_url, handles)
    gained = {h: after[h] - before[h] for h in handles}
    creates, rows = sum(created.values()), sum(gained.values())
    server_errors = tally.total(lambda kind, status: not isinstance(status, int) or status >= 500)
    numbering = day_numbering_problems(args.database_url)
    total = tally.total()
    report(
        "soak",
        {
            "seconds": round(elapsed, 1),
            "connections": args.connections,
            "participants": len(handles),
            "requests": total,
            "per_second": round(total / elapsed, 1),
            "reads": tally.total(lambda kind, status: kind not in ("write", "duplicate")),
            "creates_302": creates,
            "new_rows": rows,
            "duplicates_refused_400": tally.total(lambda kind, status: kind == "duplicate" and status == 400),
            "server_errors_or_dropped": server_errors,
            "statuses": tally.by_status(),
            "day_numbering_problems": numbering,
            "latency_ms": tally.latency_ms(),
        },
        args.figures,
    )

    problems = []
    if server_errors:
        problems.append(f"{server_errors} responses >= 500 or dropped connections")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected answers, first ones: " + "; ".join(unexpected[:5]))
    if rows != creates or gained != created:
        wrong = {h: (created[h], gained[h]) for h in handles if gained[h] != created[h]}
        problems.append(f"entries in the database ({rows}) != successful creates ({creates}): {wrong}")
    if numbering:
        problems.append(f"{numbering} entries with a wrong day number")
    if not creates:
        problems.append("no entry was created: the load did not write")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

"""Pathological Markdown: five concurrent POSTs to the log form never tie up the workers.

Round 1 is the issue's acceptance: five signed-in participants POST 3,000 backticks each, at
once. Round 2 sends the other inputs that used to take seconds or minutes to render (20,000
``[``, ``*a `` 5,000 times, 5,000-deep lists and quotes, a 10,000-character reference link used
1,666 times). Meanwhile ``/healthz`` is asked every 100 ms.

Passes when every POST answers within ``--max-seconds`` (2) with a 302 (saved) or a 400 (the
form says why), and every ``/healthz`` answers 200 within 1 s, from before the first POST until
after the last answer.

    python scripts/reliability/markdown_bombs.py --base URL --world seed.json [--figures FILE]
"""

import argparse
import sys
import threading
import time

import requests
from common import TIMEOUT, World, form_errors, report

REFERENCE = "[a]: https://example.com/" + "x" * 10_000 + "\n\n" + "[a] " * 1_666
# Sent first and not timed: every worker loads the form's code path once, so the rounds below
# measure the Markdown and not a cold worker. Its slowest answer is reported as a baseline.
WARM_UP = ["Warm-up: **ordinary** entry with `code` and a [link](https://example.com)."] * 10
ROUNDS = {
    "3,000 backticks": ["`" * 3_000] * 5,
    "the issue's other inputs": [
        "[" * 20_000,
        "*a " * 5_000,
        "- " * 5_000 + "x",
        "> " * 5_000 + "x",
        REFERENCE,
    ],
}


def post(world, base, participant, date, text):
    data = {
        "round": participant.round,
        "date": date,
        "progress": text,
        "csrfmiddlewaretoken": participant.csrf,
    }
    started = time.monotonic()
    try:
        response = requests.post(
            f"{base}/log/",
            data=data,
            headers=world.headers(participant),
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        return response.status_code, time.monotonic() - started, response.text
    except requests.RequestException as error:
        return type(error).__name__, time.monotonic() - started, repr(error)


def send_at_once(world, base, texts):
    """One POST per text, each by its own participant on a free date, released together."""
    participants = world.participants[: len(texts)]
    dates = [p.take_date() for p in participants]
    results = [None] * len(texts)
    barrier = threading.Barrier(len(texts))

    def send(i):
        barrier.wait()
        results[i] = post(world, base, participants[i], dates[i], texts[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for (status, _took, _body), participant, date in zip(results, participants, dates, strict=True):
        if status == 302:
            participant.created.append(date)
    return results


def watch_healthz(base, stop, answers):
    session = requests.Session()
    while not stop.is_set():
        started = time.monotonic()
        try:
            status = session.get(f"{base}/healthz", timeout=5).status_code
        except requests.RequestException as error:
            status = type(error).__name__
        answers.append((status, time.monotonic() - started))
        stop.wait(0.1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--world", required=True)
    parser.add_argument("--max-seconds", type=float, default=2.0)
    parser.add_argument("--figures", help="append the figures (JSON lines) to this file")
    args = parser.parse_args()

    world = World(args.world)
    problems, figures = [], {}
    healthz, stop = [], threading.Event()
    watcher = threading.Thread(target=watch_healthz, args=(args.base, stop, healthz))
    watcher.start()
    time.sleep(0.5)
    try:
        warm = send_at_once(world, args.base, WARM_UP[:5]) + send_at_once(world, args.base, WARM_UP[5:])
        figures["warm-up (ordinary entries, not checked for time)"] = {
            "statuses": sorted(str(r[0]) for r in warm),
            "slowest_s": round(max(r[1] for r in warm), 3),
        }
        for name, texts in ROUNDS.items():
            results = send_at_once(world, args.base, texts)
            for status, took, body in results:
                if status not in (302, 400) or took > args.max_seconds:
                    problems.append(f"{name}: {status} in {took:.2f} s: {form_errors(body)}")
            figures[name] = {
                "statuses": sorted(str(r[0]) for r in results),
                "slowest_s": round(max(r[1] for r in results), 3),
            }
        time.sleep(0.5)
    finally:
        stop.set()
        watcher.join()
    world.save()

    slow_or_failed = [(s, t) for s, t in healthz if s != 200 or t >= 1.0]
    figures["healthz"] = {
        "asked": len(healthz),
        "not_200_or_slower_than_1s": len(slow_or_failed),
        "slowest_ms": round(max(t for _s, t in healthz) * 1000, 1),
    }
    report("markdown bombs", figures, args.figures)
    if slow_or_failed:
        problems.append(f"/healthz: {len(slow_or_failed)} of {len(healthz)} answers not 200 within 1 s")
    if len(healthz) < 5:
        problems.append(f"/healthz was asked only {len(healthz)} times")
    for problem in problems:
        print(f"    FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared by the load scripts of scripts/reliability.sh: the seeded participants, their HTTP
sessions, the pages to read, and a thread-safe tally of what came back.

Plain Python and requests: no Django here. The participants come from the JSON that seed.py
writes (session key and CSRF secret of each, the dates they may still log).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import requests

TIMEOUT = 30  # seconds for one request: gunicorn kills a worker stuck longer (its timeout)
# The "already logged" message in English and in Spanish (participants with language "es").
ALREADY_LOGGED = ("is already logged in this round", "ya está registrado en esta ronda")


@dataclass
class Participant:
    handle: str
    session: str
    csrf: str
    round: int
    logged: list[str]  # seeded dates, which always exist (permalinks, duplicate attempts)
    free: list[str]  # dates nobody has logged yet, shuffled
    created: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_date(self) -> str | None:
        with self.lock:
            return self.free.pop() if self.free else None


class World:
    """The seeded participants and the cookie names of the settings under test."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        self.session_cookie = data["session_cookie"]
        self.csrf_cookie = data["csrf_cookie"]
        self.participants = [Participant(**p) for p in data["participants"]]

    def save(self):
        """Write back which dates are taken now, so the next step logs other ones."""
        participants = [
            {
                "handle": p.handle,
                "session": p.session,
                "csrf": p.csrf,
                "round": p.round,
                "logged": p.logged,
                "free": p.free,
                "created": p.created,
            }
            for p in self.participants
        ]
        data = {
            "session_cookie": self.session_cookie,
            "csrf_cookie": self.csrf_cookie,
            "participants": participants,
        }
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(data, f)

    def headers(self, p: Participant) -> dict:
        # Set by hand: the production cookies are Secure (__Host-), which requests' cookie jar
        # would rightly never send over the plain HTTP of 127.0.0.1.
        return {"Cookie": f"{self.session_cookie}={p.session}; {self.csrf_cookie}={p.csrf}"}

    def read(self, rng: random.Random):
        """A random page of a random kind: ``(kind, path, participant or None)``."""
        p = rng.choice(self.participants)
        h, n = p.handle, p.round
        kind = rng.choice(READ_KINDS)
        if kind == "home":
            return kind, "/", None
        if kind == "explore":
            return kind, "/explore/", None
        if kind == "profile":
            return kind, f"/@{h}/", None
        if kind == "journal":
            return kind, f"/@{h}/r{n}/", None
        if kind == "permalink":
            return kind, f"/@{h}/r{n}/{rng.choice(p.logged)}/", None
        if kind == "feed":
            return kind, rng.choice([f"/@{h}/feed/", f"/@{h}/r{n}/feed/"]), None
        if kind == "badge":
            return kind, f"/@{h}/r{n}/badge.svg", None
        if kind == "stats":
            return kind, f"/@{h}/r{n}/stats/", None
        if kind == "dashboard":
            return kind, "/", p  # signed in: the dashboard
        if kind == "rounds":
            return kind, "/rounds/", p
        if kind == "log-form":
            return kind, f"/log/?round={n}", p
        if kind == "healthz":
            return kind, "/healthz", None
        raise AssertionError(kind)


READ_KINDS = [
    "home",
    "explore",
    "profile",
    "journal",
    "permalink",
    "feed",
    "badge",
    "stats",
    "dashboard",
    "rounds",
    "log-form",
    "healthz",
]


class Tally:
    """Counts of ``(kind, status)`` and latencies, from many threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.latency: dict[str, list[float]] = defaultdict(list)

    def add(self, kind, status, seconds):
        with self.lock:
            self.counts[(kind, status)] += 1
            self.latency[kind].append(seconds)

    def total(self, pred=lambda kind, status: True) -> int:
        with self.lock:
            return sum(n for (kind, status), n in self.counts.items() if pred(kind, status))

    def by_status(self) -> dict:
        out: Counter = Counter()
        for (_kind, status), n in self.counts.items():
            out[str(status)] += n
        return dict(sorted(out.items()))

    def latency_ms(self) -> dict:
        every = sorted(x for values in self.latency.values() for x in values)
        if not every:
            return {}

        def pct(q):
            return round(every[min(len(every) - 1, int(q * len(every)))] * 1000, 1)

        return {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": round(every[-1] * 1000, 1)}


def get(session: requests.Session, base: str, path: str, headers=None):
    """GET without following redirects: ``(status or exception name, seconds)``."""
    started = time.monotonic()
    try:
        response = session.get(base + path, headers=headers, timeout=TIMEOUT, allow_redirects=False)
        response.content  # noqa: B018 - read the whole body before the clock stops
        return response.status_code, time.monotonic() - started, None
    except requests.RequestException as error:
        return type(error).__name__, time.monotonic() - started, f"GET {path}: {error!r}"


def log_day(world: World, session: requests.Session, base: str, p: Participant, date: str, note: str):
    """POST the entry form as the browser would: ``(status, seconds, body or error)``."""
    started = time.monotonic()
    data = {
        "round": p.round,
        "date": date,
        "progress": f"Load test: {note}. **Bold**, `code`, [a link](https://example.com/{p.handle}).",
        "title": f"Soak {date}",
        "minutes": 30,
        "tags": "load, python",
        "links": f"Repo https://example.com/{p.handle}/{date}",
        "csrfmiddlewaretoken": p.csrf,
    }
    try:
        response = session.post(
            f"{base}/log/", data=data, headers=world.headers(p), timeout=TIMEOUT, allow_redirects=False
        )
        return response.status_code, time.monotonic() - started, response.text
    except requests.RequestException as error:
        return type(error).__name__, time.monotonic() - started, f"POST /log/: {error!r}"


def count_entries(database_url: str, handles=None) -> dict[str, int]:
    """Entries per handle, straight from PostgreSQL."""
    import psycopg2

    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT u.handle, count(e.id) FROM accounts_user u JOIN journal_round r ON r.user_id = u.id"
            " LEFT JOIN journal_entry e ON e.round_id = r.id GROUP BY u.handle"
        )
        rows = dict(cur.fetchall())
    conn.close()
    return {h: rows.get(h, 0) for h in (handles or rows)}


def day_numbering_problems(database_url: str) -> int:
    """Entries whose stored day is not what their dates say (official rule: rank by date)."""
    import psycopg2

    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            """
            SELECT count(*) FROM (
              SELECT e.day,
                     CASE r.rule WHEN 'calendar' THEN (e.date - r.start_date) + 1
                          ELSE row_number() OVER (PARTITION BY e.round_id ORDER BY e.date) END AS expected
              FROM journal_entry e JOIN journal_round r ON r.id = e.round_id
            ) t WHERE day <> expected
            """
        )
        (count,) = cur.fetchone()
    conn.close()
    return count


def run_load(world: World, base: str, *, seconds, connections, write_share, duplicate_share=0.0, stop=None):
    """``connections`` threads, each with its own keep-alive session, for ``seconds`` (or until
    the ``stop`` event is set, when one is given).

    Each request is a write (share ``write_share``: a free date of a random participant), a
    duplicate (a date already logged, which must be refused with the message) or a read of a
    random page kind. Returns ``(tally, created per handle, unexpected answers, elapsed)``.
    """
    tally = Tally()
    unexpected: list[str] = []
    created = {p.handle: 0 for p in world.participants}
    created_lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    stop = stop or threading.Event()

    def worker(seed):
        rng = random.Random(seed)
        session = requests.Session()
        while time.monotonic() < stop_at and not stop.is_set():
            roll = rng.random()
            if roll < write_share:
                p = rng.choice(world.participants)
                date = p.take_date()
                if date is None:
                    continue
                status, took, body = log_day(world, session, base, p, date, f"thread {seed}")
                tally.add("write", status, took)
                if status == 302:
                    with created_lock:
                        created[p.handle] += 1
                        p.created.append(date)
                else:
                    unexpected.append(f"write {p.handle} {date}: {status} {form_errors(body)}")
            elif roll < write_share + duplicate_share:
                p = rng.choice(world.participants)
                date = rng.choice(p.logged)
                status, took, body = log_day(world, session, base, p, date, "duplicate")
                tally.add("duplicate", status, took)
                if status != 400 or not is_already_logged(body):
                    unexpected.append(f"duplicate {p.handle} {date}: {status} {form_errors(body)}")
            else:
                kind, path, p = world.read(rng)
                status, took, error = get(session, base, path, world.headers(p) if p else None)
                tally.add(kind, status, took)
                if status != 200:
                    unexpected.append(f"{kind} {path}: {status} {error or ''}")
        session.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, stop_at - time.monotonic() + 2 * TIMEOUT))
    if any(t.is_alive() for t in threads):
        unexpected.append("some load threads never finished")
    world.save()
    return tally, created, unexpected, time.monotonic() - started


def is_already_logged(body: str) -> bool:
    text = re.sub(r"\s+", " ", body or "")
    return any(message in text for message in ALREADY_LOGGED)


def form_errors(body: str) -> str:
    """The error messages of a re-rendered form, for a failure report."""
    found = re.findall(r'<(?:li|p class="error")[^>]*>([^<]+)</', body or "")
    return " | ".join(found[:3]) or (body or "")[:200]


def report(name: str, figures: dict, path: str | None):
    """Print the figures and append them (one JSON line) to ``path`` for the README."""
    print(f"    {name}: " + json.dumps(figures, ensure_ascii=False))
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"step": name, **figures}, ensure_ascii=False) + "\n")

"""Build the benchmark's dataset (bench/run.py runs it; only bench.app.settings installs it, and
those settings refuse a database whose name lacks "bench").

Fast by design: users, tags and rounds go in with ``bulk_create``; entries, their
tags and their links with PostgreSQL ``COPY``. Markdown is rendered once per
distinct text (a few thousand), not once per row, and day numbers come from
``journal.rules.day_numbers`` as the services would store them.

What it makes (``--entries`` sets the total; participants default to one per 100 entries):

- ``@full366``: one public round of 366 days, every day logged (the longest journal);
- ``@hundred``: three public rounds: R1 completed with 100 entries (journal, permalink,
  feed), R2 broken after 30 days, R3 active (badge), and its profile;
- ``@dash``: the signed-in participant of the dashboard: R2 active, day 80 of 100,
  today not logged yet, so the dashboard shows the "Log today" form;
- the other participants: 1 to 3 rounds each, official or calendar rule, public,
  unlisted or private, active, completed, broken or abandoned, entries with Markdown,
  tags, links and minutes, until the total is reached;
- ``--posters`` extra participants, each with a private 100-day round that started 99
  days ago with its first 50 days logged: bench/run.py logs the next days into them to
  measure the "log today" POST (``--reset-posters`` removes those again). Their 50
  entries each count in ``--entries``;
- ``--members`` participants in a cohort that ``@dash`` organizes (``add_cohort``).

It writes ``--out`` (JSON): the URLs to measure, a session cookie for ``@dash`` and for
every poster, a CSRF cookie/token pair and every public URL of each long-tail kind.
"""

from __future__ import annotations

import io
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from cohorts.models import Cohort, Membership
from journal import markdown, rules
from journal.models import Entry, Round, Tag

SPECIAL_ENTRIES = 366 + 100 + 30 + 38 + 100 + 79  # @full366, @hundred R1-R3, @dash R1-R2
POSTER_TARGET = 100
POSTER_PREFILL = 50  # a poster is at day 51 when the benchmark logs its next day
BENCH_PASSWORD = "bench-password-not-secret"
COHORT_SLUG = "bench-cohort"
COHORT_DAYS = 40

TAGS = (
    "python django javascript typescript react vue svelte css html sql postgres sqlite redis docker "
    "kubernetes linux bash git github testing pytest tdd algorithms datastructures leetcode rust go "
    "java kotlin swift flutter android ios node express fastapi flask api rest graphql auth security "
    "devops ci aws gcp azure terraform ansible nginx performance caching async websockets htmx "
    "tailwind accessibility i18n design figma ux refactoring debugging regex markdown docs opensource "
    "machinelearning pandas numpy jupyter dataviz scraping cli vim neovim vscode webpack vite"
).split()
PROJECTS = (
    "a reading-list app",
    "a habit tracker",
    "my portfolio site",
    "a recipe manager",
    "a budget tracker",
    "a chat app",
    "a CLI for my notes",
    "a weather dashboard",
    "a URL shortener",
    "a Discord bot",
    "a kanban board",
    "a blog engine",
    "a workout log",
    "a markdown editor",
    "an expense splitter",
    "a flashcards app",
)
VERBS = (
    "Built",
    "Refactored",
    "Fixed",
    "Wrote tests for",
    "Read about",
    "Started",
    "Finished",
    "Debugged",
    "Documented",
    "Deployed",
    "Sketched",
    "Profiled",
    "Cleaned up",
    "Paired on",
    "Reviewed",
)
THINGS = (
    "the login form",
    "the REST API",
    "the database schema",
    "pagination",
    "the search page",
    "dark mode",
    "the CI pipeline",
    "a custom hook",
    "the settings page",
    "error handling",
    "the Docker image",
    "form validation",
    "a caching layer",
    "the import script",
    "the signup flow",
    "the landing page",
    "unit tests",
    "the data model",
    "a binary search",
    "a linked list",
    "a recursive parser",
    "the websocket client",
    "an Atom feed",
    "file uploads",
)
DETAILS = (
    "It took longer than planned, but it works now.",
    "Learned a lot about how the framework does this under the hood.",
    "The docs were clearer than the tutorials.",
    "Spent most of the time reading error messages.",
    "Finally understood why this matters.",
    "Pair programming helped a lot today.",
    "Not much code, but a lot of thinking.",
    "Small steps: one function at a time.",
    "Tomorrow: edge cases and cleanup.",
    "I should have written the test first.",
)
SNIPPETS = (
    ("python", "def day_number(d, start):\n    return (d - start).days + 1"),
    ("js", "const total = entries.reduce((sum, e) => sum + e.minutes, 0);"),
    ("sql", "SELECT round_id, count(*) FROM journal_entry GROUP BY round_id;"),
    ("bash", "git rebase -i HEAD~3\ngit push --force-with-lease"),
    ("css", ".grid { display: grid; grid-template-columns: repeat(auto-fill, 1.5rem); }"),
)
THOUGHTS = (
    "Consistency beats intensity.",
    "Reading other people's code is underrated.",
    "I keep forgetting to commit often.",
    "Two days in a row would break the round, so I logged even a small win.",
    "Naming things is still the hardest part.",
    "Rubber-duck debugging works, even with a real duck.",
    "Felt stuck, then a walk fixed it.",
    "The community replies on my posts keep me going.",
)
ZONES = ("UTC", "Europe/Madrid", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo")
FIRST = "ana ben chloe dan eva femi gus hana ivan jo kai lea mo nia omar pia quinn rui sam tao uma vic wen xia yan zoe".split()
LAST = "lopez smith garcia kim okafor rossi nguyen silva müller sato patel novak".split()


def _copy_text(value) -> str:
    """One field in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_rows(cursor, table, columns, rows, chunk=20_000):
    """COPY ``rows`` (tuples) into ``table``; returns how many."""
    count = 0
    buffer = io.StringIO()
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"

    def flush():
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)
        buffer.seek(0)
        buffer.truncate()

    for i, row in enumerate(rows, start=1):
        buffer.write("\t".join(_copy_text(v) for v in row))
        buffer.write("\n")
        count += 1
        if i % chunk == 0:
            flush()
    if buffer.tell():
        flush()
    return count


@dataclass
class RoundPlan:
    user_index: int
    number: int
    title: str
    start: date
    target: int
    rule: str
    visibility: str
    dates: list[date]
    description: str = ""
    id: int | None = None


@dataclass
class Texts:
    """Distinct Markdown texts, each rendered once."""

    progress: list[tuple[str, str]] = field(default_factory=list)
    thoughts: list[tuple[str, str]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)


def make_texts(rnd: random.Random, distinct: int) -> Texts:
    texts = Texts()
    for i in range(distinct):
        verb, thing, project = rnd.choice(VERBS), rnd.choice(THINGS), rnd.choice(PROJECTS)
        lines = [f"{verb} **{thing}** for {project}. {rnd.choice(DETAILS)}"]
        kind = i % 5
        if kind in (0, 1):
            items = rnd.sample(THINGS, 3)
            lines.append(
                "\n".join(f"- {'~~' if j == 2 and kind == 1 else ''}{t}" for j, t in enumerate(items))
            )
        if kind == 2:
            lang, code = rnd.choice(SNIPPETS)
            lines.append(f"```{lang}\n{code}\n```")
        if kind == 3:
            lines.append(
                f"Read [the {rnd.choice(TAGS)} docs](https://docs.example.com/{rnd.choice(TAGS)}/) "
                f"and used `{rnd.choice(('map', 'select_related', 'useEffect', 'grep', 'async'))}`."
            )
        if kind == 4:
            lines.append(f"> {rnd.choice(DETAILS)}\n\n1. {rnd.choice(THINGS)}\n2. {rnd.choice(THINGS)}")
        text = "\n\n".join(lines)
        texts.progress.append((text, markdown.render(text)))
    for i in range(max(20, distinct // 4)):
        text = f"{rnd.choice(THOUGHTS)} {rnd.choice(DETAILS)}" + (
            " *Proud of this one.*" if i % 3 == 0 else ""
        )
        texts.thoughts.append((text, markdown.render(text)))
    texts.titles = [f"{rnd.choice(VERBS)} {rnd.choice(THINGS)}"[:120] for _ in range(max(50, distinct // 2))]
    return texts


def spread_dates(rnd: random.Random, count: int, start: date, rule: str, target: int, gap_rate: float):
    """``count`` dates from ``start`` with single missed days here and there (never two in a row)."""
    dates, d, last_missed = [], start, False
    limit = start + timedelta(days=target - 1) if rule == rules.CALENDAR else None
    while len(dates) < count:
        if limit is not None and d > limit:
            break
        if dates and not last_missed and rnd.random() < gap_rate:
            last_missed = True
        else:
            dates.append(d)
            last_missed = False
        d += timedelta(days=1)
    return dates


class Command(BaseCommand):
    help = (
        "Replace the data of the bench database with the benchmark's dataset (users, rounds, "
        "entries with Markdown, tags and links, a cohort) and write its URLs and cookies to --out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=100_000, help="Entries in all (default 100000).")
        parser.add_argument("--participants", type=int, default=None, help="Default: entries / 100, ≥ 20.")
        parser.add_argument("--posters", type=int, default=100, help="Participants the POST writes to.")
        parser.add_argument("--members", type=int, default=300, help="Members of @dash's cohort.")
        parser.add_argument("--out", help="Where to write the URLs and cookies (JSON).")
        parser.add_argument("--reset-posters", action="store_true", help="Only delete the days logged since.")

    def handle(self, *args, entries, participants, posters, members, out, reset_posters, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_dataset needs PostgreSQL.")
        if reset_posters:
            self.stdout.write(f"Deleted {reset_poster_rounds()} entries logged into the posters' rounds.")
            return
        if not out:
            raise CommandError("--out is required.")
        fixed = SPECIAL_ENTRIES + posters * POSTER_PREFILL
        if entries < fixed + 100:
            raise CommandError(
                f"--entries must be at least {fixed + 100}: the fixed participants and the posters use {fixed}."
            )
        participants = participants or max(20, entries // 100)
        started = time.monotonic()
        builder = Builder(random.Random(100), entries=entries, participants=participants, posters=posters)
        with transaction.atomic():
            summary = builder.build()
            manifest = builder.manifest()
        manifest["urls"].update(add_cohort(random.Random(300), members, builder.today))
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE accounts_user; ANALYZE journal_round; ANALYZE journal_entry; ANALYZE journal_entry_tags; "
                "ANALYZE journal_link; ANALYZE journal_tag; ANALYZE cohorts_cohort; ANALYZE cohorts_membership;"
            )
        manifest["tail"] = tail_paths()
        Path(out).write_text(json.dumps(manifest))
        self.stdout.write(
            f"Built {summary} and a cohort of {members} in {time.monotonic() - started:.1f} s; "
            f"long tail: {', '.join(f'{len(v):,} {k}' for k, v in manifest['tail'].items())} URLs."
        )


def add_cohort(rnd: random.Random, members: int, today: date) -> dict:
    """A cohort of ``members`` organized by @dash, in six time zones, each member with a private
    40-day-old round (explore and the profiles measured elsewhere do not change) and a realistic
    spread: most log every day, some missed yesterday (at risk), some stopped (broken), some have
    not logged today yet. The URLs of its page and CSV."""
    User = get_user_model()
    start = today - timedelta(days=COHORT_DAYS - 1)
    progress = "Worked through the **exercises** of the week; `pytest` is green."
    html = markdown.render(progress)
    with transaction.atomic():
        cohort = Cohort.objects.create(
            name=f"Bench cohort · {members} students",
            slug=COHORT_SLUG,
            description=f"A class of *{members}*, for the benchmark.",
            start_date=start,
            target=100,
            created_by=User.objects.get(handle="dash"),
        )
        Membership.objects.create(cohort=cohort, user=cohort.created_by, role=Membership.Role.ORGANIZER)
        users = User.objects.bulk_create(
            User(
                email=f"cohort-{i:04d}@bench.example",
                handle=f"cohort-{i:04d}",
                display_name=f"Student {i:04d}",
                time_zone=ZONES[i % len(ZONES)],
                reminders=False,
            )
            for i in range(members)
        )
        rounds = Round.objects.bulk_create(
            Round(user=u, number=1, title="#100DaysOfCode R1", start_date=start, target=100) for u in users
        )
        entries = []
        for r in rounds:
            kind = rnd.random()
            last = today if kind < 0.5 else today - timedelta(days=1)  # half have not logged today
            if kind > 0.85:
                last = today - timedelta(days=rnd.randint(3, 30))  # stopped: broken
            elif kind > 0.75:
                last = today - timedelta(days=2)  # missed yesterday: at risk
            dates = [
                start + timedelta(days=i) for i in range(COHORT_DAYS) if start + timedelta(days=i) <= last
            ]
            for d, day in rules.day_numbers(dates, start, rules.OFFICIAL).items():
                entries.append(Entry(round=r, date=d, day=day, progress=progress, progress_html=html))
        Entry.objects.bulk_create(entries, batch_size=5000)
        Membership.objects.bulk_create(
            Membership(cohort=cohort, user=u, round=r, share_entries=i % 10 == 0)
            for i, (u, r) in enumerate(zip(users, rounds, strict=True))
        )
    return {
        "cohort": reverse("cohorts:detail", kwargs={"slug": COHORT_SLUG}),
        "cohort_csv": reverse("cohorts:members-csv", kwargs={"slug": COHORT_SLUG}),
    }


def tail_paths() -> dict:
    """Every public URL of each long-tail kind, shuffled: the long-tail pages spread their requests
    over them at random."""
    public = "FROM journal_round r JOIN accounts_user u ON u.id = r.user_id WHERE r.visibility = 'public' AND u.is_active"
    round_path = "'/@' || u.handle || '/r' || r.number || '/'"
    queries = {
        "permalink": f"SELECT {round_path} || to_char(e.date, 'YYYY-MM-DD') || '/' "
        f"FROM journal_entry e JOIN journal_round r ON r.id = e.round_id {public.split(' ', 3)[3]}",
        "journal": f"SELECT {round_path} {public}",
        "profile": "SELECT '/@' || handle || '/' FROM accounts_user WHERE is_active",
        "feed": f"SELECT {round_path} || 'feed/' {public}",
        "badge": f"SELECT {round_path} || 'badge.svg' {public}",
    }
    rnd, out = random.Random(100), {}
    with connection.cursor() as cursor:
        for kind, sql in queries.items():
            cursor.execute(sql)
            out[kind] = [row[0] for row in cursor.fetchall()]
            rnd.shuffle(out[kind])
    return out


def reset_poster_rounds() -> int:
    """Delete the days the benchmark logged into the posters' rounds; returns how many."""
    rounds = (
        "SELECT r.id FROM journal_round r JOIN accounts_user u ON u.id = r.user_id "
        "WHERE u.handle LIKE 'poster-%%'"
    )
    logged = f"SELECT id FROM journal_entry WHERE round_id IN ({rounds}) AND day > {POSTER_PREFILL}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM journal_entry_tags WHERE entry_id IN ({logged})")
        cursor.execute(f"DELETE FROM journal_link WHERE entry_id IN ({logged})")
        cursor.execute(f"DELETE FROM journal_entry WHERE id IN ({logged})")
        removed = cursor.rowcount
        cursor.execute(f"UPDATE journal_round SET version = version + 1 WHERE id IN ({rounds})")
    return removed


class Builder:
    def __init__(self, rnd: random.Random, *, entries: int, participants: int, posters: int):
        self.rnd = rnd
        self.entries = entries
        self.participants = participants
        self.posters = posters
        self.today = date.today()  # the special participants are in UTC
        self.now = datetime.now(UTC)
        self.users = []
        self.rounds: list[RoundPlan] = []

    # --- plan -------------------------------------------------------------------------------

    def plan_users(self):
        rnd = self.rnd
        specials = [("full366", "Full Year"), ("hundred", "Hana Hundred"), ("dash", "Dana Dash")]
        for handle, name in specials:
            self.users.append({"handle": handle, "name": name, "zone": "UTC", "language": ""})
        for i in range(self.participants - len(specials)):
            name = f"{rnd.choice(FIRST).title()} {rnd.choice(LAST).title()}"
            self.users.append(
                {
                    "handle": f"coder-{i + 1:05d}",
                    "name": name if rnd.random() < 0.8 else "",
                    "zone": rnd.choice(ZONES),
                    "language": rnd.choice(("", "", "", "en", "es")),
                }
            )
        for i in range(self.posters):
            self.users.append({"handle": f"poster-{i + 1:04d}", "name": "", "zone": "UTC", "language": ""})

    def plan_special_rounds(self):
        today, rnd = self.today, self.rnd
        # @full366: 366 days in a row, finished yesterday.
        start = today - timedelta(days=366)
        self.rounds.append(
            RoundPlan(
                0,
                1,
                "#100DaysOfCode R1: a whole year",
                start,
                366,
                rules.OFFICIAL,
                "public",
                [start + timedelta(days=i) for i in range(366)],
                "A year of code, one day at a time.",
            )
        )
        # @hundred: R1 completed (100 entries), R2 broken after 30, R3 active (38 of 40 days).
        r3_start = today - timedelta(days=39)
        r3 = spread_dates(rnd, 38, r3_start, rules.OFFICIAL, 100, 0.05)
        r2_start = r3_start - timedelta(days=60)
        r2 = [r2_start + timedelta(days=i) for i in range(30)]
        r1_start = r2_start - timedelta(days=130)
        r1 = spread_dates(rnd, 100, r1_start, rules.OFFICIAL, 100, 0.1)
        self.rounds += [
            RoundPlan(
                1,
                1,
                "#100DaysOfCode R1: learning Django",
                r1_start,
                100,
                rules.OFFICIAL,
                "public",
                r1,
                "Learning **Django** by building a reading-list app.",
            ),
            RoundPlan(1, 2, "#100DaysOfCode R2: JavaScript", r2_start, 100, rules.OFFICIAL, "public", r2),
            RoundPlan(1, 3, "#100DaysOfCode R3: back at it", r3_start, 100, rules.OFFICIAL, "public", r3),
        ]
        # @dash: R1 completed, R2 at day 80: 79 entries up to yesterday (one day missed), today open.
        r2_start = today - timedelta(days=80)
        missed = rnd.randrange(5, 70)
        r2 = [r2_start + timedelta(days=i) for i in range(80) if i != missed]
        r1_start = r2_start - timedelta(days=140)
        self.rounds += [
            RoundPlan(
                2,
                1,
                "#100DaysOfCode R1",
                r1_start,
                100,
                rules.OFFICIAL,
                "public",
                spread_dates(rnd, 100, r1_start, rules.OFFICIAL, 100, 0.05),
            ),
            RoundPlan(2, 2, "#100DaysOfCode R2: shipping", r2_start, 100, rules.OFFICIAL, "public", r2),
        ]

    def plan_poster_rounds(self):
        start = self.today - timedelta(days=POSTER_TARGET - 1)
        for p in range(self.participants, self.participants + self.posters):
            dates = [start + timedelta(days=i) for i in range(POSTER_PREFILL)]
            self.rounds.append(
                RoundPlan(p, 1, "#100DaysOfCode R1", start, POSTER_TARGET, rules.OFFICIAL, "private", dates)
            )

    def plan_regular_rounds(self):
        rnd, today = self.rnd, self.today
        regular = range(3, self.participants)
        remaining = self.entries - sum(len(r.dates) for r in self.rounds)
        # Per round: a target and a wish (how far the participant got); scaled to the total below.
        shapes = []
        for u in regular:
            for number in range(1, rnd.choice((1, 1, 1, 2, 2, 3)) + 1):
                target = 366 if rnd.random() < 0.05 else 100
                wish = target if rnd.random() < 0.35 else rnd.randint(3, target)
                shapes.append([u, number, target, wish])
        while sum(s[2] for s in shapes) < remaining:  # a tiny dataset with few rounds: add some
            shapes.append([rnd.choice(regular), 0, 366, 366])
        total_wish = sum(s[3] for s in shapes)
        counts = [min(s[2], max(1, round(s[3] * remaining / total_wish))) for s in shapes]
        diff = remaining - sum(counts)
        while diff:
            i = rnd.randrange(len(counts))
            if diff > 0 and counts[i] < shapes[i][2]:
                counts[i] += 1
                diff -= 1
            elif diff < 0 and counts[i] > 1:
                counts[i] -= 1
                diff += 1
        by_user: dict[int, list] = {}
        for shape, count in zip(shapes, counts, strict=True):
            by_user.setdefault(shape[0], []).append((shape[2], count))
        for u, plans in by_user.items():
            # Yesterday at the latest: "today" in a participant's own zone may still be yesterday in UTC.
            end = today - timedelta(days=rnd.choice((1, 1, 1, 2, rnd.randint(3, 400))))
            numbered = []
            for target, count in reversed(plans):  # the latest round first, going back in time
                rule = rules.CALENDAR if rnd.random() < 0.15 else rules.OFFICIAL
                span_guess = int(count * 1.08) + 1
                start = end - timedelta(days=span_guess)
                dates = spread_dates(rnd, count, start, rule, target, 0.06)
                if len(dates) < count:  # a calendar round too full for gaps
                    dates = [start + timedelta(days=i) for i in range(count)]
                overshoot = (dates[-1] - end).days if dates else 0
                if overshoot > 0:
                    start -= timedelta(days=overshoot)
                    dates = [d - timedelta(days=overshoot) for d in dates]
                numbered.append((target, rule, start, dates))
                end = start - timedelta(days=rnd.randint(5, 90))
            for number, (target, rule, start, dates) in enumerate(reversed(numbered), start=1):
                project = rnd.choice(PROJECTS)
                self.rounds.append(
                    RoundPlan(
                        u,
                        number,
                        f"#100DaysOfCode R{number}: {project}",
                        start,
                        target,
                        rule,
                        rnd.choices(("public", "unlisted", "private"), (70, 15, 15))[0],
                        dates,
                        f"Building {project}." if rnd.random() < 0.5 else "",
                    )
                )

    # --- write ------------------------------------------------------------------------------

    def build(self) -> str:
        rnd = self.rnd
        self.plan_users()
        self.plan_special_rounds()
        self.plan_poster_rounds()
        self.plan_regular_rounds()
        User = get_user_model()
        tables = ["accounts_user", "journal_tag", "django_session"]
        cache = settings.CACHES["default"]
        if cache["BACKEND"].endswith("DatabaseCache"):
            tables.append(cache["LOCATION"])
        with connection.cursor() as cursor:
            # CASCADE empties every table that points at these: rounds, entries, links, addresses.
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        password = make_password(BENCH_PASSWORD)
        joined = self.now - timedelta(days=800)
        users = User.objects.bulk_create(
            User(
                email=f"{u['handle']}@bench.example",
                handle=u["handle"],
                display_name=u["name"],
                time_zone=u["zone"],
                language=u["language"],
                password=password,
                date_joined=joined,
                reminders=False,
            )
            for u in self.users
        )
        self.user_objects = users
        tags = Tag.objects.bulk_create(Tag(name=name) for name in TAGS)
        tag_ids = [t.pk for t in tags]

        descriptions = {r.description for r in self.rounds}
        rendered = {text: markdown.render(text) for text in descriptions}
        round_objects = Round.objects.bulk_create(
            Round(
                user_id=users[r.user_index].pk,
                number=r.number,
                title=r.title,
                start_date=r.start,
                target=r.target,
                rule=r.rule,
                visibility=r.visibility,
                description=r.description,
                description_html=rendered[r.description],
            )
            for r in self.rounds
        )
        for plan, obj in zip(self.rounds, round_objects, strict=True):
            plan.id = obj.pk

        texts = make_texts(rnd, distinct=min(4000, max(300, self.entries // 25)))
        entry_rows, tag_rows, link_rows = [], [], []
        entry_id = 0
        for plan in self.rounds:
            user_tags = rnd.sample(tag_ids, 6)
            handle = self.users[plan.user_index]["handle"]
            numbers = rules.day_numbers(plan.dates, plan.start, plan.rule)
            for d in plan.dates:
                entry_id += 1
                progress, progress_html = rnd.choice(texts.progress)
                thoughts, thoughts_html = rnd.choice(texts.thoughts) if rnd.random() < 0.3 else ("", "")
                created = datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(
                    hours=rnd.randint(17, 23), minutes=rnd.randint(0, 59), seconds=rnd.randint(0, 59)
                )
                created = min(created, self.now - timedelta(seconds=entry_id % 600 + 1))
                entry_rows.append(
                    (
                        entry_id,
                        plan.id,
                        d,
                        numbers[d],
                        rnd.choice(texts.titles) if rnd.random() < 0.6 else "",
                        progress,
                        progress_html,
                        thoughts,
                        thoughts_html,
                        rnd.choice((None, 30, 45, 60, 60, 90, 120, 180)),
                        created,
                        created,
                    )
                )
                for tag in rnd.sample(user_tags, rnd.choice((0, 1, 2, 2, 3, 4))):
                    tag_rows.append((len(tag_rows) + 1, entry_id, tag))
                for position in range(rnd.choice((0, 0, 0, 0, 0, 0, 1, 1, 1, 2))):
                    sha = get_random_string(7, "0123456789abcdef")
                    url = f"https://github.com/{handle}/{rnd.choice(('app', 'notes', 'api', 'site'))}/commit/{sha}"
                    link_rows.append(
                        (len(link_rows) + 1, entry_id, url, rnd.choice(("", "commit", "PR")), position)
                    )
        with connection.cursor() as cursor:
            copy_rows(
                cursor,
                Entry._meta.db_table,
                (
                    "id",
                    "round_id",
                    "date",
                    "day",
                    "title",
                    "progress",
                    "progress_html",
                    "thoughts",
                    "thoughts_html",
                    "minutes",
                    "created_at",
                    "updated_at",
                ),
                entry_rows,
            )
            copy_rows(cursor, Entry.tags.through._meta.db_table, ("id", "entry_id", "tag_id"), tag_rows)
            copy_rows(cursor, "journal_link", ("id", "entry_id", "url", "label", "position"), link_rows)
            for table, last in (
                ("journal_entry", entry_id),
                ("journal_entry_tags", len(tag_rows)),
                ("journal_link", len(link_rows)),
            ):
                if last:
                    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])
        return (
            f"{len(self.users) - self.posters} participants (+{self.posters} posters), {len(self.rounds)} rounds, "
            f"{entry_id} entries, {len(tag_rows)} entry tags, {len(link_rows)} links"
        )

    # --- what bench/run.py needs ------------------------------------------------------------

    def _session(self, user) -> str:
        store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.set_expiry(14 * 24 * 3600)
        store.create()
        return store.session_key

    def manifest(self) -> dict:
        by_handle = {u.handle: u for u in self.user_objects}
        hundred_r1 = next(r for r in self.rounds if r.user_index == 1 and r.number == 1)
        permalink_date = hundred_r1.dates[49]
        csrf = get_random_string(32)
        posters = [
            {"handle": u.handle, "session": self._session(u), "round": 1}
            for u in self.user_objects
            if u.handle.startswith("poster-")
        ]
        poster_start = self.today - timedelta(days=POSTER_TARGET - 1)

        def url(name, **kwargs):
            return reverse(f"journal:{name}", kwargs=kwargs)

        return {
            "entries": self.entries,
            "participants": self.participants,
            "posters": len(posters),
            "built_on": self.today.isoformat(),
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "csrf_cookie": settings.CSRF_COOKIE_NAME,
            "csrf_token": csrf,
            "dash_session": self._session(by_handle["dash"]),
            "poster_sessions": posters,
            "poster_dates": [
                (poster_start + timedelta(days=i)).isoformat() for i in range(POSTER_PREFILL, POSTER_TARGET)
            ],
            "urls": {
                "home": url("home"),
                "dashboard": url("home"),
                "journal_100": url("round", handle="hundred", number=1),
                "journal_366": url("round", handle="full366", number=1),
                "profile": url("profile", handle="hundred"),
                "explore": url("explore"),
                "permalink": url("entry", handle="hundred", number=1, date=permalink_date),
                "feed": url("round-feed", handle="hundred", number=1),
                "badge": url("badge", handle="hundred", number=3),
                "log_today": url("entry-new"),
            },
        }

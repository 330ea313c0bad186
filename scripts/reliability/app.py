"""The reliability check's work inside the app, through its own services (run.py runs it with the
environment of the database in question: DATABASE_URL, DJANGO_*).

    seed OUT.json  20 participants with 10 entries each in a public round (plus private calendar and
                   unlisted rounds for the backups); OUT.json gets each one's handle, Cookie header
                   (signed-in session, CSRF secret), round, the dates logged and the dates still free
    export DIR     every participant with a round, as the JSON people download, DIR/<handle>.json
    import DIR     into an empty, migrated database: a fresh account per file, then apply_import
    write          new rows after a restore: fails if a sequence was left behind the restored ids
"""

import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hundreddays.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from journal import clock, exporting, importing, services  # noqa: E402
from journal.logs import parse_json, write_json  # noqa: E402
from journal.models import Entry, Link, Round, Tag  # noqa: E402
from journal.services import LinkInput  # noqa: E402

User = get_user_model()
PROFILES = [
    ("Ada Lovelace", {"time_zone": "UTC", "rollover_hour": 0, "language": "en"}),
    ("Grace Hopper", {"time_zone": "Europe/Madrid", "rollover_hour": 2, "language": "es"}),
    ("Ünïcödé Ñame 🚀", {"time_zone": "America/Los_Angeles", "rollover_hour": 0, "language": ""}),
    ("Margaret <Hamilton> & co", {"time_zone": "Asia/Tokyo", "rollover_hour": 4, "language": "en"}),
]
PROGRESS = [
    "Read **chapter {i}** of the book and wrote notes.",
    "Fixed a bug in `parse()`; see [the diff](https://example.com/diff/{i}).",
    "- refactored the views\n- added tests\n- deployed\n\n> quote {i}",
    "Día {i}: aprendí algo nuevo. Ça va! <script>alert({i})</script>",
]


def new_user(handle, email, **fields):
    return User.objects.create_user(email=email, password=get_random_string(20), handle=handle, **fields)


def seed(out, entries=10):
    rng, seeded = random.Random(8), []
    for n in range(20):
        (name, profile), handle = PROFILES[n % len(PROFILES)], f"rel{n:02d}"
        user = new_user(handle, f"{handle}@example.com", display_name=f"{name} {n}", **profile)
        # Yesterday at the latest: the run may cross midnight in the participant's time zone.
        last = clock.today_for(user) - timedelta(days=1)
        start = last - timedelta(days=299)
        round = services.start_round(
            user, start_date=start, target=366, visibility="public", title=f"Round of {name}"
        )
        dates = [start + timedelta(days=d) for d in range(300)]
        rng.shuffle(dates)
        logged, free = sorted(dates[:entries]), dates[entries:]
        for i, d in enumerate(logged):
            links = [LinkInput(url=f"https://example.com/{n}/{i}?a=1&b=2", label=f"Work {i}")]
            services.create_entry(
                round,
                date=d,
                title=f"Day of {d:%B %d}" if i % 3 else "",
                progress=PROGRESS[i % 4].format(i=i),
                thoughts="" if i % 2 else f"Thought *{i}* — ✓",
                minutes=None if i % 4 == 0 else 15 * i,
                tags=["python", "django", "día"][: 1 + i % 3],
                today=last,
                links=links + ([LinkInput(url="http://example.org/plain")] if i % 3 == 0 else []),
            )
        if n % 4 == 0:  # other kinds of round, for the backups
            calendar = {"rule": "calendar", "target": 30, "description": "A *private* calendar round."}
            other = services.start_round(user, start_date=last - timedelta(days=20), **calendar)
            for ago in (20, 15, 3):
                services.create_entry(
                    other, date=last - timedelta(days=ago), progress=f"Private {ago}.", today=last
                )
        elif n % 4 == 1:
            services.start_round(
                user, start_date=last, target=100, visibility="unlisted", description="Unlisted, empty."
            )
        client, csrf = Client(), get_random_string(32)
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
        logged, free = [d.isoformat() for d in logged], [d.isoformat() for d in free]
        seeded.append(
            dict(handle=handle, cookie=cookie, csrf=csrf, round=round.number, logged=logged, free=free)
        )
    Path(out).write_text(json.dumps(seeded), encoding="utf-8")
    print(f"seeded {len(seeded)} participants, {len(seeded) * entries} entries in their public rounds")


def export(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    users = User.objects.filter(rounds__isnull=False).distinct().order_by("handle")
    for user in users:
        (folder / f"{user.handle}.json").write_text(write_json(exporting.export_user(user)), encoding="utf-8")
    print(f"exported {len(users)} participants")


def import_(folder):
    if User.objects.exists():
        sys.exit("FAIL: the JSON import must go into an empty database")
    files, rounds, entries = sorted(Path(folder).glob("*.json")), 0, 0
    for path in files:
        log = parse_json(path.read_text(encoding="utf-8"))
        # The email address is not in the export (it is the sign-in identity, not data).
        handle = log.profile["handle"]
        result = importing.apply_import(new_user(handle, f"{handle}@restored.example"), log)
        rounds, entries = rounds + len(result.created_rounds), entries + result.created
    print(f"imported {len(files)} participants: {rounds} rounds, {entries} entries")


def top_ids():
    return {m.__name__: m.objects.aggregate(a=Max("pk"))["a"] or 0 for m in (User, Round, Entry, Link, Tag)}


def write():
    before, tag = top_ids(), f"after-restore-{get_random_string(6).lower()}"
    user = User.objects.create_user(email=f"{tag}@example.com", password=None)
    today = clock.today_for(user)
    round = services.start_round(user, start_date=today, visibility="public")
    link = LinkInput(url="https://example.com/after-restore", label="after")
    entry = services.create_entry(
        round, date=today, progress="Written after the restore.", tags=[tag], links=[link]
    )
    after = top_ids()
    if behind := [name for name in before if after[name] <= before[name]]:
        sys.exit(f"FAIL: new ids are not above the restored ones for {behind}: {before} -> {after}")
    print(f"new writes work: user {user.pk}, round {round.pk}, entry {entry.pk}, ids above {before}")


if __name__ == "__main__":
    {"seed": seed, "export": export, "import": import_, "write": write}[sys.argv[1]](*sys.argv[2:])

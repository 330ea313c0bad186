"""Seed the database under test with participants, rounds and entries, through the app's services.

Writes a JSON file for the load scripts (common.World): each participant's handle, a signed-in
session key, a CSRF secret, the round they log into, the dates already logged and the dates
still free. Run with the environment of the server under test (DATABASE_URL, DJANGO_*).

    python scripts/reliability/seed.py OUT.json [--participants 20] [--entries 10]
"""

import argparse
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
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from journal import clock, services  # noqa: E402
from journal.services import LinkInput  # noqa: E402

PROFILES = [
    ("UTC", 0, "en", "Ada Lovelace"),
    ("Europe/Madrid", 2, "es", "Grace Hopper"),
    ("America/Los_Angeles", 0, "", "Ünïcödé Ñame 🚀"),
    ("Asia/Tokyo", 4, "en", "Margaret <Hamilton> & co"),
]
PROGRESS = [
    "Read **chapter {i}** of the book and wrote notes.",
    "Fixed a bug in `parse()`; see [the diff](https://example.com/diff/{i}).",
    "- refactored the views\n- added tests\n- deployed\n\n> quote {i}",
    "Día {i}: aprendí algo nuevo. Ça va! <script>alert({i})</script>",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--entries", type=int, default=10)
    parser.add_argument("--prefix", default="rel")
    args = parser.parse_args()
    rng = random.Random(8)
    User = get_user_model()
    out = []
    for n in range(args.participants):
        tz, rollover, lang, name = PROFILES[n % len(PROFILES)]
        with transaction.atomic():
            user = User.objects.create_user(
                email=f"{args.prefix}{n:02d}@example.com",
                password=get_random_string(20),
                handle=f"{args.prefix}{n:02d}",
                display_name=f"{name} {n}",
                time_zone=tz,
                rollover_hour=rollover,
                language=lang,
            )
        # Yesterday at the latest: the run may cross midnight in the participant's time zone.
        last = clock.today_for(user) - timedelta(days=1)
        start = last - timedelta(days=299)
        round = services.start_round(
            user, start_date=start, target=366, visibility="public", title=f"Round of {name}"
        )
        dates = [start + timedelta(days=d) for d in range(300)]
        rng.shuffle(dates)
        logged, free = dates[: args.entries], dates[args.entries :]
        for i, d in enumerate(sorted(logged)):
            services.create_entry(
                round,
                date=d,
                title=f"Day of {d:%B %d}" if i % 3 else "",
                progress=PROGRESS[i % len(PROGRESS)].format(i=i),
                thoughts="" if i % 2 else f"Thought *{i}* — ✓",
                minutes=None if i % 4 == 0 else 15 * i,
                tags=["python", "django", "día"][: 1 + i % 3],
                links=[LinkInput(url=f"https://example.com/{n}/{i}?a=1&b=2", label=f"Work {i}")]
                + ([LinkInput(url="http://example.org/plain")] if i % 3 == 0 else []),
                today=last,
            )
        # Other kinds of round for the backups: private calendar, unlisted.
        if n % 4 == 0:
            other = services.start_round(
                user,
                start_date=last - timedelta(days=20),
                rule="calendar",
                target=30,
                visibility="private",
                description="A *private* calendar round.",
            )
            for ago in (20, 15, 3):
                services.create_entry(
                    other, date=last - timedelta(days=ago), progress=f"Private {ago}.", today=last
                )
        elif n % 4 == 1:
            services.start_round(
                user, start_date=last, target=100, visibility="unlisted", description="Unlisted, empty."
            )
        client = Client()
        client.force_login(user)
        out.append(
            {
                "handle": user.handle,
                "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "csrf": get_random_string(32),
                "round": round.number,
                "logged": [d.isoformat() for d in sorted(logged)],
                "free": [d.isoformat() for d in free],
            }
        )
    document = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "participants": out,
    }
    Path(args.out).write_text(json.dumps(document), encoding="utf-8")
    print(f"    seeded {len(out)} participants, {len(out) * args.entries} entries in their public rounds")


if __name__ == "__main__":
    main()

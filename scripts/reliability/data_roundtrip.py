"""The JSON backup path and the "new writes after a restore" check, through the app's own code.

    export DIR   every participant with a round: journal.exporting.export_user, written as the
                 JSON document people download (journal.logs.write_json), DIR/<handle>.json
    import DIR   into an empty, migrated database: a fresh account per file (the handle of the
                 file's profile), then journal.importing.apply_import of the parsed document
    write        new rows after a restore: a user, a round, an entry with a tag and a link,
                 through journal.services; fails if a sequence was left behind (duplicate key)

Run with the environment of the database in question (DATABASE_URL, DJANGO_*).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hundreddays.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from journal import clock, exporting, importing, services  # noqa: E402
from journal.logs import parse_json, write_json  # noqa: E402
from journal.models import Entry, Link, Round, Tag  # noqa: E402
from journal.services import LinkInput  # noqa: E402

User = get_user_model()


def export(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    users = User.objects.filter(rounds__isnull=False).distinct().order_by("handle")
    count = 0
    for user in users:
        (folder / f"{user.handle}.json").write_text(write_json(exporting.export_user(user)), encoding="utf-8")
        count += 1
    print(f"    exported {count} participants to {folder}")


def import_(folder: Path):
    if User.objects.exists():
        sys.exit("FAIL: the JSON import must go into an empty database")
    files = sorted(folder.glob("*.json"))
    rounds = entries = 0
    for path in files:
        log = parse_json(path.read_text(encoding="utf-8"))
        handle = log.profile["handle"]
        # The email address is not in the export (it is the sign-in identity, not data).
        user = User.objects.create_user(
            email=f"{handle}@restored.example", password=get_random_string(20), handle=handle
        )
        result = importing.apply_import(user, log)
        rounds += len(result.created_rounds)
        entries += result.created
    print(f"    imported {len(files)} participants: {rounds} rounds, {entries} entries")


def write():
    def top(model):
        return model.objects.aggregate(m=Max("pk"))["m"] or 0

    before = {model.__name__: top(model) for model in (User, Round, Entry, Link, Tag)}
    user = User.objects.create_user(email=f"after-{get_random_string(6).lower()}@example.com", password=None)
    today = clock.today_for(user)
    round = services.start_round(user, start_date=today, visibility="public")
    entry = services.create_entry(
        round,
        date=today,
        progress="Written after the restore.",
        tags=[f"after-restore-{get_random_string(6).lower()}"],
        links=[LinkInput(url="https://example.com/after-restore", label="after")],
    )
    after = {model.__name__: top(model) for model in (User, Round, Entry, Link, Tag)}
    behind = [name for name in before if after[name] <= before[name]]
    if behind:
        sys.exit(f"FAIL: new ids are not above the restored ones for {behind}: {before} -> {after}")
    print(
        f"    new writes work: user {user.pk}, round {round.pk}, entry {entry.pk} (day {entry.day}), ids above {before}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["export", "import", "write"])
    parser.add_argument("folder", nargs="?")
    args = parser.parse_args()
    if args.action == "export":
        export(Path(args.folder))
    elif args.action == "import":
        import_(Path(args.folder))
    else:
        write()


if __name__ == "__main__":
    main()

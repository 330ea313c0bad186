from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from api import services

SCOPES = ("read", "write")


class Command(BaseCommand):
    help = (
        "Create a personal API token for one or more participants and print it (the only time it is "
        "shown): one line per participant, '<handle> <token>'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--handle", action="append", required=True, help="A participant's handle (repeatable)."
        )
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument("--scopes", default="read,write", help="read, write or read,write (default).")
        parser.add_argument(
            "--expires-days", type=int, default=None, help="Days until it expires (default: never)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the arguments and create nothing.")

    def handle(self, *args, handle, name, scopes, expires_days, dry_run, **options):
        wanted = {s.strip() for s in scopes.split(",") if s.strip()}
        if not wanted or wanted - set(SCOPES):
            raise CommandError("--scopes must be read, write or read,write.")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be at least 1.")
        if not name.strip():
            raise CommandError("--name must not be empty.")
        users = {u.handle: u for u in get_user_model().objects.filter(handle__in=handle, is_active=True)}
        missing = [h for h in handle if h not in users]
        if missing:
            raise CommandError(f"No active participant with the handle {missing[0]!r}.")
        if dry_run:
            self.stdout.write(f"Would create {len(handle)} token(s) named {name!r}.")
            return
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        with transaction.atomic():
            for h in handle:
                try:
                    _token, raw = services.create_token(
                        users[h],
                        name=name,
                        can_read="read" in wanted,
                        can_write="write" in wanted,
                        expires_at=expires_at,
                    )
                except services.TokenError as error:
                    raise CommandError(f"@{h}: {error.message}") from None
                self.stdout.write(f"{h} {raw}")

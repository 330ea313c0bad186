"""Wait for the database before migrating (docker/entrypoint.sh runs this first).

Lives in accounts because the project package is not an app; it touches no account data.
"""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections


def _seconds(raw):
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of seconds, not {raw!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {value}")
    return value


def _where(settings_dict):
    """Host, port and name of the database, never the password."""
    if not settings_dict.get("HOST"):
        return str(settings_dict.get("NAME"))
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"{settings_dict['HOST']}{port}/{settings_dict.get('NAME')}"


class Command(BaseCommand):
    help = "Wait until the database accepts connections; give up with an error after --timeout seconds."

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout", type=_seconds, default=60, help="Seconds to wait before giving up (default 60)."
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias (default 'default')."
        )

    def handle(self, *args, timeout, database, verbosity, **options):
        connection = connections[database]
        where = _where(connection.settings_dict)
        if verbosity:
            self.stdout.write(f"Waiting up to {timeout} s for the database at {where}…")
        db_options = connection.settings_dict["OPTIONS"]
        saved = dict(db_options)
        try:
            reason = self._wait(connection, db_options, timeout, verbosity)
        finally:
            db_options.clear()
            db_options.update(saved)
        if reason:
            raise CommandError(
                f"The database at {where} did not answer within {timeout} s ({reason}). "
                "Is it running, and is DATABASE_URL right?"
            )
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"The database at {where} is up."))

    def _wait(self, connection, db_options, timeout, verbosity):
        """None once connected, else the last error when the time is up."""
        deadline = time.monotonic() + timeout
        while True:
            if connection.vendor == "postgresql":
                # One attempt may not outlast the deadline (libpq waits at least 2 s).
                db_options["connect_timeout"] = max(2, min(10, int(deadline - time.monotonic())))
            try:
                connection.ensure_connection()
                return None
            except OperationalError as error:
                reason = (str(error).strip().splitlines() or ["no answer"])[0]
            if time.monotonic() + 1 > deadline:
                return reason
            if verbosity > 1:
                self.stdout.write(f"  not yet: {reason}")
            time.sleep(1)

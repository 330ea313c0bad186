"""Django's PostgreSQL backend with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` on, Django sends ``SELECT 1`` before the first query of every
request that reuses a connection: on a page built from one statement, that is half its
round trips to the database. A server that ends a connection (a restart, an administrator's
``pg_terminate_backend``, an idle timeout) writes its reason to the socket and closes it, so an
idle connection with something to read, before anything was asked, is a dead one: that is
what is checked instead, with a ``select`` that does not wait. The check after a request that
saw a database error, and everything else, is Django's own.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self.pool is None and not _idle_and_open(self.connection):
            self.close()
        self.health_check_done = True


def _idle_and_open(raw) -> bool:
    """Whether the idle connection ``raw`` is open and the server has sent it nothing."""
    if raw.closed:
        return False
    try:
        readable, _, _ = select.select([raw.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable

"""The database health check before each request (hundreddays.postgresql): no round trip for a
live connection, a fresh connection for one the server has ended.

What a visitor would notice if it went wrong: a 500 on the first page after the database
restarted (``make reliability`` measures that through a real restart), or a slower page.
"""

import select
import time

import psycopg2
import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the tests replace the connection
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend is PostgreSQL's"),
]


def new_request():
    """What Django does between two requests: the next query runs the health check."""
    connection.close_if_unusable_or_obsolete()
    assert connection.health_check_enabled and not connection.health_check_done


def test_the_production_settings_use_this_backend():
    assert connection.settings_dict["ENGINE"] == "hundreddays.postgresql"
    assert type(connections["default"]).__module__ == "hundreddays.postgresql.base"


def test_a_live_connection_is_kept_without_asking_the_server(monkeypatch):
    connection.ensure_connection()
    raw = connection.connection
    new_request()
    monkeypatch.setattr(connection, "is_usable", lambda: pytest.fail("SELECT 1 was sent"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)
    assert connection.connection is raw


def test_a_connection_the_server_ended_is_replaced_before_the_query():
    connection.ensure_connection()
    raw = connection.connection
    settings = connection.settings_dict
    with (
        psycopg2.connect(
            host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname="postgres"
        ) as other,
        other.cursor() as cursor,
    ):
        cursor.execute("SELECT pg_terminate_backend(%s)", [raw.get_backend_pid()])
    deadline = time.monotonic() + 5
    while not select.select([raw.fileno()], [], [], 0.05)[0] and time.monotonic() < deadline:
        pass  # until the server's goodbye has arrived
    new_request()
    with connection.cursor() as cursor:  # no error: a new connection
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)
    assert connection.connection is not raw

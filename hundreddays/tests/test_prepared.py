"""The public pages' statements, planned once per PostgreSQL connection (hundreddays.prepared).

What a visitor would notice if it went wrong: a permalink or profile that fails after the
database connection was replaced, after a rolled-back transaction, or with the feature
turned off. Each request still costs the statements its budget says.
"""

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from journal.tests.factories import log, make_round

pytestmark = [
    pytest.mark.django_db(transaction=True),  # a test closes the connection
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"),
]


@pytest.fixture(autouse=True)
def turned_on(settings):
    settings.DATABASE_PREPARED_STATEMENTS = True  # the default, whatever the environment says


def prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


@pytest.fixture
def day(user):
    round = make_round(user, days_ago=5)
    log(round, 5, 4, 3, progress="Parsed **dates** by hand.", tags="python, dates")
    return user, round, round.entries.order_by("date")[1]


def permalink(client, round, entry):
    response = client.get(f"/@{round.user.handle}/r{round.number}/{entry.date.isoformat()}/")
    assert response.status_code == 200
    assert "Parsed <strong>dates</strong> by hand." in response.content.decode()
    return response


def test_the_first_request_prepares_in_the_same_statement_and_later_ones_execute(day):
    user, round, entry = day
    connection.close()  # a new connection knows no statement yet
    with CaptureQueriesContext(connection) as first:
        permalink(Client(), round, entry)
    assert "hd_permalink" in prepared_names()
    with CaptureQueriesContext(connection) as second:
        permalink(Client(), round, entry)
    statements = [q["sql"] for q in first.captured_queries if "journal_entry" in q["sql"]]
    assert len(statements) == 1 and statements[0].startswith("PREPARE hd_permalink AS SELECT")
    assert "; EXECUTE hd_permalink('ada', 1, '" in statements[0]
    assert [q["sql"] for q in second.captured_queries if "hd_permalink" in q["sql"]] == [
        f"EXECUTE hd_permalink('ada', 1, '{entry.date.isoformat()}', NULL)"
    ]
    assert len(second.captured_queries) == len(first.captured_queries)


def test_a_new_connection_prepares_again(day):
    user, round, entry = day
    permalink(Client(), round, entry)
    connection.close()
    assert "hd_permalink" not in prepared_names()  # the new connection has none
    permalink(Client(), round, entry)
    assert "hd_permalink" in prepared_names()


def test_a_rolled_back_transaction_keeps_the_statement(day):
    user, round, entry = day
    connection.close()
    with pytest.raises(RuntimeError), transaction.atomic():
        permalink(Client(), round, entry)
        raise RuntimeError("the transaction is rolled back")
    assert "hd_permalink" in prepared_names()
    permalink(Client(), round, entry)


def test_profile_and_feed_statements_with_arrays_and_limits(day):
    user, round, entry = day
    other = make_round(user, days_ago=40)
    log(other, 40, progress="An older round.")
    other.visibility = "public"
    other.save()
    for _ in range(2):  # prepared, then executed
        profile = Client().get("/@ada/")
        assert profile.status_code == 200
        assert "Parsed <strong>dates</strong> by hand." in profile.content.decode()
        assert "An older round." in profile.content.decode()
        feed = Client().get(f"/@ada/r{round.number}/feed/")
        assert feed.status_code == 200 and feed.content.decode().count("<entry>") == 3
    assert {"hd_profile_rounds_1", "hd_latest_entry_rows", "hd_shared_round", "hd_latest_entries"} <= (
        prepared_names()
    )


@override_settings(DATABASE_PREPARED_STATEMENTS=False)
def test_turned_off_the_statements_go_as_they_are(day):
    user, round, entry = day
    connection.close()
    with CaptureQueriesContext(connection) as queries:
        permalink(Client(), round, entry)
    assert not any(q["sql"].startswith(("PREPARE", "EXECUTE")) for q in queries.captured_queries)
    assert prepared_names() == set()


@pytest.mark.parametrize("number", [32768, 65536, 99999999999999999999])
def test_a_round_number_no_round_can_have_is_a_404_not_an_error(day, number):
    user, round, entry = day
    client = Client(raise_request_exception=False)
    for path in (
        f"/@ada/r{number}/{entry.date.isoformat()}/",
        f"/@ada/r{number}/badge.svg",
        f"/@ada/r{number}/feed/",
    ):
        assert client.get(path).status_code == 404, path
        assert client.get(path).status_code == 404, path  # and once the statement is prepared

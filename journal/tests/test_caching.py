import re
import time

import pytest
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.utils import translation

from hundreddays.cache import tokens
from journal import pagecache, services
from journal.models import Round
from journal.tests import budget
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _redis(redis_cache):
    """Pages are kept in memory caches only: Redis, as with REDIS_URL set (conftest.py)."""


def _round(user):
    return Round.objects.select_related("user").get(user=user)


def test_an_edited_entry_shows_on_the_dashboard_at_once(auth_client, user):
    round = make_round(user, days_ago=3)
    entry = log(round, 1, progress="First **draft**")
    assert "First <strong>draft</strong>" in auth_client.get("/").content.decode()  # cached now

    services.update_entry(entry, progress="Second *version*")

    body = auth_client.get("/").content.decode()
    assert "Second <em>version</em>" in body
    assert "First" not in body


def test_logging_today_hides_the_form_at_once(auth_client, user):
    round = make_round(user, days_ago=2)
    log(round, 2, 1)
    assert 'name="progress"' in auth_client.get("/").content.decode()

    log(round, 0)

    body = auth_client.get("/").content.decode()
    assert 'name="progress"' not in body
    assert "Today is logged" in body


def test_a_deleted_entry_leaves_the_dashboard_at_once(auth_client, user):
    round = make_round(user, days_ago=2)
    entry = log(round, 1, progress="Soon gone")
    assert "Soon gone" in auth_client.get("/").content.decode()

    services.delete_entry(entry)

    assert "Soon gone" not in auth_client.get("/").content.decode()


def test_a_new_handle_changes_the_links_at_once(auth_client, user):
    round = make_round(user, days_ago=2)
    log(round, 1)
    assert "/@ada/r1/" in auth_client.get("/").content.decode()

    user.handle = "lovelace"
    user.save()

    body = auth_client.get("/").content.decode()
    assert "/@lovelace/r1/" in body
    assert "/@ada/" not in body


def test_the_kept_page_holds_no_csrf_token_and_each_response_gets_one(auth_client, user):
    round = make_round(user, days_ago=2)
    log(round, 1)
    body = auth_client.get("/").content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert len(tokens) >= 3  # the log-today form, sign out, language
    (kept,) = pagecache.LOCAL.pages.values()
    assert len(kept.parts) == len(tokens) + 1  # cut at each token field when built
    assert not any(token.encode() in part for part in kept.parts for token in tokens)
    # Another browser of the same participant gets the same page with its own token.
    other = type(auth_client)()
    other.force_login(user)
    again = other.get("/").content.decode()
    assert re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', again)[0] not in tokens


def test_a_waiting_message_is_shown_on_a_cached_page(auth_client, user, rf):
    round = make_round(user, days_ago=2)
    log(round, 1)
    auth_client.get("/")  # cached
    auth_client.cookies["messages"] = CookieStorage(rf.get("/"))._encode(
        [Message(20, "Hello from the server")]
    )
    assert "Hello from the server" in auth_client.get("/").content.decode()


def test_a_kept_dashboard_costs_no_statement_whatever_the_entries(auth_client, user):
    round = make_round(user, days_ago=70)
    log(round, *range(70, 0, -1), tags="python", links=[{"url": "https://example.com"}])
    auth_client.get("/")  # fills the cache
    response, ctx = budget.request(auth_client, "/")  # asserts a 200
    assert b"Day 71 of 100" in response.content
    # session, user, tokens from Redis; the page itself from this process's memory.
    assert budget.statements(ctx) == []


def test_a_page_kept_by_another_process_is_read_from_the_shared_cache(client, user):
    round = make_round(user, days_ago=3, visibility="public")
    log(round, 1, progress="Shared *page*")
    first = client.get("/@ada/r1/")
    pagecache.LOCAL.clear()  # as if the next request went to another worker
    second, ctx = budget.request(client, "/@ada/r1/")

    def without_csrf(response):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert "Shared <em>page</em>" in without_csrf(second)
    assert without_csrf(second) == without_csrf(first)
    assert budget.statements(ctx) == []  # tokens and page from Redis


def test_a_write_drops_the_token_of_its_owner_and_of_public_pages_only(user, other_user):
    round = make_round(user, days_ago=2, visibility="public")
    scopes = [pagecache.ALL, pagecache.PUBLIC, pagecache.user_scope("ada"), pagecache.user_scope("grace")]
    before = tokens(scopes)
    assert tokens(scopes) == before  # stable while nothing is written
    log(round, 1)
    after = tokens(scopes)
    assert after[0] == before[0]  # all
    assert after[1] != before[1]  # public: explore and the home list this round
    assert after[2] != before[2]  # ada
    assert after[3] == before[3]  # grace's pages are untouched

    private = make_round(other_user, days_ago=2, visibility="private")
    before = tokens(scopes)
    services.update_entry(log(private, 1), progress="Private")
    after = tokens(scopes)
    assert after[1] == before[1]  # a private round's entry never shows on public lists
    assert after[3] != before[3]


def test_the_key_changes_with_kind_language_parts_and_tokens():
    key = pagecache.page_key("journal", ("/@ada/r1/", 0), ["t1"])
    assert key == pagecache.page_key("journal", ("/@ada/r1/", 0), ["t1"])
    assert key != pagecache.page_key("entry", ("/@ada/r1/", 0), ["t1"])
    assert key != pagecache.page_key("journal", ("/@ada/r2/", 0), ["t1"])
    assert key != pagecache.page_key("journal", ("/@ada/r1/", 7), ["t1"])
    assert key != pagecache.page_key("journal", ("/@ada/r1/", 0), ["t2"])
    with translation.override("es"):
        assert key != pagecache.page_key("journal", ("/@ada/r1/", 0), ["t1"])


def test_a_kept_page_is_rebuilt_at_the_owners_midnight(client, user, monkeypatch):
    round = make_round(user, days_ago=3, visibility="public")
    log(round, 1)
    assert client.get("/@ada/r1/").status_code == 200
    (page,) = pagecache.LOCAL.pages.values()
    assert page.expires_at > time.time()
    page.expires_at = time.time() - 1  # the owner's day is over
    _response, ctx = budget.request(client, "/@ada/r1/")  # asserts a 200
    # Built again: the entries read (on PostgreSQL as the prepared statement hd_journal_entries).
    assert any(
        ("journal_entry" in q["sql"] or "hd_journal_entries" in q["sql"]) for q in ctx.captured_queries
    )


def test_the_local_memory_is_bounded():
    def page(size):
        return pagecache.Page(parts=(b"x" * size,), content_type="text/html", expires_at=0)

    local = pagecache.LocalPages(limit=10_000)
    for i in range(50):
        local.put(str(i), page(1000))
    assert local.size <= 10_000
    assert "49" in local.pages and "0" not in local.pages
    local.put("big", page(5000))  # over a quarter of the limit: not kept
    assert "big" not in local.pages


def test_the_visitor_home_shows_an_edit_a_new_name_and_a_hidden_round_at_once(client, user):
    round = make_round(user, days_ago=3, visibility="public")
    entry = log(round, 1, progress="Public *draft*")
    assert "Public <em>draft</em>" in client.get("/").content.decode()  # cached now

    services.update_entry(entry, progress="Public **final**")
    assert "Public <strong>final</strong>" in client.get("/").content.decode()

    user.display_name = "Ada Lovelace"
    user.save()
    assert "Ada Lovelace" in client.get("/").content.decode()

    services.update_round(_round(user), visibility="private")
    assert "Public <strong>final</strong>" not in client.get("/").content.decode()


def test_a_kept_visitor_home_costs_no_statement(client, user):
    round = make_round(user, days_ago=8, visibility="public")
    log(round, *range(8, 0, -1), tags="python", links=[{"url": "https://example.com"}])
    client.get("/")  # fills the cache
    response, ctx = budget.request(client, "/")  # asserts a 200
    assert b"Latest public entries" in response.content
    assert budget.statements(ctx) == []


def test_made_up_query_strings_are_answered_but_not_kept(client, user):
    round = make_round(user, days_ago=3, visibility="public")
    log(round, 1)
    assert client.get("/@ada/r1/").status_code == 200
    assert client.get("/explore/?page=1").status_code == 200
    kept = len(pagecache.LOCAL.pages)
    for i in range(5):
        response = client.get(f"/@ada/r1/?utm_source={i}")
        assert response.status_code == 200 and b"Worked on it." in response.content
        assert client.get(f"/explore/?page=1&x={i}").status_code == 200
    assert len(pagecache.LOCAL.pages) == kept

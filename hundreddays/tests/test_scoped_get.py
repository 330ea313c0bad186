"""``scoped_get``: a scope's token and the value kept under it, in one round trip with Redis."""

import pytest
from django.core.cache import cache
from django.test import Client
from redis import Redis

from hundreddays.cache import SAME, drop_tokens, scoped_get, scoped_key, tokens
from journal import pagecache
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

NAMESPACE = "hd:test:"


@pytest.fixture
def commands(redis_cache, monkeypatch):
    """The Redis commands this process sends (each one a round trip)."""
    sent = []
    real = Redis.execute_command

    def counting(self, *args, **options):
        sent.append(args[0])
        return real(self, *args, **options)

    monkeypatch.setattr(Redis, "execute_command", counting)
    return sent


def test_a_first_read_makes_the_tokens_and_finds_nothing_in_one_round_trip(commands):
    key, value = scoped_get(["u:ada", "public"], "journal:/@ada/r1/", NAMESPACE)
    assert value is None
    assert commands == ["EVALSHA"]
    # The tokens it made are the ones everybody else reads, and they give the same key.
    assert key == scoped_key(NAMESPACE, "journal:/@ada/r1/", tokens(["u:ada", "public"]))


def test_a_value_kept_under_the_key_is_read_with_the_tokens(commands):
    key, _ = scoped_get(["u:ada"], "badge", NAMESPACE)
    cache.set(key, {"svg": "<svg/>"})
    commands.clear()
    assert scoped_get(["u:ada"], "badge", NAMESPACE) == (key, {"svg": "<svg/>"})
    assert commands == ["EVALSHA"]


def test_a_value_the_caller_holds_is_not_sent_again(redis_cache):
    key, _ = scoped_get(["u:ada"], "badge", NAMESPACE)
    cache.set(key, "kept")
    assert scoped_get(["u:ada"], "badge", NAMESPACE, known=key) == (key, SAME)
    # Held under an older key: the current value is sent.
    assert scoped_get(["u:ada"], "badge", NAMESPACE, known=NAMESPACE + "0" * 40) == (key, "kept")


def test_a_dropped_token_gives_a_new_key_and_leaves_other_scopes_alone(redis_cache):
    ada, _ = scoped_get(["all", "u:ada"], "profile", NAMESPACE)
    grace, _ = scoped_get(["all", "u:grace"], "profile", NAMESPACE)
    cache.set(ada, "old profile")
    drop_tokens(["u:ada"])
    new, value = scoped_get(["all", "u:ada"], "profile", NAMESPACE, known=ada)
    assert new != ada and value is None
    assert scoped_get(["all", "u:grace"], "profile", NAMESPACE, known=grace) == (grace, SAME)


def test_the_script_is_loaded_again_after_redis_forgot_it(redis_cache):
    first, _ = scoped_get(["u:ada"], "badge", NAMESPACE)
    cache._cache.get_client(write=True).script_flush()  # a restarted Redis knows no script
    assert scoped_get(["u:ada"], "badge", NAMESPACE) == (first, None)


def test_without_redis_every_read_is_a_miss_under_a_key_nothing_is_kept_under(settings):
    settings.CACHES = {
        "default": {"BACKEND": "hundreddays.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    first = scoped_get(["u:ada"], "badge", NAMESPACE)
    second = scoped_get(["u:ada"], "badge", NAMESPACE)
    assert first[1] is None and second[1] is None
    assert first[0] != second[0]


def test_a_kept_dashboard_costs_three_round_trips_session_user_and_page(commands, user):
    log(make_round(user, days_ago=5), *range(5, 0, -1))
    client = Client()
    client.force_login(user)
    client.get("/")  # builds and keeps the page
    commands.clear()
    response = client.get("/")
    assert response.status_code == 200 and b"Day 6 of 100" in response.content
    # The session, the signed-in user (its token and the user), the page's tokens: the page
    # itself is in this process's memory.
    assert commands == ["GET", "EVALSHA", "EVALSHA"]


def test_a_page_first_asked_of_this_process_costs_one_round_trip(commands, client, user):
    round = make_round(user, days_ago=3, visibility="public")
    log(round, 1)
    assert client.get("/@ada/r1/badge.svg").status_code == 200
    pagecache.LOCAL.clear()  # another worker
    commands.clear()
    response = client.get("/@ada/r1/badge.svg")
    assert response.status_code == 200 and response.content.startswith(b"<svg")
    assert commands == ["EVALSHA"]


def test_a_forked_worker_never_uses_its_parents_connection(redis_cache):
    import os

    cache.set("fork-probe", "parent")
    parent_client = cache._cache.get_client(write=True)
    pid = os.fork()
    if pid == 0:  # the child: its own client and connection, the parent's left alone
        ok = cache._cache.get_client(write=True) is not parent_client and cache.get("fork-probe") == "parent"
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert cache.get("fork-probe") == "parent"  # the parent's connection still works

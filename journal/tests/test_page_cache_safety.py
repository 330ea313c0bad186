"""The page cache is never a failure point, never carries one visitor's data to another,
and a miss costs no more than having no cache."""

import re
import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client

from hundreddays.cache import NoSharedCopyWithCookies
from journal import clock, pagecache, services
from journal.tests import budget
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

# The field as {% csrf_token %} renders it (author text cannot make an <input>: it is sanitized).
TOKEN_FIELD = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]*)">')

# Strings a page cache might once have searched for or substituted, and a few look-alikes.
PLACEHOLDERS = [
    "hd-csrf-placeholder-5f0c1e9a7b",
    "{% csrf_token %}",
    "{{ csrf_token }}",
    "NOTPROVIDED",
    'name="csrfmiddlewaretoken" value="x"',
    "csrfmiddlewaretoken",
    "CSRF_PLACEHOLDER",
]
LOADED = " ".join(PLACEHOLDERS)


def _csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def _without_token_fields(body: str) -> str:
    return TOKEN_FIELD.sub("<input-token>", body)


@pytest.fixture
def loaded_round(user):
    """A public round whose every text field holds every placeholder-like string."""
    user.display_name = "Ada hd-csrf-placeholder-5f0c1e9a7b {{ csrf_token }}"
    user.save()
    round = make_round(user, days_ago=5, title=f"Round {PLACEHOLDERS[0]} {{% csrf_token %}}")
    services.update_round(round, description=LOADED)
    log(
        round,
        3,
        2,
        1,
        title=f"{PLACEHOLDERS[0]} NOTPROVIDED",
        progress=f"Progress {LOADED}",
        thoughts=f"Thoughts {LOADED}",
        tags="hd-csrf-placeholder-5f0c1e9a7b notprovided",
        links=[
            {
                "url": f"https://example.com/{PLACEHOLDERS[0]}",
                "label": f"{PLACEHOLDERS[0]} {{{{ csrf_token }}}}",
            }
        ],
    )
    return round


@pytest.mark.parametrize("keeping", ["redis", "database"])
def test_placeholder_strings_in_every_field_never_carry_a_visitors_token(request, loaded_round, keeping):
    if keeping == "redis":
        request.getfixturevalue("redis_cache")
    day = (clock.today_for(loaded_round.user) - timedelta(days=2)).isoformat()
    paths = ["/", "/explore/", "/@ada/", "/@ada/r1/", f"/@ada/r1/{day}/", "/@ada/r1/stats/", "/@ada/r1/feed/"]
    first, second = _csrf_client(), _csrf_client()
    for path in paths:
        copies = []
        for visitor in (first, second, first):
            response = visitor.get(path)
            assert response.status_code == 200, path
            body = response.content.decode()
            token = visitor.cookies["csrftoken"].value if "csrftoken" in visitor.cookies else None
            for found in TOKEN_FIELD.findall(body):
                assert found not in PLACEHOLDERS
            # The visitor's secret and masked tokens appear in token fields only.
            stripped = _without_token_fields(body)
            if token:
                assert token not in stripped, path
            for found in TOKEN_FIELD.findall(body):
                assert found not in stripped, path
            copies.append(stripped)
        assert copies[0] == copies[1] == copies[2], path
        # The author's text is shown as written (escaped), never replaced.
        assert "hd-csrf-placeholder-5f0c1e9a7b" in copies[0], path


def test_the_language_form_of_a_kept_page_posts_with_each_visitors_own_token(
    loaded_round, redis_cache, make_user
):
    """Signed in, each visitor's copy of a kept page carries their own token, and their switch
    needs it; a visitor who is not signed in gets the page with none, and the switch works."""
    tokens = []
    for n in range(2):
        visitor = _csrf_client()
        visitor.force_login(make_user(f"reader{n}@example.com", handle=f"reader{n}"))
        body = visitor.get("/@ada/r1/").content.decode()
        (token,) = set(TOKEN_FIELD.findall(body))
        assert visitor.post("/account/language/", {"language": "es"}).status_code == 403
        response = visitor.post("/account/language/", {"language": "es", "csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert 'lang="es"' in visitor.get("/@ada/r1/").content.decode()
        tokens.append(token)
    assert tokens[0] != tokens[1]
    anonymous = _csrf_client()
    body = anonymous.get("/@ada/r1/").content.decode()
    assert TOKEN_FIELD.findall(body) == [] and "csrftoken" not in anonymous.cookies
    assert anonymous.post("/account/language/", {"language": "es"}).status_code == 302
    assert 'lang="es"' in anonymous.get("/@ada/r1/").content.decode()


def test_a_response_that_sets_a_cookie_is_never_public(rf):
    def view(request):
        response = HttpResponse("feed", content_type="application/atom+xml")
        response["Cache-Control"] = "public, max-age=300"
        response.set_cookie("sessionid", "x")
        return response

    response = NoSharedCopyWithCookies(view)(rf.get("/@ada/r1/feed/"))
    assert "public" not in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


# --- Statements: a miss costs no more than having no cache ---


def test_the_dashboard_right_after_logging_today_runs_at_most_8_statements(auth_client, user):
    round = make_round(user, days_ago=40)
    log(round, *range(40, 0, -1), tags="python", links=[{"url": "https://example.com"}])
    assert auth_client.get("/").status_code == 200
    today = clock.today_for(user).isoformat()
    response = auth_client.post(
        "/log/", {"round": round.number, "date": today, "progress": "Read the *cache* docs.", "minutes": 30}
    )
    assert response.status_code == 302
    response, ctx = budget.request(auth_client, "/")
    assert b"Today is logged" in response.content
    # session, user, the current round, its dates, latest 5 entries, their tags, their links:
    # the database cache keeps no page, so no cache statement at all.
    assert len(ctx.captured_queries) <= 8, budget.statements(ctx)
    assert not any("hundreddays_cache" in sql for sql in budget.statements(ctx))


def test_with_the_database_cache_a_get_never_touches_the_cache_table(client, loaded_round):
    for path in ("/", "/explore/", "/@ada/", "/@ada/r1/", "/@ada/r1/feed/", "/@ada/r1/badge.svg"):
        for _ in range(2):
            _response, ctx = budget.request(client, path)
            assert not any("hundreddays_cache" in sql for sql in budget.statements(ctx)), path


# --- Redis stopped mid-run ---


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone, on a free port (never the shared one on 6379)."""

    def __init__(self):
        self.port = _free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port)]
            + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None and not __import__("os").path.exists("/usr/bin/redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    try:
        with budget.kept_pages(server.url):
            yield server
    finally:
        server.stop()


def test_with_redis_stopped_mid_run_every_page_and_write_still_answers(private_redis, user, caplog):
    round = make_round(user, days_ago=30)
    log(round, *range(30, 1, -1), tags="python")
    day = (clock.today_for(user) - timedelta(days=5)).isoformat()
    reader, participant = Client(), Client()
    participant.force_login(user)
    pages = [
        "/",
        "/explore/",
        "/@ada/",
        "/@ada/r1/",
        f"/@ada/r1/{day}/",
        "/@ada/r1/feed/",
        "/@ada/r1/badge.svg",
    ]
    statuses = []

    def visit(when):
        for path in pages:
            statuses.append((when, path, reader.get(path).status_code))
        statuses.append((when, "dashboard", participant.get("/").status_code))
        statuses.append((when, "login page", Client().get("/accounts/login/").status_code))
        statuses.append(
            (
                when,
                "failed sign-in",
                Client()
                .post("/accounts/login/", {"login": "ada@example.com", "password": "wrong"})
                .status_code,
            )
        )

    visit("up")
    assert len(pagecache.LOCAL.pages) > 0
    private_redis.stop()
    pagecache.LOCAL.clear()  # as if another worker answered
    for _ in range(3):
        visit("down")
    # A write while Redis is down, then the participant sees it.
    today = clock.today_for(user).isoformat()
    response = participant.post(
        "/log/", {"round": round.number, "date": today, "progress": "Logged while down"}
    )
    statuses.append(("down", "log today", response.status_code))
    statuses.append(("down", "dashboard", participant.get("/").status_code))
    assert "Logged while down" in participant.get("/@ada/r1/").content.decode()
    ready = Client().get("/readyz")
    assert ready.status_code == 200 and ready.json()["cache"] == "degraded"
    assert Client().get("/healthz").status_code == 200
    assert any("served as a miss" in r.getMessage() for r in caplog.records)
    warnings = [r for r in caplog.records if "served as a miss" in r.getMessage()]
    assert len(warnings) < 20  # rate limited: not one a call

    private_redis.start()
    cache.health.paused_until = 0.0  # instead of waiting out the pause (hundreddays.cache.PAUSE)
    visit("up again")
    assert Client().get("/readyz").json()["cache"] == "ok"
    failures = [s for s in statuses if s[2] >= 500]
    assert failures == [], failures
    # Kept again once Redis answers: a second read costs no statement.
    reader.get("/@ada/r1/")
    _response, ctx = budget.request(reader, "/@ada/r1/")
    assert budget.statements(ctx) == []
    assert cache.get("hd:probe:none") is None


def test_a_redis_restart_between_requests_costs_no_miss(private_redis, client, user, caplog):
    round = make_round(user, days_ago=3, visibility="public")
    log(round, 1, 2)
    assert client.get("/@ada/r1/badge.svg").status_code == 200  # the worker's connection is open
    private_redis.stop()
    private_redis.start()  # an empty Redis on the same port: the old connection is closed
    pagecache.LOCAL.clear()
    assert client.get("/@ada/r1/badge.svg").status_code == 200  # built again, and kept
    assert not cache.health.paused()
    assert not [r for r in caplog.records if "served as a miss" in r.getMessage()]
    pagecache.LOCAL.clear()
    _response, ctx = budget.request(client, "/@ada/r1/badge.svg")
    assert budget.statements(ctx) == []  # read from the new Redis


def test_what_was_written_while_the_cache_was_away_never_comes_back_stale(redis_cache, monkeypatch):
    from django.core.cache.backends import redis as django_redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    cache.set("session-of-ada", "signed in")
    real_delete_many = django_redis.RedisCache.delete_many

    def unreachable(self, *args, **kwargs):
        raise RedisConnectionError("unreachable")

    monkeypatch.setattr(django_redis.RedisCache, "delete_many", unreachable)
    monkeypatch.setattr(django_redis.RedisCache, "delete", unreachable)
    cache.delete("session-of-ada")  # sign out while Redis is unreachable: nothing raised
    monkeypatch.setattr(django_redis.RedisCache, "delete_many", real_delete_many)
    cache.health.paused_until = 0.0  # the network is back
    assert cache.get("session-of-ada") is None  # deleted before anything else is read
    assert not cache.health.lost

"""What a page costs in SQL: every statement of a request, cache statements included.

``build_cost``: a request that builds its page. With the database cache (the test
settings, and any deploy without REDIS_URL) nothing is kept, so that is what every request
costs there, session and user included. ``hit_cost``: a request answered from a kept page,
measured with Redis as production runs it (``kept_pages``).
"""

import contextlib
import os

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from journal import pagecache

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def redis_caches(location=REDIS) -> dict:
    return {
        "default": {
            "BACKEND": "hundreddays.cache.RedisCache",
            "LOCATION": location,
            # Runs in parallel share the server: each one its own keys, cleared by prefix.
            "KEY_PREFIX": f"test-{os.getpid()}",
        }
    }


def clear_kept():
    """Forget every kept page and token of this run (never FLUSHDB: other runs share Redis)."""
    pagecache.LOCAL.clear()
    backend = cache._cache if hasattr(cache, "_cache") else None
    if backend is None:
        cache.clear()
        return
    with contextlib.suppress(Exception):
        client = backend.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)


@contextlib.contextmanager
def kept_pages(location=REDIS):
    """Redis as the cache (and the session cache) for the block, as with REDIS_URL set."""
    with override_settings(
        CACHES=redis_caches(location), SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        try:
            cache.get("ping")
            cache._cache.get_client().ping()
        except Exception as error:  # noqa: BLE001 - any connection error
            if os.environ.get("CI"):
                raise
            pytest.skip(f"Redis is not reachable at {location}: {error}")
        clear_kept()
        try:
            yield
        finally:
            clear_kept()


def request(client, path, status=200, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **extra)
    assert response.status_code == status, (path, response.status_code)
    return response, ctx


def statements(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries]


def build_cost(client, path, status=200, **extra) -> int:
    """Every statement of a request that finds no kept page (it builds one)."""
    clear_kept()
    _response, ctx = request(client, path, status, **extra)
    return len(ctx.captured_queries)


def hit_cost(client, path, status=200, **extra) -> int:
    """Every statement of a request answered from a kept page (Redis), after one that built it."""
    with kept_pages():
        request(client, path, status, **extra)
        _response, ctx = request(client, path, status, **extra)
    return len(ctx.captured_queries)

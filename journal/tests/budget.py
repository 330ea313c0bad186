"""What a page costs in SQL: the data it reads when built, and a request served from the page cache.

The database cache (the default ``CACHES``) is SQL too; its queries are counted apart,
so a budget says what the page reads, whatever the cache backend.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journal import pagecache

CACHE_TABLE = settings.CACHES["default"].get("LOCATION", "")
_SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def data_queries(ctx) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if CACHE_TABLE not in q["sql"] and not q["sql"].startswith(_SAVEPOINTS)
    ]


def request(client, path, status=200, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **extra)
    assert response.status_code == status, (path, response.status_code)
    return response, ctx


def build_cost(client, path, status=200, **extra) -> int:
    """Data queries of a request that finds no kept page (it builds one)."""
    cache.clear()
    pagecache.LOCAL.clear()
    _response, ctx = request(client, path, status, **extra)
    return len(data_queries(ctx))


def hit_cost(client, path, status=200, **extra) -> int:
    """Every query (cache included) of a request answered from a kept page, after one that built it."""
    request(client, path, status, **extra)
    _response, ctx = request(client, path, status, **extra)
    return len(ctx.captured_queries)

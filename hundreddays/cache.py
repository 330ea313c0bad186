"""The shared cache, never a failure point, and the scope tokens kept in it.

Both backends (Redis with ``REDIS_URL``, the database table otherwise) answer a cache
error as a miss: a read returns its default, a write does nothing, and a warning is
logged at most once a minute per operation. After an error the cache is left alone for
``PAUSE`` seconds (no connection attempt per call while Redis is down), then tried
again. So Redis stopping costs the site its speed, never its pages: sessions are read
from the database (``cached_db``), allauth's and the write rate limits fail open (a
counter that cannot be read or written counts nothing), and pages are built every time.
A write that fails (a session saved, a token dropped, a signed-in user changed) leaves an
old value in a cache that was only unreachable: each such key is deleted first thing when
the cache answers again, so nothing out of date comes back. ``status()`` says whether the
cache answers (``/readyz``).

Redis: Django builds a new ``redis.Redis`` for every cache call; with redis-py 6 that
costs about 0.15 ms of CPU, more than the GET itself on loopback. Here each pool has
one client, on a connection of its own (``RedisCacheClient``). Keys are not checked for
memcached's limits either (Redis has none).

Scope tokens (``tokens``, ``drop_tokens``, ``scoped_get``) live here, not in an app,
because both ``accounts`` (the signed-in user kept in Redis) and ``journal`` (its kept
pages) key what they keep by them, and ``accounts`` never imports ``journal``.
``scoped_get`` reads the tokens and the value kept under them in one round trip with
Redis (a Lua script), where reading the tokens, then the value, took two or three: a
round trip costs a worker about 0.1 ms of CPU, as much as serving a kept page.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import time
import weakref
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends import db as django_db
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, default_key_func
from django.db import DatabaseError, router, transaction
from django.utils.cache import patch_cache_control
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger("hundreddays.cache")

# After an error, calls skip the cache for this long (seconds).
PAUSE = 1.0
WARN_EVERY = 60.0
ERRORS = (RedisError, DatabaseError, OSError)
TOKEN_TIMEOUT = 7 * 24 * 3600
# At most this many keys remembered for deletion when the cache comes back (then the oldest win).
LOST_KEYS = 10_000


class _Health:
    """The pause and last error of one cache backend, and the rate limit of its warnings."""

    def __init__(self):
        self.lock = threading.Lock()
        self.paused_until = 0.0
        self.last_error = ""
        self.last_error_at = 0.0
        self.warned_at: dict[str, float] = {}
        self.suppressed: dict[str, int] = {}
        # Keys whose write failed: their old values must not come back when the cache does.
        self.lost: dict[tuple, None] = {}

    def failed(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.paused_until = now + PAUSE
            self.last_error = f"{type(error).__name__}: {error}"
            self.last_error_at = time.time()
            if now - self.warned_at.get(operation, -WARN_EVERY) < WARN_EVERY:
                self.suppressed[operation] = self.suppressed.get(operation, 0) + 1
                return
            self.warned_at[operation] = now
            suppressed = self.suppressed.pop(operation, 0)
        logger.warning(
            "cache %s failed, served as a miss: %s (%d more since the last warning)",
            operation,
            self.last_error,
            suppressed,
        )

    def paused(self) -> bool:
        return time.monotonic() < self.paused_until


class _NeverFails:
    """Every cache error becomes a miss (reads) or a no-op (writes); see the module docstring.

    Put before a Django backend class: ``super()`` is the backend. Each backend object has
    its own pause (Django makes one per thread and per settings), so a test that points a
    cache at nothing never pauses another.
    """

    @property
    def health(self) -> _Health:
        health = self.__dict__.get("_health")
        if health is None:
            health = self.__dict__["_health"] = _Health()
        return health

    def _try(self, operation, default, method, *args, writes=()):
        health = self.health
        if health.paused():
            self._lose(health, writes)
            return default
        try:
            if health.lost:
                self._forget_lost(health)
            return self._guarded(method, *args)
        except ERRORS as error:
            health.failed(operation, error)
            self._lose(health, writes)
            return default

    @staticmethod
    def _lose(health, writes):
        # A session saved or a token dropped while the cache was away: the value the cache
        # still holds is out of date, so it is deleted first thing when the cache answers.
        for key, version in writes:
            if len(health.lost) < LOST_KEYS:
                health.lost[(key, version)] = None

    def _forget_lost(self, health):
        lost, health.lost = list(health.lost), {}
        by_version: dict = {}
        for key, version in lost:
            by_version.setdefault(version, []).append(key)
        try:
            for version, keys in by_version.items():
                self._guarded(super().delete_many, keys, version)
        except ERRORS:
            health.lost.update(dict.fromkeys(lost))
            raise

    def _guarded(self, method, *args):
        return method(*args)

    def get(self, key, default=None, version=None):
        return self._try("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._try("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._try("has_key", False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("set", None, super().set, key, value, timeout, version, writes=[(key, version)])

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("add", False, super().add, key, value, timeout, version, writes=[(key, version)])

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        writes = [(key, version) for key in data]
        return self._try("set_many", [], super().set_many, data, timeout, version, writes=writes)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._try("delete", False, super().delete, key, version, writes=[(key, version)])

    def delete_many(self, keys, version=None):
        keys = list(keys)
        writes = [(key, version) for key in keys]
        return self._try("delete_many", None, super().delete_many, keys, version, writes=writes)

    def incr(self, key, delta=1, version=None):
        # A missing key still raises ValueError (callers rely on it); an unreachable cache
        # counts nothing, so a rate limit fails open.
        return self._try("incr", delta, super().incr, key, delta, version, writes=[(key, version)])

    def clear(self):
        return self._try("clear", None, super().clear)


class RedisCacheClient(django_redis.RedisCacheClient):
    """One ``redis.Redis`` per pool, each on one connection of its own.

    A command through the pool checks its connection out first: a ``getpid`` to see a fork,
    a non-blocking ``recv`` between two ``ioctl`` to see unread data, five system calls
    around the two the command needs. A client's own connection skips them; redis-py
    serializes its threads on it with a lock. After a fork the child makes its own
    (``_forget_clients``). Should Redis restart, a command that finds the old connection
    closed connects again and is sent once more (a refused connection fails at once; a
    timeout is not retried, so a hung Redis still costs a worker one ``socket_timeout``).
    """

    _all = weakref.WeakSet()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._all.add(self)

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool, single_connection_client=True)
            client.connection.retry = Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))
            self._clients[id(pool)] = client
        return client


def _forget_clients():
    # In a forked child: the parent's connections are not ours (redis-py closes a
    # connection only in the process that opened it).
    for backend in list(RedisCacheClient._all):
        backend._clients = {}


os.register_at_fork(after_in_child=_forget_clients)


# A stopped Redis refuses at once; a hung one must not hold a worker longer than this.
REDIS_DEFAULT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}


class RedisCache(_NeverFails, django_redis.RedisCache):
    """Redis, one client per pool, short socket timeouts, every error a miss."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**REDIS_DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key):
        """Any string is a valid Redis key: no memcached warnings to look for."""

    def scoped_get(self, scopes, material, namespace, known):
        """The module's ``scoped_get`` in one script; None when Redis does not answer."""
        return self._try("scoped_get", None, self._scoped_get, scopes, material, namespace, known)

    def _scoped_get(self, scopes, material, namespace, known):
        keys = [self.make_key(_token_key(scope)) for scope in scopes]
        known_digest = known[len(namespace) :] if known.startswith(namespace) else ""
        args = [
            *(_new_token() for _ in keys),
            TOKEN_TIMEOUT,
            material,
            self.make_key(namespace),
            known_digest,
        ]
        reply = _script(keys=keys, args=args, client=self._cache.get_client(write=True))
        key = namespace + reply[0].decode()
        if len(reply) == 1:
            return key, SAME
        return key, None if reply[1] is None else self._cache._serializer.loads(reply[1])


class DatabaseCache(_NeverFails, django_db.DatabaseCache):
    """The database table, every error a miss; inside a transaction an error rolls back
    only its own savepoint, never the writer's transaction."""

    def _guarded(self, method, *args):
        db = router.db_for_write(self.cache_model_class)
        if transaction.get_connection(db).in_atomic_block:
            with transaction.atomic(using=db):
                return method(*args)
        return method(*args)


def status() -> dict:
    """Whether the cache answers now (one write and one read of a probe key), for /readyz."""
    probe = f"hd:probe:{secrets.token_hex(4)}"
    health = getattr(cache, "health", None)  # None: a backend without the safe wrapper
    try:
        if health is not None:
            health.paused_until = 0.0  # ask the cache itself, not the pause
        cache.set(probe, "1", 5)
        ok = cache.get(probe) == "1"
        cache.delete(probe)
    except ERRORS as error:  # a backend without the safe wrapper
        return {"cache": "degraded", "error": f"{type(error).__name__}: {error}"}
    if ok:
        return {"cache": "ok"}
    last = health.last_error if health is not None else ""
    return {"cache": "degraded", "error": last or "the cache did not keep a value"}


# --- Scope tokens -----------------------------------------------------------------------


def keeps_pages() -> bool:
    """Whether the cache is memory (Redis, or locmem in a test), worth keeping pages and users in.

    With the database cache a kept page would cost as many statements as building it
    (a read, then COUNT, SELECT, INSERT in a transaction to keep it), so nothing is kept.
    """
    return not settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")


def _token_key(scope: str) -> str:
    return f"hd:tok:{scope}"


def _new_token() -> int:
    # An int: Django's Redis serializer keeps it as its digits, as the Lua script writes it.
    return secrets.randbits(63)


def tokens(scopes: Iterable[str]) -> list[str]:
    """The current token of each scope (one cache read), made when missing.

    When the cache does not answer, every token is new: nothing kept is found and
    nothing kept under it is ever asked for again.
    """
    scopes = list(scopes)
    keys = [_token_key(s) for s in scopes]
    found = cache.get_many(keys)
    result = []
    for key in keys:
        value = found.get(key)
        if value is None:
            value = _new_token()
            if not cache.add(key, value, TOKEN_TIMEOUT):
                value = cache.get(key) or value
        result.append(str(value))
    return result


def scoped_key(namespace: str, material: str, scope_tokens: Iterable[str]) -> str:
    """The key of ``material`` under these tokens (``scoped_get``'s Lua script computes the same)."""
    raw = ":".join((material, *map(str, scope_tokens)))
    return namespace + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


# Held by the caller already (``scoped_get``'s ``known``): not read again.
SAME = object()

# KEYS: the scopes' token keys. ARGV: a new token for each, the tokens' lifetime, the material,
# the value's key prefix, the digest the caller holds. Reads (and makes) the tokens, then reads
# the value under the key they give, unless the caller holds it. The value's key is not in
# KEYS: one Redis server, not a Redis Cluster.
_SCOPED_GET = """
local n = #KEYS
local values = redis.call('MGET', unpack(KEYS))
for i = 1, n do
  if not values[i] then
    values[i] = ARGV[i]
    redis.call('SET', KEYS[i], ARGV[i], 'EX', ARGV[n + 1])
  end
end
local digest = redis.sha1hex(ARGV[n + 2] .. ':' .. table.concat(values, ':'))
if digest == ARGV[n + 4] then
  return {digest}
end
return {digest, redis.call('GET', ARGV[n + 3] .. digest)}
"""
_script = Script(None, _SCOPED_GET.encode())  # bytes: no client needed to hash it


def scoped_get(scopes: Iterable[str], material: str, namespace: str, known: str = ""):
    """``(key, value)``: the key of ``material`` under the current tokens of ``scopes`` (made
    when missing) and the value kept there: None when nothing is, ``SAME`` when the key is
    ``known`` (the caller holds that value). One round trip with Redis, two with other caches.
    When the cache does not answer, the key is one nothing is ever kept under."""
    scopes = list(scopes)
    in_one_script = getattr(cache, "scoped_get", None)  # RedisCache
    if in_one_script is not None and cache.key_func is default_key_func:
        found = in_one_script(scopes, material, namespace, known)
        if found is not None:
            return found
        return scoped_key(namespace, material, [secrets.token_hex(8)]), None
    key = scoped_key(namespace, material, tokens(scopes))
    return (key, SAME) if key == known else (key, cache.get(key))


def drop_tokens(scopes: Iterable[str]) -> None:
    """What was kept under these scopes is out of date: drop their tokens now and after commit.

    Why that is never stale: a reader reads a token *before* it reads the database. If the
    writer's after-commit delete came before the token read, the token is newer than the
    commit and the reader sees the write. If it came after, the reader's copy is kept under
    a token that is already gone. With the database cache the first delete even commits
    together with the data.
    """
    keys = [_token_key(s) for s in dict.fromkeys(scopes) if s]
    if not keys or not keeps_pages():
        return
    cache.delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys))


class NoSharedCopyWithCookies:
    """Middleware (outermost): a response that sets a cookie is never ``Cache-Control: public``.

    A shared cache (a proxy, a CDN) would hand that cookie to everyone; such a response
    becomes ``private`` whatever the view declared.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.cookies and "public" in response.headers.get("Cache-Control", ""):
            patch_cache_control(response, private=True)  # drops public
        return response

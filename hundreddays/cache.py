"""Django's Redis cache backend, keeping one client per connection pool.

Django builds a new ``redis.Redis`` for every cache call; with redis-py 6 that
costs about 0.15 ms of CPU, more than the GET itself on loopback. A client is
thread-safe and holds no connection of its own (the pool does), so one per pool
is enough. Keys are not checked for memcached's limits either (Redis has none; the
check walks every character of every key on every call). Nothing else changes:
same keys, serializer, pools and options.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key):
        """Any string is a valid Redis key: no memcached warnings to look for."""

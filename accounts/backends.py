"""Authentication backends that read the signed-in user from the shared cache.

Every signed-in request loads its user (Django's ``get_user``): one SQL query, the
largest cost of a cached dashboard. With Redis configured (``REDIS_URL``) the user is
kept in the cache under a key holding a token that every save or delete of that user
drops (journal/signals.py, through journal.pagecache: in the writing transaction and after
it commits), so a changed password, a deactivation or a new name is seen by the very next
request, by every worker. With the database cache a cache read is itself a query, so these
backends then read the database as Django's do.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.cache import cache

from journal import pagecache

USER_TIMEOUT = 3600


def cache_users() -> bool:
    return settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


class CachedUserMixin:
    def get_user(self, user_id):
        if not cache_users():
            return super().get_user(user_id)
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        (token,) = pagecache.tokens([pagecache.account_scope(pk)])
        key = f"hd:user:{pk}:{token}"
        user = cache.get(key)
        if user is None:
            user = super().get_user(pk)
            if user is not None:
                cache.set(key, user, USER_TIMEOUT)
            return user
        return user if self.user_can_authenticate(user) else None


class ModelBackend(CachedUserMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(CachedUserMixin, AllauthBackend):
    pass

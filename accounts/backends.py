"""Authentication backends that read the signed-in user from the shared cache.

Every signed-in request loads its user (Django's ``get_user``): one SQL query, the
largest cost of a kept dashboard. With Redis configured (``REDIS_URL``) the user is
kept in the cache under a key holding a token (``hundreddays.cache.scoped_get``) that every
save or delete of that user drops (``forget``, connected in accounts/apps.py: in the
writing transaction and after it commits), so a changed password, a deactivation or a
new name is seen by the very next request, by every worker. With the database cache a
cache read is itself a query, so these backends then read the database as Django's do;
when Redis does not answer, the cache misses and they read the database too.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.cache import cache

from hundreddays.cache import drop_tokens, keeps_pages, scoped_get

USER_TIMEOUT = 3600


def _scope(pk) -> str:
    return f"uid:{pk}"


def forget(sender, instance, **kwargs):
    """Receiver (post_save, post_delete of the user): the kept copy of this user goes."""
    if instance.pk is not None:
        drop_tokens([_scope(instance.pk)])


class CachedUserMixin:
    def get_user(self, user_id):
        if not keeps_pages():
            return super().get_user(user_id)
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        key, user = scoped_get([_scope(pk)], str(pk), "hd:user:")  # one round trip with Redis
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

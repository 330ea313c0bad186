"""Writes that change what kept pages show call ``pagecache.changed`` for their scopes.

journal.services (and the admin and the importer through it) call it when they bump a
round's version; these receivers cover the rest: a round saved or deleted in any way, a
participant's profile, a tag renamed in the admin. (The signed-in user kept by
accounts.backends is dropped by accounts' own receiver.)
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save

from journal import pagecache
from journal.models import Round, Tag

# Login only writes last_login; no page shows it.
_UNSHOWN_USER_FIELDS = {"last_login", "password", "last_reminded_on"}


def round_saved_or_deleted(sender, instance, **kwargs):
    # public=True: the visibility may just have changed, so explore and the home may change too.
    pagecache.changed(*pagecache.round_scopes(instance, public=True))


def user_about_to_change(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and set(update_fields) <= _UNSHOWN_USER_FIELDS:
        return
    # The handle may be about to change: pages under the old one must go too.
    old = sender.objects.filter(pk=instance.pk).values_list("handle", flat=True).first()
    instance._pagecache_old_handle = old


def user_changed(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and set(update_fields) <= _UNSHOWN_USER_FIELDS:
        return
    old = getattr(instance, "_pagecache_old_handle", None)
    pagecache.changed(
        pagecache.user_scope(instance.handle) if instance.handle else "",
        pagecache.user_scope(old) if old else "",
        pagecache.PUBLIC,
    )


def tag_changed(sender, instance, **kwargs):
    # A tag's name shows on everyone's pages.
    pagecache.changed(pagecache.ALL)


def connect():
    for signal in (post_save, post_delete):
        signal.connect(round_saved_or_deleted, sender=Round, dispatch_uid="pagecache-round")
        signal.connect(user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="pagecache-user")
        signal.connect(tag_changed, sender=Tag, dispatch_uid="pagecache-tag")
    pre_save.connect(user_about_to_change, sender=settings.AUTH_USER_MODEL, dispatch_uid="pagecache-user-pre")

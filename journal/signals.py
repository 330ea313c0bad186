"""Writes that change what cached pages show drop the page-cache tokens of their scopes.

journal.services (and the admin and the importer through it) call
``pagecache.round_changed`` when they bump a round's version; these receivers cover
the rest: a round saved or deleted in any way, a participant's profile (and the
signed-in user accounts.backends keeps), a tag renamed in the admin. See journal/pagecache.py for why a dropped token is never stale.
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save

from journal import pagecache
from journal.models import Round, Tag

# Login only writes last_login; no page shows it.
_UNSHOWN_USER_FIELDS = {"last_login", "password", "last_reminded_on"}


def round_saved_or_deleted(sender, instance, **kwargs):
    # public=True: the visibility may just have changed, so explore and the home may change too.
    pagecache.round_changed(instance, public=True)


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
    # The signed-in user kept by accounts.backends goes on every write (a new password too).
    scopes = [pagecache.account_scope(instance.pk)]
    if update_fields is None or not set(update_fields) <= _UNSHOWN_USER_FIELDS:
        old = getattr(instance, "_pagecache_old_handle", None)
        scopes += [
            pagecache.user_scope(instance.handle) if instance.handle else "",
            pagecache.user_scope(old) if old else "",
            pagecache.PUBLIC,
        ]
    pagecache.changed(*scopes)


def tag_changed(sender, instance, **kwargs):
    # A tag's name shows on everyone's pages.
    pagecache.changed(pagecache.ALL)


def connect():
    for signal in (post_save, post_delete):
        signal.connect(round_saved_or_deleted, sender=Round, dispatch_uid="pagecache-round")
        signal.connect(user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="pagecache-user")
        signal.connect(tag_changed, sender=Tag, dispatch_uid="pagecache-tag")
    pre_save.connect(user_about_to_change, sender=settings.AUTH_USER_MODEL, dispatch_uid="pagecache-user-pre")

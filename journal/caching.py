"""Rendered fragments of a round's pages, kept in the shared cache (``CACHES["default"]``).

A fragment is never stale because its key says what it was made from:

- ``round.version``, which journal.services (and the admin and the importer) bump in the
  same transaction as every write to the round or its entries. A request that sees the
  write reads the new version and misses; old fragments are never asked for again and
  expire on their own.
- the owner's "today" (missed days, streaks and the grid change at their midnight), the
  page language, whether the viewer is the owner, and the owner's handle, name and
  avatar (shown on, or part of URLs in, the fragments);
- a fingerprint of the templates and translation catalogues, so a deploy that changes
  the markup or a translation never serves fragments rendered by the old one.

All workers and every instance behind the load balancer share the cache (the database
cache by default, Redis when ``REDIS_URL`` is set), so a write through one instance is
seen by the next read through any other.

``render_cached`` keeps whole pages: rendered once with a placeholder where the CSRF
token goes, served with the visitor's own token put in. A request that carries a
message ("Your entry is saved.") is rendered afresh and not cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache as memoize
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.template.utils import get_app_template_dirs
from django.utils.translation import get_language

from journal.services import today_for

# A fragment's key holds the date, so it is useless after a day anyway.
FRAGMENT_TIMEOUT = 24 * 3600
# Bump when the Python that builds a fragment's context changes what the fragment shows.
CODE_GENERATION = 1
# Rendered where {% csrf_token %} goes in a cached page; each response gets its own token.
CSRF_PLACEHOLDER = "hd-csrf-placeholder-5f0c1e9a7b"


@memoize
def generation() -> str:
    """A fingerprint of every template and compiled translation, computed once per process."""
    digest = hashlib.md5(str(CODE_GENERATION).encode(), usedforsecurity=False)
    folders = [Path(d) for template in settings.TEMPLATES for d in template.get("DIRS", [])]
    folders += [Path(d) for d in get_app_template_dirs("templates")]
    files = [f for folder in folders if folder.is_dir() for f in folder.rglob("*.html")]
    files += [
        f for folder in map(Path, settings.LOCALE_PATHS) if folder.is_dir() for f in folder.rglob("*.mo")
    ]
    for path in sorted(set(files)):
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def journal_fragment_key(round, lang=None, viewer_is_owner=False, *, kind="journal", today=None, extra=()):
    """The cache key of a fragment of ``round`` (its ``user`` loaded), as seen on the owner's ``today``.

    ``kind`` names the page or fragment ("journal", "dashboard", "entry"…); ``extra``
    adds anything else the fragment depends on (an entry's date, a page number).
    No query: everything comes from the round and its owner.
    """
    user = round.user
    today = today or today_for(user)
    parts = (
        generation(),
        kind,
        round.pk,
        round.version,
        today.isoformat(),
        lang or get_language(),
        int(bool(viewer_is_owner)),
        user.handle,
        user.name,
        user.avatar_url,
        *extra,
    )
    digest = hashlib.md5(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()
    return f"hd:frag:{kind}:{round.pk}:{digest}"


def page_key(kind, *parts, lang=None):
    """A cache key from ``parts`` that fully describe what a page shows (plus templates and language)."""
    digest = hashlib.md5(
        ":".join(map(str, (generation(), kind, lang or get_language(), *parts))).encode(),
        usedforsecurity=False,
    ).hexdigest()
    return f"hd:frag:{kind}:{digest}"


def entries_key(kind, entries, lang=None, extra=()):
    """The cache key of a list of entries already loaded with their round and owner (no query).

    For lists that mix rounds (home, explore): the key holds each entry's id and its
    round's version (bumped by every write to the entry, its tags and links), and the
    owner's handle, name and avatar, so any change to what the list shows changes it.
    """
    parts = [generation(), kind, lang or get_language(), *extra]
    for entry in entries:
        round, user = entry.round, entry.round.user
        parts += [
            entry.pk,
            round.pk,
            round.version,
            round.visibility,
            user.handle,
            user.name,
            user.avatar_url,
        ]
    digest = hashlib.md5(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()
    return f"hd:frag:{kind}:{digest}"


def get_or_render(key: str, render: Callable[[], object], timeout: int = FRAGMENT_TIMEOUT):
    """The cached value under ``key``, or ``render()`` stored there. One cache read on a hit."""
    value = cache.get(key)
    if value is None:
        value = render()
        cache.set(key, value, timeout)
    return value


def has_messages(request) -> bool:
    """Whether a message waits for this request (cookie or session storage), without reading it."""
    if "messages" in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return session is not None and "_messages" in session


def render_cached(
    request, key: str, template_name: str, get_context: Callable[[], dict], timeout=FRAGMENT_TIMEOUT
):
    """``render(request, template_name, get_context())``, kept in the cache under ``key``.

    ``key`` must hold everything the page shows besides the CSRF token and messages:
    the viewer (signed in or not, and who), the language and the path with its query
    string, on top of what ``journal_fragment_key`` holds. On a hit ``get_context`` is
    not called: the page costs one cache read.
    """
    if has_messages(request):
        return render(request, template_name, get_context())
    html = cache.get(key)
    if html is None:
        context = {**get_context(), "csrf_token": CSRF_PLACEHOLDER}
        html = render_to_string(template_name, context, request=request)
        cache.set(key, html, timeout)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return HttpResponse(html)

"""Whole pages kept ready to serve: a hit costs one shared-cache read and no SQL.

How a page stays fresh without being invalidated by hand:

- Every page belongs to one or more **scopes**: a participant (``user_scope(handle)``:
  their profile, rounds, journals, permalinks, feeds, badges and dashboard) and, for
  pages listing everyone's public entries, ``PUBLIC`` (explore, the visitor home).
- Each scope has a **token** in the shared cache, a random string. A page's cache key
  holds the tokens of its scopes, plus everything else it depends on (kind, path,
  language, the viewer, a fingerprint of templates and translations).
- Every write deletes the tokens of the scopes it touches (``changed()``), once in the
  writing transaction and once after it commits. The next read finds no token, makes a
  new one and so a new key: the page is built again from the committed data. Pages under
  the old token are never asked for again and expire.

Why that is never stale: a reader reads the token *before* it reads the database. If
the writer's after-commit delete came before the token read, the token is newer than the
commit and the reader sees the write. If it came after, the page is stored under a token
that is already gone. With the database cache the first delete even commits together
with the data.

A page also stops being served at the owner's next midnight (their zone and rollover
hour, ``expires_at``): missed days, streaks and the grid move with the date.

Because a key never names two different pages, each process also keeps the pages it
served last in memory (``LOCAL``, bounded in bytes): a hit then reads only the tokens
from the shared cache.

The CSRF token of the footer's language form is not part of a page: it is stored as a
placeholder and each response gets the visitor's own.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache as memoize
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.template.utils import get_app_template_dirs
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

from journal.models import Round
from journal.share import day_started_at

PUBLIC = "public"
# Every page is also in this scope: dropping its token (a tag renamed) rebuilds them all.
ALL = "all"
TOKEN_TIMEOUT = 7 * 24 * 3600
PAGE_TIMEOUT = 24 * 3600
# Pages not tied to a participant's day (explore, the visitor home) are rebuilt at least this often.
DEFAULT_LIFETIME = 3600
LOCAL_BYTES = 32 * 1024 * 1024
# Bump when the Python that builds a page changes what the page shows.
CODE_GENERATION = 5
# Feeds and badges may be kept by any cache for five minutes; HTML pages are revalidated every time.
PUBLIC_CACHE_CONTROL = "public, max-age=300"
PRIVATE_CACHE_CONTROL = "private, no-cache"
# Rendered where {% csrf_token %} goes in a kept page; each response gets its own token.
CSRF_PLACEHOLDER = "hd-csrf-placeholder-5f0c1e9a7b"


@memoize
def generation() -> str:
    """A fingerprint of every template and compiled translation, computed once per process.

    A deploy that changes the markup or a translation never serves pages of the old one.
    """
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


def has_messages(request) -> bool:
    """Whether a message waits for this request (cookie or session storage), without reading it."""
    if "messages" in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return session is not None and "_messages" in session


def user_scope(handle: str) -> str:
    """A participant's pages (by the handle in their URLs)."""
    return f"u:{handle}"


def account_scope(pk) -> str:
    """The signed-in user kept by accounts.backends (by primary key: sessions know no handle)."""
    return f"uid:{pk}"


def _token_key(scope: str) -> str:
    return f"hd:tok:{scope}"


# --- Writes ------------------------------------------------------------------------------


def changed(*scopes: str) -> None:
    """Pages of these scopes are out of date: drop their tokens now and after commit."""
    keys = [_token_key(s) for s in dict.fromkeys(scopes) if s]
    if not keys:
        return
    cache.delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys))


def round_changed(round, *, public: bool | None = None) -> None:
    """A write to ``round`` or its entries. ``public``: whether explore may show it (default: its visibility)."""
    if Round.user.is_cached(round):
        handle = round.user.handle
    else:
        handle = get_user_model().objects.filter(pk=round.user_id).values_list("handle", flat=True).first()
    if public is None:
        public = round.visibility == Round.Visibility.PUBLIC
    changed(user_scope(handle) if handle else "", PUBLIC if public else "")


# --- Reads -------------------------------------------------------------------------------


def tokens(scopes: Iterable[str]) -> list[str]:
    """The current token of each scope (one cache read), made when missing."""
    scopes = list(scopes)
    keys = [_token_key(s) for s in scopes]
    found = cache.get_many(keys)
    result = []
    for key in keys:
        value = found.get(key)
        if value is None:
            value = secrets.token_hex(8)
            if not cache.add(key, value, TOKEN_TIMEOUT):
                value = cache.get(key) or value
        result.append(value)
    return result


@dataclass
class Page:
    """A response ready to serve again. ``body`` holds CSRF_PLACEHOLDER where a token goes."""

    body: str
    content_type: str = "text/html; charset=utf-8"
    etag: str = ""
    last_modified: datetime | None = None
    expires_at: float = 0.0
    # True for feeds and badges: the same for everybody, so anyone may revalidate and any
    # cache may keep them for a while. False for HTML pages: only anonymous copies carry
    # validators (signed-in visitors see their own navigation), never kept in a shared cache.
    public: bool = False

    def __post_init__(self):
        # Header values worked out once, when the page is built, not on every response.
        self.validator_headers = {"ETag": self.etag} if self.etag else {}
        if self.etag and self.last_modified is not None:
            self.validator_headers["Last-Modified"] = http_date(self.last_modified.timestamp())
        self.cache_control = PUBLIC_CACHE_CONTROL if self.public else PRIVATE_CACHE_CONTROL

    @property
    def size(self) -> int:
        return len(self.body) + 512


class LocalPages:
    """The pages this process served last, at most ``limit`` bytes of them (LRU)."""

    def __init__(self, limit: int = LOCAL_BYTES):
        self.limit = limit
        self.size = 0
        self.pages: OrderedDict[str, Page] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key, page):
        if page.size > self.limit // 4:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= old.size
            self.pages[key] = page
            self.size += page.size
            while self.size > self.limit:
                _key, dropped = self.pages.popitem(last=False)
                self.size -= dropped.size

    def clear(self):
        with self.lock:
            self.pages.clear()
            self.size = 0


LOCAL = LocalPages()


def viewer_parts(request) -> tuple:
    """What the navigation shows of the viewer (no query for an anonymous visitor)."""
    user = request.user
    if not user.is_authenticated:
        return (0,)
    return (user.pk, user.handle, user.name, user.email, user.avatar_url, user.language)


def page_key(kind: str, parts: Iterable, scope_tokens: Iterable[str]) -> str:
    raw = ":".join(map(str, (generation(), kind, get_language(), *parts, *scope_tokens)))
    return f"hd:page:{kind}:{hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()}"


def serve(
    request,
    *,
    kind: str,
    scopes: Iterable[str],
    parts: Iterable,
    build: Callable[[], Page],
    query: Iterable[str] = (),
):
    """The page for this request: from memory, from the shared cache, or ``build()`` (then kept).

    ``parts`` must name everything the page shows besides what its scopes cover: the
    path with its query string, the viewer (``viewer_parts``) when the page shows who is
    signed in. ``build`` may raise Http404 (nothing is kept then). ``query`` names the
    query parameters the page reads; a request with any other is answered but not kept,
    so made-up query strings cannot fill the cache.
    """
    if has_messages(request) or any(name not in query for name in request.GET):
        return respond(request, build())
    key = page_key(kind, parts, tokens([ALL, *scopes]))
    page = LOCAL.get(key)
    if page is None:
        page = cache.get(key)
        if page is not None:
            LOCAL.put(key, page)
    now = time.time()
    if page is None or page.expires_at <= now:
        page = build()
        cache.set(key, page, max(1, min(PAGE_TIMEOUT, int(page.expires_at - now))))
        LOCAL.put(key, page)
    return respond(request, page)


_CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def respond(request, page: Page) -> HttpResponse:
    revalidate = page.etag and (page.public or not request.user.is_authenticated)
    response = None
    if (
        revalidate
        and "messages" not in request.COOKIES
        and any(h in request.META for h in _CONDITIONAL_HEADERS)
    ):
        last_modified = int(page.last_modified.timestamp()) if page.last_modified else None
        response = get_conditional_response(request, etag=page.etag, last_modified=last_modified)
    if response is None:
        body = page.body
        if CSRF_PLACEHOLDER in body:
            body = body.replace(CSRF_PLACEHOLDER, get_token(request))
        response = HttpResponse(body, content_type=page.content_type)
    headers = response.headers
    if revalidate:
        for name, value in page.validator_headers.items():
            headers[name] = value
    headers["Cache-Control"] = page.cache_control
    if not page.public:
        patch_vary_headers(response, ("Cookie",))
    return response


def render_page(request, template_name: str, context: dict, **page_fields) -> Page:
    """A Page of ``template_name`` rendered with a placeholder for the CSRF token."""
    body = render_to_string(template_name, {**context, "csrf_token": CSRF_PLACEHOLDER}, request=request)
    return Page(body=body, **page_fields)


def next_midnight(user, today) -> float:
    """When the owner's ``today`` ends (their zone and rollover hour), as a timestamp."""
    return day_started_at(user, today + timedelta(days=1)).timestamp()


def in_an_hour() -> float:
    return time.time() + DEFAULT_LIFETIME

"""Whole pages kept ready to serve: one decorator (``kept``) and one invalidation (``changed``).

Where it sits::

    request ─▶ middleware ─▶ @kept ──hit──▶ response (one cache read, no SQL with Redis)
                               │ miss
                               ▼
                             view (builds the page as if there were no cache) ─▶ kept, served

A view declares its **kind**, its **scopes** and the query parameters it reads; it returns
its response as usual, with its validators (``ETag``, ``Last-Modified``) and, when it
changes with the owner's date, an ``Expires`` at the owner's next midnight
(``journal.clock``). Scopes are a participant (``user_scope(handle)``: their profile,
rounds, journals, permalinks, feeds, badges and dashboard), ``PUBLIC`` (pages listing
everyone's public entries) and ``ALL`` (every page).

Each scope has a token in the shared cache (``hundreddays.cache.tokens``); a page's key
holds the tokens of its scopes plus everything else it depends on (kind, path, language,
the viewer, a fingerprint of templates and translations). Writers call ``changed(...)``,
which drops the tokens: the next read makes new ones and so new keys. The reason this is
never stale is in ``hundreddays.cache.drop_tokens``. The tokens and the page under them
are read in one round trip (``hundreddays.cache.scoped_get``). Each process also keeps the
pages it served last in memory (``LOCAL``, bounded in bytes): a hit then reads only the
tokens.

Pages are kept only in memory caches (Redis): with the database cache, keeping a page
costs more statements than building it (``hundreddays.cache.keeps_pages``). A cache error
is a miss (``hundreddays.cache``): the page is built and served.

No per-visitor data is kept. While a page is built for keeping, the ``csrf_token`` of its
forms is a random marker made for that build (``csrf_slots``); the body is cut at the
markers into segments, and each response joins the segments with the visitor's own token.
The marker is unguessable and never leaves the process, so author-written text can never
become a token position: nothing in the body is searched or replaced when it is served.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache as memoize
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.utils import get_app_template_dirs
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe
from django.utils.translation import get_language

from hundreddays.cache import SAME, drop_tokens, keeps_pages, scoped_get, scoped_key
from journal.models import Round

PUBLIC = "public"
# Every page is also in this scope: dropping its token (a tag renamed) rebuilds them all.
ALL = "all"
PAGE_TIMEOUT = 24 * 3600
# Pages without an Expires (explore, the visitor home, feeds) are rebuilt at least this often.
DEFAULT_LIFETIME = 3600
LOCAL_BYTES = 32 * 1024 * 1024
# Bump when the Python that builds a page changes what the page shows.
CODE_GENERATION = 5
# Feeds and badges may be kept by any cache for five minutes; HTML pages are revalidated every time.
PUBLIC_CACHE_CONTROL = "public, max-age=300"
PRIVATE_CACHE_CONTROL = "private, no-cache"
_SLOT_ATTRIBUTE = "_pagecache_csrf_slot"


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


def user_scope(handle: str) -> str:
    """A participant's pages (by the handle in their URLs)."""
    return f"u:{handle}"


# --- Writes ------------------------------------------------------------------------------


def changed(*scopes: str) -> None:
    """The one invalidation: pages of these scopes are out of date (now and after commit)."""
    drop_tokens(scopes)


def round_scopes(round, *, public: bool | None = None) -> list[str]:
    """The scopes a write to ``round`` or its entries touches.

    ``public``: whether lists of everyone's entries may show it (default: its visibility).
    """
    if Round.user.is_cached(round):
        handle = round.user.handle
    else:
        handle = get_user_model().objects.filter(pk=round.user_id).values_list("handle", flat=True).first()
    if public is None:
        public = round.visibility == Round.Visibility.PUBLIC
    return [user_scope(handle) if handle else "", PUBLIC if public else ""]


def participant_in_url(request, handle, **kwargs) -> list[str]:
    return [user_scope(handle)]


def signed_in_participant(request, **kwargs) -> list[str]:
    return [user_scope(request.user.handle)]


def public_entries(request, **kwargs) -> list[str]:
    return [PUBLIC]


# --- Kept pages --------------------------------------------------------------------------


@dataclass
class Page:
    """A response ready to serve again: its body cut at the CSRF fields, and its headers."""

    parts: tuple[bytes, ...]
    content_type: str
    expires_at: float
    public: bool = False
    validators: dict[str, str] = field(default_factory=dict)
    key: str = ""  # where it is kept: its scopes' tokens when it was built

    @property
    def size(self) -> int:
        return sum(map(len, self.parts)) + 512


class LocalPages:
    """The pages this process served last, at most ``limit`` bytes of them (LRU), one per
    request that asks for it (``page_material``): the newest page built for it."""

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


def has_messages(request) -> bool:
    """Whether a message waits for this request (cookie or session storage), without reading it."""
    if "messages" in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return session is not None and "_messages" in session


def viewer_parts(request) -> tuple:
    """What the navigation shows of the viewer (no query for an anonymous visitor)."""
    user = request.user
    if not user.is_authenticated:
        return (0,)
    return (user.pk, user.handle, user.name, user.email, user.avatar_url, user.language)


def page_material(kind: str, parts: Iterable) -> str:
    """Everything a page's key holds but its scopes' tokens."""
    return ":".join(map(str, (generation(), kind, get_language(), *parts)))


def page_namespace(kind: str) -> str:
    return f"hd:page:{kind}:"


def page_key(kind: str, parts: Iterable, scope_tokens: Iterable[str]) -> str:
    return scoped_key(page_namespace(kind), page_material(kind, parts), scope_tokens)


def csrf_slots(request) -> dict:
    """Context processor (last in TEMPLATES): the build's marker as ``csrf_token`` while a
    kept page is built, so ``{% csrf_token %}`` fields can be cut out of it."""
    slot = getattr(request, _SLOT_ATTRIBUTE, None)
    return {"csrf_token": slot} if slot else {}


def kept(
    kind: str,
    *,
    scopes: Callable[..., Iterable[str]],
    query: Iterable[str] = (),
    per_viewer: bool = True,
    public: bool = False,
):
    """Keep the pages of this view whole, under ``kind`` and the tokens of ``scopes(request, **kwargs)``.

    ``per_viewer``: the page shows who is signed in (its key holds the viewer; HTML pages).
    ``public``: the same for everybody (feeds, badges): any cache may keep it five minutes,
    and every client may revalidate it; otherwise only anonymous visitors get validators.
    ``query``: the query parameters the page reads; a request with any other is answered but
    not kept, so made-up query strings cannot fill the cache. A response other than a 200,
    or one that sets a cookie, is served as it is and not kept.
    """
    query = frozenset(query)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            keep = (
                keeps_pages()
                and request.method in ("GET", "HEAD")
                and not has_messages(request)
                and all(name in query for name in request.GET)
            )
            if not keep:
                response = view(request, *args, **kwargs)
                page = _page_of(response, public, slot=None)
                return response if page is None else respond(request, page)
            parts = (request.get_full_path(), *viewer_parts(request)) if per_viewer else (request.path,)
            material = page_material(kind, parts)
            local = LOCAL.get(material)
            key, page = scoped_get(
                [ALL, *scopes(request, **kwargs)],
                material,
                page_namespace(kind),
                known=local.key if local is not None else "",
            )
            if page is SAME:
                page = local
            elif page is not None:
                LOCAL.put(material, page)
            now = time.time()
            if page is None or page.expires_at <= now:
                slot = secrets.token_hex(16)
                setattr(request, _SLOT_ATTRIBUTE, slot)
                try:
                    response = view(request, *args, **kwargs)
                finally:
                    delattr(request, _SLOT_ATTRIBUTE)
                page = _page_of(response, public, slot=slot)
                if page is None:
                    return response
                page.key = key
                cache.set(key, page, max(1, min(PAGE_TIMEOUT, int(page.expires_at - now))))
                LOCAL.put(material, page)
            return respond(request, page)

        return wrapper

    return decorator


def _page_of(response, public: bool, *, slot: str | None) -> Page | None:
    """``response`` as a Page, or None when it must not be kept (not a 200, sets a cookie)."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    headers = response.headers
    expires = parse_http_date_safe(headers.get("Expires", ""))
    body = response.content
    return Page(
        parts=tuple(body.split(slot.encode())) if slot else (body,),
        content_type=headers.get("Content-Type", "text/html; charset=utf-8"),
        expires_at=expires if expires is not None else time.time() + DEFAULT_LIFETIME,
        public=public,
        validators={name: headers[name] for name in ("ETag", "Last-Modified") if name in headers},
    )


_CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def respond(request, page: Page) -> HttpResponse:
    revalidate = page.validators and (page.public or not request.user.is_authenticated)
    response = None
    if (
        revalidate
        and "messages" not in request.COOKIES
        and any(header in request.META for header in _CONDITIONAL_HEADERS)
    ):
        response = get_conditional_response(
            request,
            etag=page.validators.get("ETag"),
            last_modified=parse_http_date_safe(page.validators.get("Last-Modified", "")),
        )
    if response is None:
        body = page.parts[0]
        if len(page.parts) > 1:
            body = get_token(request).encode().join(page.parts)
        response = HttpResponse(body, content_type=page.content_type)
    headers = response.headers
    if revalidate:
        for name, value in page.validators.items():
            headers[name] = value
    headers["Cache-Control"] = PUBLIC_CACHE_CONTROL if page.public else PRIVATE_CACHE_CONTROL
    if not page.public:
        patch_vary_headers(response, ("Cookie",))
    return response

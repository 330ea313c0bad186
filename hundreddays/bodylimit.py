"""Every request body is bounded before anything reads it: 413 past ``REQUEST_MAX_BYTES``.

Django reads a body lazily (``request.POST``, ``request.FILES``, ``request.body``) and only as
far as the declared ``Content-Length``: its stream is a ``LimitedStream`` of that length, so a
body longer than it says is cut there, and a body without one (``Transfer-Encoding: chunked``)
reads as empty. What was missing is a ceiling on the declared length itself: a 400 MB multipart
POST to any form was streamed to the temp directory before the view (or the CSRF check) ran.

This middleware looks at the declared length only, before any middleware or view reads the
body, and answers 413 past the limit; so no view ever reads more than the limit. The import is the one exception, with its own
larger limit. ``DATA_UPLOAD_MAX_MEMORY_SIZE`` and ``FILE_UPLOAD_MAX_MEMORY_SIZE`` are above
both limits, so an accepted body is parsed in memory and nothing is written to disk.

Put it after the session, locale, authentication and message middleware (none of them reads
the body) and before ``CsrfViewMiddleware``, whose check is the first reader: the 413 page is
then in the visitor's language and gets the security headers.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse


@cache
def _exceptions() -> dict[str, int]:
    """Paths with a larger limit than the default: the import, for its 2 MB file."""
    return {reverse("journal:import"): settings.IMPORT_REQUEST_MAX_BYTES}


def limit_for(path: str) -> int:
    return _exceptions().get(path, settings.REQUEST_MAX_BYTES)


def declared_length(meta) -> int:
    """The declared Content-Length, 0 when absent or malformed (as Django's own stream reads it)."""
    try:
        return max(0, int(meta.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def too_large(request, limit: int):
    context = {"limit": limit}
    return render(request, "413.html", context, status=413)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = limit_for(request.path_info)
        if declared_length(request.META) > limit:
            return too_large(request, limit)
        return self.get_response(request)

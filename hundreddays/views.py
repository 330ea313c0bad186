from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from hundreddays.cache import status as cache_status


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers ``SELECT 1``, 503 otherwise. Nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_safe
def readyz(request):
    """Readiness, as JSON: 503 when the database does not answer; 200 otherwise, with
    ``"cache": "degraded"`` while the cache does not answer (pages are then built every
    time, sessions read from the database, rate limits fail open)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    cache = cache_status()
    status = "ok" if cache["cache"] == "ok" else "degraded"
    return JsonResponse({"status": status, "database": "ok", **cache})


@require_safe
def favicon(request):
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.http import HttpResponsePermanentRedirect

    return HttpResponsePermanentRedirect(staticfiles_storage.url("img/favicon.svg"))


ROBOTS = """User-agent: *
Disallow: /accounts/
Disallow: /account/
Disallow: /rounds/
Disallow: /log/
Disallow: /import/
"""


@require_safe
def robots(request):
    response = HttpResponse(ROBOTS, content_type="text/plain")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
@require_safe
def design(request):
    """The design system (docs/design.md): every component, in light and dark. Staff only;
    anyone else gets a 404, as for a page that does not exist."""
    if not request.user.is_staff:
        raise Http404
    return render(request, "design.html", {"modes": ("light", "dark")})

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


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

"""The benchmark's additions to the site (used only by bench.app.settings).

- ``/bench/ceiling/``: the cheapest page the stack can serve. It goes through every
  middleware of the production settings and runs no query, so its requests per
  second are the ceiling that every real page is compared with.
- ``QueryCountMiddleware``: adds ``X-Bench-Queries`` (SQL statements run while
  serving the request, session and user included) so bench/run.py can read the
  query count of each page from the same server it loads.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path


def ceiling(request):
    return HttpResponse(b"ok\n", content_type="text/plain")


class QueryCountMiddleware:
    """First in the stack, so the session and user queries are counted too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response.headers["X-Bench-Queries"] = str(count)
        return response


urlpatterns = [
    path("bench/ceiling/", ceiling, name="bench-ceiling"),
    path("", include("hundreddays.urls")),
]

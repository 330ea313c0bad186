"""RFC 9457 problem details: every error under /api/ is ``application/problem+json``.

One function builds the body (``response``); the API's exception handlers and the
middleware that catches Django's own error pages under /api/ (404, 500, CSRF, 413…)
both use it, so no HTML error page is ever served there.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"


class Problem(Exception):
    """Raise to answer with a problem: ``status``, a short ``title``, a ``detail`` for the
    person, ``errors`` (the fields that failed) and ``code`` (the problem's ``type``)."""

    def __init__(self, status, detail="", *, code=None, title=None, errors=None, headers=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.title = title
        self.errors = errors or []
        self.headers = headers or {}


def type_uri(code):
    return f"urn:hundreddays:problem:{code}" if code else "about:blank"


def body(status, detail="", *, code=None, title=None, errors=None) -> dict:
    data = {
        "type": type_uri(code),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
    }
    if errors:
        data["errors"] = errors
    return data


def response(status, detail="", *, code=None, title=None, errors=None, headers=None) -> HttpResponse:
    resp = HttpResponse(
        json.dumps(body(status, detail, code=code, title=title, errors=errors), ensure_ascii=False),
        status=status,
        content_type=CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        resp[name] = value
    return resp


def from_exception(problem: Problem) -> HttpResponse:
    return response(
        problem.status,
        problem.detail,
        code=problem.code,
        title=problem.title,
        errors=problem.errors,
        headers=problem.headers,
    )


KEEP_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ProblemMiddleware:
    """Under /api/, any error response that is not already a problem (Django's 404, 500,
    CSRF 403, 400/413 for a body too large, 405) becomes one with the same status.
    First in the stack after SecurityMiddleware, so it sees every other middleware's answer;
    an exception anywhere below is logged by Django and reaches it as the 500 response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith(CONTENT_TYPE)
        ):
            problem = response_for_status(response.status_code)
            for name in KEEP_HEADERS:
                if name in response:
                    problem[name] = response[name]
            return problem
        return response


def response_for_status(status) -> HttpResponse:
    try:
        HTTPStatus(status)
    except ValueError:
        status = 500
    return response(status)

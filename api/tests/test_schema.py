"""The OpenAPI schema: generated from the code, valid OpenAPI 3.1, and true of the live server.

schemathesis generates requests for every operation from the schema (valid and invalid
ones) and sends them over HTTP to pytest-django's live server with a real token; every
answer must be documented: no 5xx, the status, content type, headers and body as the
schema says.
"""

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import services
from journal.tests.factories import log, make_round

OPERATIONS = {
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/rounds"),
    ("GET", "/api/v1/rounds/{number}"),
    ("GET", "/api/v1/rounds/{number}/entries"),
    ("GET", "/api/v1/rounds/{number}/entries/{date}"),
    ("PUT", "/api/v1/rounds/{number}/entries/{date}"),
    ("DELETE", "/api/v1/rounds/{number}/entries/{date}"),
    ("POST", "/api/v1/today"),
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.mark.django_db
def test_the_schema_is_served_and_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)  # openapi-spec-validator: raises on any error
    assert spec["openapi"].startswith("3.1.")
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert documented == OPERATIONS
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["security"] == [{"TokenAuth": []}], (method, path)
            errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
            assert {"401", "403", "429"} <= set(errors), (method, path)
            assert all(list(r["content"]) == ["application/problem+json"] for r in errors.values())


@pytest.fixture
def api_token(transactional_db, make_user):
    """Ada's read+write token, a round with a few days (one at today's date) to find."""
    user = make_user("ada@example.com", handle="ada")
    other = make_user("grace@example.com", handle="grace")
    round = make_round(user, days_ago=6, visibility="public")
    log(round, 6, 5, 4, 2, 1, progress="Parsed **dates**; tests for `leap years`.", tags=["python"])
    log(make_round(other, visibility="private"), 0)
    make_round(user, days_ago=60, visibility="private")
    _token, raw = services.create_token(user, name="schemathesis", can_read=True, can_write=True)
    return raw


@pytest.fixture
def live_schema(live_server, api_token, settings):
    settings.API_READS_PER_MINUTE = 0  # thousands of requests a minute: the limit has its own tests
    settings.API_WRITES_PER_MINUTE = 0
    return schemathesis.openapi.from_url(live_server.url + "/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("live_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=timedelta(seconds=10), suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, live_server, api_token):
    case.call_and_validate(
        base_url=live_server.url, headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS
    )

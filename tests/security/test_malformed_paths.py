"""Malformed path parameters are a 404, and nothing a visitor sends writes an ERROR to the log.

``GET /@x%00/`` used to reach a query with a NUL in it: PostgreSQL's driver refused the string,
the visitor got a 500 and the log an ERROR traceback, on every page under ``/@handle/``.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db

UNDER_A_HANDLE = ["/", "/feed/", "/r1/", "/r1/feed/", "/r1/badge.svg", "/r1/stats/", "/r1/2024-03-04/"]
BAD_HANDLES = [
    "x%00",
    "%00",
    "ada%00",
    "x" * 10_000,
    "%FF%FE",  # invalid UTF-8
    "%ED%A0%80",  # a lone surrogate, percent-encoded
    "ada%07",
    "Ada%0A",
    "%E2%80%AE",
]


@pytest.fixture
def ada_public(user):
    round = make_round(user, days_ago=20)
    log(round, 3)
    return round


def _errors(caplog):
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("handle", BAD_HANDLES, ids=range(len(BAD_HANDLES)))
def test_a_malformed_handle_is_a_404_and_logs_no_error(ada_public, caplog, handle):
    client = Client(raise_request_exception=False)
    caplog.set_level(logging.INFO)
    for tail in UNDER_A_HANDLE:
        response = client.get(f"/@{handle}{tail}")
        assert response.status_code == 404, (tail, response.status_code)
    assert _errors(caplog) == []


@pytest.mark.parametrize(
    "path",
    [
        "/@ada/r99999999999999999999/",
        "/@ada/r0/feed/",
        "/@ada/r65536/badge.svg",
        "/@ada/r1/9999-99-99/",
        "/@ada/r1/2024-02-30/",
        "/@ada/r1/0000-01-01/",
        "/@ada/r1/2024-03-04%00/",
        "/rounds/99999999999999999999/settings/",
        "/rounds/1/2024-13-01/edit/",
        "/account/data/export.j%00son",
        "/account/data/export.%FF",
    ],
)
def test_other_malformed_parameters_are_404(ada_public, auth_client, caplog, path):
    auth_client.raise_request_exception = False
    assert auth_client.get(path).status_code == 404
    assert Client(raise_request_exception=False).get(path).status_code in (302, 404)
    assert _errors(caplog) == []


def test_well_formed_paths_still_resolve(ada_public, client):
    assert client.get("/@ada/").status_code == 200
    assert client.get("/@ada/r1/badge.svg").status_code == 200

"""Uploads through the web import: the size limit holds before anything is read, and no file gives a 500.

The parsers themselves are fuzzed in journal/tests/test_logs_fuzz.py; here the same kind of input
goes through the whole web path (upload handlers, the form, preview, confirm, the import service).
"""

from __future__ import annotations

import json
import logging
from datetime import date
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from journal.models import Entry, Round
from journal.tests.test_logs_fuzz import export_like
from tests.security.test_xss import inspect_html

pytestmark = pytest.mark.django_db

PARSER = "journal.views.data.parse_upload"
OK_STATUSES = {200, 400, 413}  # a preview, a refusal with the reason, too large


class _Unreadable:
    """A request body that fails the test if anything reads it."""

    def __init__(self):
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        raise AssertionError("the request body was read")

    readline = read


@pytest.fixture(autouse=True)
def no_import_rate_limit(settings):
    """Hypothesis sends hundreds of imports a test: not what the import's rate limit is for."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "import": "off"}


@pytest.fixture(autouse=True)
def quiet_request_logs():
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def upload(client, content: bytes, name="log.md", **fields):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post("/import/", {"step": "preview", "file": file, **fields})


# --- The size limit -----------------------------------------------------------------------


def test_a_body_declared_larger_than_the_limit_is_refused_without_reading_it(auth_client):
    body = _Unreadable()
    with mock.patch(PARSER) as parser:
        response = auth_client.generic(
            "POST",
            "/import/",
            b"",
            content_type="multipart/form-data; boundary=xyz",
            CONTENT_LENGTH=str(settings.IMPORT_MAX_BYTES * 50),
            **{"wsgi.input": body},
        )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert body.reads == 0
    parser.assert_not_called()


def test_a_file_over_the_limit_is_refused_on_its_size_without_being_parsed(auth_client):
    """Declared size within the allowance for form fields, the file itself just over the limit.

    Refused on ``upload.size``, which the upload handler counted while streaming the body.
    """
    content = b"### Day 1: March 4, 2024\n" + b"x" * settings.IMPORT_MAX_BYTES
    with mock.patch(PARSER) as parser:
        response = upload(auth_client, content)
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    parser.assert_not_called()
    assert not Round.objects.exists()


def test_a_file_exactly_at_the_limit_is_read(auth_client):
    content = b"### Day 1: March 4, 2024\n\n**Today's Progress**: " + b"x" * (settings.IMPORT_MAX_BYTES - 60)
    assert len(content) <= settings.IMPORT_MAX_BYTES
    with mock.patch(PARSER, side_effect=lambda *a, **k: pytest.fail("parsed")) as parser:
        with pytest.raises(pytest.fail.Exception):
            upload(auth_client, content)
    parser.assert_called_once()


def test_a_body_longer_than_its_declared_length_is_cut_there(auth_client):
    """The server reads what Content-Length says and no more; the rest never reaches the parser."""
    big = b"A" * (settings.IMPORT_MAX_BYTES * 3)
    response = auth_client.generic(
        "POST", "/import/", big, content_type="multipart/form-data; boundary=xyz", CONTENT_LENGTH="100"
    )
    assert response.status_code in (400, 403)


# --- Malformed files ----------------------------------------------------------------------

EXPORT_HEAD = '{"format": "hundreddays", "version": 1, "rounds": '
MALFORMED = {
    "random bytes": bytes(range(256)) * 40,
    "invalid UTF-8": "### Day 1: March 4, 2024\n\n**Today's Progress**: é".encode("latin-1")
    + b"\xff\xfe\xc3(",
    "UTF-16 with a byte order mark": "### Day 1: March 4, 2024\n".encode("utf-16"),
    "NUL bytes": b"### Day 1\x00\x00: March 4, 2024\n",
    "empty": b"",
    "only a byte order mark": b"\xef\xbb\xbf",
    "deeply nested JSON arrays": (EXPORT_HEAD + "[" * 200_000 + "]" * 200_000 + "}").encode(),
    "deeply nested JSON objects": (EXPORT_HEAD + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}").encode(),
    "unclosed nesting": (EXPORT_HEAD + "[" * 500_000).encode(),
    "a huge integer": (EXPORT_HEAD + '[{"number": ' + "9" * 100_000 + "}]}").encode(),
    "a huge float": (EXPORT_HEAD + '[{"target": 1e999999}]}').encode(),
    "NaN and Infinity": (EXPORT_HEAD + '[{"target": NaN, "number": Infinity}]}').encode(),
    "a huge day number": b"### Day 99999999999999999999999999: March 4, 2024\n\n**Today's Progress**: x\n",
    "a year 10000 date": b"### Day 1: March 4, 10000\n\n**Today's Progress**: x\n",
    "a far future date": (
        EXPORT_HEAD + '[{"start_date": "9999-12-31", "entries": [{"date": "9999-12-31", "progress": "x"}]}]}'
    ).encode(),
    "target zero": (EXPORT_HEAD + '[{"start_date": "2024-01-01", "target": 0, "entries": []}]}').encode(),
    "wrong types everywhere": (
        EXPORT_HEAD + '[{"title": [], "start_date": 5, "entries": {"date": null}}], "profile": "x"}'
    ).encode(),
    "a JSON file that is Markdown": b"### Day 1: March 4, 2024\n",
    "a million headings": b"### Day 1\n" * 150_000,
    "a line a megabyte long": b"### Day 1: March 4, 2024\n\n**Today's Progress**: " + b"x" * 1_500_000,
    "control characters": "### Day 1: March 4, 2024\n\n**Today's Progress**: \u202e\u0007\x1b[31m\ufffe".encode(),
    "a JSON string with lone surrogates": (EXPORT_HEAD + '[{"title": "\\ud800\\udfff\\ud800"}]}').encode(),
}
NAMES = [
    "log.md",
    "export.json",
    "LOG.TXT",
    "../../../etc/passwd",
    "<img src=x onerror=alert(1)>.md",
    "x" * 5000,
]


@pytest.mark.parametrize("name", list(MALFORMED), ids=list(MALFORMED))
def test_a_malformed_file_is_refused_with_a_reason_never_a_500(auth_client, name):
    content = MALFORMED[name]
    assert len(content) <= settings.IMPORT_MAX_BYTES, "keep the samples under the limit"
    for filename in ("log.json", "log.md"):
        response = upload(auth_client, content, filename)
        assert response.status_code in OK_STATUSES, (name, filename, response.status_code)
        assert inspect_html(response.content.decode()).problems == []
        if response.status_code == 200 and "token" in (response.context or {}):
            confirm = auth_client.post("/import/", {"step": "confirm", "token": response.context["token"]})
            assert confirm.status_code in (302, 409), (name, filename, confirm.status_code)


@pytest.mark.parametrize("filename", NAMES)
def test_a_hostile_file_name_is_only_shown_as_text(auth_client, filename):
    response = upload(auth_client, b"### Day 1: March 4, 2024\n\n**Today's Progress**: x\n", filename)
    assert response.status_code in (200, 400)  # export.json: Markdown is not JSON
    assert inspect_html(response.content.decode()).problems == []


def test_a_confirm_without_a_preview_or_with_another_token_changes_nothing(auth_client, other_client):
    assert auth_client.post("/import/", {"step": "confirm"}).status_code == 302
    preview = upload(auth_client, b"### Day 1: March 4, 2024\n\n**Today's Progress**: x\n")
    token = preview.context["token"]
    assert auth_client.post("/import/", {"step": "confirm", "token": token + "x"}).status_code == 302
    # Another user replaying the token: their session has no pending import.
    assert other_client.post("/import/", {"step": "confirm", "token": token}).status_code == 302
    assert not Entry.objects.exists()


# --- Property-based: whatever the file, the web import answers, never a 500 ---------------

WEB_FUZZ = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _preview_then_confirm(client, content: bytes, filename: str, start=None):
    fields = {"start": start.isoformat()} if start else {}
    response = upload(client, content, filename, **fields)
    assert response.status_code in OK_STATUSES, response.status_code
    context = response.context or {}
    if response.status_code == 200 and "token" in context:
        confirm = client.post("/import/", {"step": "confirm", "token": context["token"], "replace": "on"})
        assert confirm.status_code in (302, 409), confirm.status_code


@WEB_FUZZ
@given(
    content=st.binary(max_size=3000),
    filename=st.sampled_from(NAMES[:3]),
    start=st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1))),
)
def test_any_bytes_through_the_web_import(auth_client, content, filename, start):
    _preview_then_confirm(auth_client, content, filename, start)


_PIECES = st.sampled_from(
    [
        "# My log\n",
        "### Day 1: March 4, 2024 (Monday)\n",
        "### Day 2: March 5, 2024\n",
        "## Día 3: 6 de marzo de 2024\n",
        "### R1D4\n",
        "**Today's Progress**: did things\n",
        "**Thoughts:** <script>alert(1)</script>\n",
        "**Link(s) to work**\n",
        "1. [x](https://example.com/x)\n",
        "1. [x](javascript:alert(1))\n",
        "**Minutes**: 30\n",
        "**Minutes**: 99999999999\n",
        "**Tags**: a, b, <svg>\n",
        "\n",
    ]
)


@WEB_FUZZ
@given(
    text=st.lists(st.one_of(_PIECES, st.text(max_size=30)), max_size=25).map("".join),
    start=st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1))),
)
def test_markdown_like_logs_through_the_web_import(auth_client, text, start):
    _preview_then_confirm(auth_client, text.encode("utf-8", "surrogatepass"), "log.md", start)


@WEB_FUZZ
@given(document=export_like())
def test_export_like_json_through_the_web_import(auth_client, document):
    _preview_then_confirm(auth_client, json.dumps(document).encode(), "export.json")

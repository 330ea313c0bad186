"""An uploaded file, as bytes: decode it, tell JSON from Markdown, read it."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext, gettext_noop

from .data import LogData, LogError
from .json_io import parse_json
from .markdown_in import parse_markdown_log

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
NOT_UTF8 = gettext_noop("the file is not UTF-8 text")  # translated when raised


def decode(raw: bytes) -> str:
    """UTF-8 text without its byte order mark; anything else is refused."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise LogError(gettext("the upload is not a file"))
    raw = bytes(raw)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise LogError(
            gettext("the file is too large (the limit is %(size)s MB)")
            % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LogError(gettext(NOT_UTF8)) from None
    if "\x00" in text:
        # Valid UTF-8 with NUL bytes is a binary file (or UTF-16 without a byte order mark).
        raise LogError(gettext(NOT_UTF8))
    return text


def looks_like_json(text: str, filename: str = "") -> bool:
    return (filename or "").lower().endswith(".json") or text.lstrip().startswith("{")


def parse_upload(
    raw: bytes, filename: str = "", start: datetime.date | None = None, date_order: str | None = None
) -> LogData:
    """Read an uploaded log: a JSON export or a Markdown log (all their rounds).

    ``date_order`` ("mdy"/"dmy") reads a Markdown log's numeric dates when both orders fit.
    """
    text = decode(raw)
    if looks_like_json(text, filename):
        return parse_json(text)
    return parse_markdown_log(text, start=start, date_order=date_order)

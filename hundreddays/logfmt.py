"""One log record, one line: ``time=… level=… logger=… msg="…"`` (logfmt).

Used by Django's LOGGING and by gunicorn (docker/gunicorn.conf.py), so the request lines and the
errors on stdout share one format that a log shipper parses without a regular expression. A
traceback stays on the record's line, escaped into ``exc="…"``. Tokens that travel in a URL path
(password reset and email confirmation keys) are replaced by ``[redacted]`` wherever they appear.
"""

import json
import logging
import re
import time

_BARE = re.compile(r'[^\s"=\\]+')
_TOKEN_IN_PATH = re.compile(r"(/accounts/(?:password/reset/key|confirm-email)/)[^/\s\"?]+")


def redact(text):
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", text)


def quote(value):
    """A logfmt value: bare when it can be, else a JSON string (escaped quotes and newlines)."""
    text = redact(str(value))
    if _BARE.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def line(fields):
    return " ".join(f"{key}={quote(value)}" for key, value in fields)


class LogfmtFormatter(logging.Formatter):
    """``time level logger msg [exc]``, or the record's own ``logfmt`` pairs instead of ``msg``."""

    converter = time.gmtime

    def format(self, record):
        fields = [
            ("time", self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z"),
            ("level", record.levelname),
            ("logger", record.name),
        ]
        extra = getattr(record, "logfmt", None)
        if extra:
            fields.extend(extra)
        else:
            fields.append(("msg", record.getMessage()))
        if record.exc_info:
            fields.append(("exc", self.formatException(record.exc_info)))
        return line(fields)

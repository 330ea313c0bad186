import logging
import sys

from hundreddays.logfmt import LogfmtFormatter


def _record(msg, *args, exc_info=None, **extra):
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, msg, args, exc_info)
    record.__dict__.update(extra)
    return record


def test_a_record_is_one_line_of_key_value_pairs():
    line = LogfmtFormatter().format(_record("Internal Server Error: %s", "/rounds/1/"))
    assert line.startswith("time=")
    assert line.endswith(' level=ERROR logger=django.request msg="Internal Server Error: /rounds/1/"')


def test_a_traceback_stays_on_the_line_of_its_record():
    try:
        raise ValueError('bad "value"')
    except ValueError:
        line = LogfmtFormatter().format(_record("boom", exc_info=sys.exc_info()))
    assert "\n" not in line
    assert 'exc="Traceback (most recent call last):\\n' in line
    assert 'ValueError: bad \\"value\\""' in line


def test_request_fields_replace_the_message():
    fields = [("method", "GET"), ("path", "/@ada/"), ("status", 200), ("ua", "Mozilla/5.0 (X11)")]
    line = LogfmtFormatter().format(_record("request", logfmt=fields))
    assert line.endswith('method=GET path=/@ada/ status=200 ua="Mozilla/5.0 (X11)"')
    assert "msg=" not in line


def test_keys_in_password_reset_and_confirmation_paths_are_redacted():
    fields = [
        ("path", "/accounts/password/reset/key/1-abc123def/"),
        ("other", "/accounts/confirm-email/XyZ/"),
    ]
    line = LogfmtFormatter().format(_record("request", logfmt=fields))
    assert "abc123def" not in line and "XyZ" not in line
    assert "path=/accounts/password/reset/key/[redacted]/" in line

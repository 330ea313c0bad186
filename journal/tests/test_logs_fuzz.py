"""Whatever a file holds, the log parsers answer with data or a LogError, never another exception."""

from __future__ import annotations

import datetime
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.logs import LogError, parse_json, parse_markdown, parse_upload

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of real logs, so that random text often gets past the first heading.
_PIECES = st.sampled_from(
    [
        "### Day 1: March 4, 2024 (Monday)\n",
        "### Day 2: 5 de marzo de 2024\n",
        "## Día 3\n",
        "### R1D4\n",
        "# Title\n",
        "Started on [July 17, Monday, 2017].\n",
        "**Today's Progress**: ",
        "**Thoughts:** ",
        "**Link(s) to work**\n",
        "1. [x](https://example.com/x)\n",
        "- https://example.com/y\n",
        "**Minutes**: ",
        "**Tags**: a, b\n",
        "### Day 9999999999999: February 30, 2024\n",
        "\\### Day 1\n",
        "\r\n",
        "\n",
        "\ufeff",
        "\x00",
        "{",
    ]
)
_LOGLIKE = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=30).map("".join)
_START = st.one_of(st.none(), st.dates(max_value=datetime.date(9999, 12, 31)))


def _never_anything_but_log_error(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except LogError as error:
        assert error.reason
        assert len(str(error).splitlines()) == 1
        assert error.line is None or error.line >= 1


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["", "log.md", "export.json", "LOG.TXT"]), _START)
def test_parse_upload_on_any_bytes(raw, filename, start):
    _never_anything_but_log_error(parse_upload, raw, filename, start)


@FUZZ
@given(st.one_of(st.text(max_size=2000), _LOGLIKE), _START)
def test_parse_markdown_on_any_text(text, start):
    _never_anything_but_log_error(parse_markdown, text, start)


@FUZZ
@given(st.one_of(st.text(max_size=500), _LOGLIKE.map(lambda text: "{" + text)))
def test_parse_json_on_any_text(text):
    _never_anything_but_log_error(parse_json, text)


_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
_JSON_VALUES = st.recursive(
    _LEAVES,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
_ODD = (
    _LEAVES
    | st.lists(_LEAVES, max_size=2)
    | st.sampled_from(["2024-01-01", "2024-02-30", "official", "public"])
)


def _fields(names):
    """Objects with some of ``names``, each holding an odd value."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, _ODD))


_ENTRY = _fields(["date", "day", "title", "progress", "thoughts", "minutes", "tags", "links"])
_ROUND = _fields(["number", "title", "start_date", "target", "rule", "visibility", "description"])


@st.composite
def export_like(draw):
    """A document with the export's shape and odd values in random places."""
    entry = draw(_ENTRY)
    entry.setdefault("date", "2024-01-01")
    entry["links"] = draw(st.sampled_from([entry.get("links"), [{"url": "https://x.y"}], [{"url": 3}], [7]]))
    round = draw(_ROUND)
    round["entries"] = draw(st.sampled_from([[entry], [entry, entry], entry]))
    document = {"format": "hundreddays", "version": draw(st.sampled_from([1] * 8 + [2, "1", None]))}
    document["rounds"] = draw(st.sampled_from([[round]] * 4 + [round, []]))
    document.update(draw(st.just({}) | _fields(["profile", "exported_at", "rounds"])))
    return document


@FUZZ
@given(st.one_of(_JSON_VALUES, export_like()))
def test_parse_json_on_any_json_value(value):
    _never_anything_but_log_error(parse_json, json.dumps(value))

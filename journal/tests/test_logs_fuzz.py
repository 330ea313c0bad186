"""Whatever a file holds, the log parsers answer with data or a LogError, never another exception."""

from __future__ import annotations

import datetime
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.logs import LogError, parse_json, parse_markdown, parse_markdown_log, parse_upload

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
        # Shapes of real logs the reader also knows.
        "## Day 0\n",
        "### R2D0 11/22/18\n",
        "*01.11.22*\n",
        "- **Day 017/100 [June 28, 2020]**\n",
        "### 5th Jan. 2021 | Tuesday\n",
        "## Days 11 - 22\n",
        "# Round 2\n",
        "<!--\n",
        "-->\n",
        "[Back to top](#days)\n",
        "![](assets/day58.png)\n",
        "### Day 3: Feruary 30\n",
        "Started on [November, 1st, 2022]\n",
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


# --- time: no parse takes more than a second on any input up to the 2 MB upload limit -------

TWO_MB = 2 * 1024 * 1024


def _fill(piece: str) -> str:
    return (piece * (TWO_MB // len(piece.encode()) + 1)).encode()[:TWO_MB].decode("utf-8", "ignore")


def _numbered(template: str) -> str:
    out, size, n = [], 0, 0
    while size < TWO_MB:
        n += 1
        line = template.format(n=n % 400, d=n % 28 + 1, m=n % 12 + 1)
        out.append(line)
        size += len(line.encode())
    return "".join(out)[:TWO_MB]


PATHOLOGICAL = {
    "headings": lambda: _fill("### Day 1: March 4, 2024\n"),
    "numbered headings": lambda: _numbered("## Day {n} - {m}/{d}/2021\n"),
    "bold days": lambda: _numbered("- **Day {n} [June {d}, 2020]**\n"),
    "dates": lambda: "### Day 1\n" + _fill("March 4, 2024 11/22/18 01.11.22 4th Jan. 2021 Feruary 3 "),
    "dates in one heading": lambda: "### Day 1 " + _fill("Feruary 3, 2021 11/22/18 "),
    "links": lambda: "### Day 1: March 4, 2024\n**Links**\n"
    + _fill("[a](https://x.y/a) [b](src/b.py) ![](c.png) "),
    "brackets": lambda: "### Day 1: March 4, 2024\n" + _fill("[[[[(((("),
    "unclosed links": lambda: "### Day 1: March 4, 2024\n" + _fill("[a](b[a](b"),
    "nested lists": lambda: "### Day 1: March 4, 2024\n"
    + "".join("  " * (i % 200) + "- item\n" for i in range(60000))[:TWO_MB],
    "comments": lambda: "### Day 1: March 4, 2024\n" + _fill("<!-- ### Day 2 -->"),
    "open comment": lambda: "### Day 1: March 4, 2024\na\n<!--" + _fill("### Day 2\n"),
    "one long line": lambda: "### Day 1: March 4, 2024\n" + _fill("é🎉 day 5 march 3 "),
    "one long heading": lambda: "### Day 1 " + _fill("é🎉 day 5 march 3 "),
    "labels": lambda: "### Day 1: March 4, 2024\n" + _fill("**Thoughts:** x\n"),
    "hashes": lambda: _fill("#"),
    "emphasis": lambda: "### Day 1: March 4, 2024\n" + _fill("**__*_"),
}


def _parse_seconds(text) -> float:
    # CPU time of this process: the machine running the tests may be shared and busy.
    began = time.process_time()
    try:
        parse_markdown_log(text, start=datetime.date(2024, 1, 1))
    except LogError as error:
        assert error.reason
    return time.process_time() - began


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_no_parse_is_slower_than_linear_up_to_the_upload_limit(name):
    """Twice the text takes about twice the time (a quadratic parse takes four times as long),
    and the largest upload is parsed in well under a worker's timeout. The slowest case,
    ``labels`` (131,072 label lines), took 0.95 s of CPU on a machine twice as slow as usual,
    where a bound of one second failed CI; the time's shape is what tells a linear parse."""
    text = PATHOLOGICAL[name]()
    assert len(text.encode()) <= TWO_MB + 64
    full = _parse_seconds(text)
    assert full < 3.0, f"{name}: {full:.2f} s"
    half = _parse_seconds(text[: len(text) // 2])
    assert full < 3 * half + 0.05, f"{name}: {full:.2f} s for 2 MB, {half:.2f} s for 1 MB"

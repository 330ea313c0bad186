"""The hand-written corpus of real-shaped logs: each file beside its expected result.

``samples/corpus/NN-name.md`` is read by the Markdown reader and compared with
``NN-name.expected.json``, written by hand: per round its title, number, entries, first and
last date, rule and the notes the preview shows (``kind:line``); or the refusal's line and
words. See ``samples/corpus/README.md``.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from journal.logs import LogError, parse_upload

CORPUS = Path(__file__).resolve().parent / "samples" / "corpus"
FILES = sorted(CORPUS.glob("*.md"))
FILES = [path for path in FILES if path.name != "README.md"]


def _note(note) -> str:
    return f"{note.kind}:{note.line}" if note.line else note.kind


def test_the_corpus_has_at_least_twenty_logs_each_with_its_expected_result():
    assert len(FILES) >= 20
    for path in FILES:
        assert path.with_suffix(".expected.json").exists(), path.name


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_each_log_of_the_corpus_reads_as_expected(path):
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    start = datetime.date.fromisoformat(expected["start"]) if "start" in expected else None
    raw = path.read_bytes()
    if "error" in expected:
        with pytest.raises(LogError) as raised:
            parse_upload(raw, path.name, start)
        assert raised.value.line == expected["error"]["line"]
        assert expected["error"]["contains"] in raised.value.reason
        return
    log = parse_upload(raw, path.name, start)
    assert log.date_order == expected.get("date_order", "")
    assert log.date_orders == expected.get("date_orders", [])
    got = [
        {
            "title": r.title,
            "number": r.number,
            "entries": len(r.entries),
            "first": r.entries[0].date.isoformat(),
            "last": r.entries[-1].date.isoformat(),
            "rule": r.rule,
            "notes": sorted(_note(n) for n in r.notes),
        }
        for r in log.rounds
    ]
    want = [{**r, "number": r.get("number"), "notes": sorted(r["notes"])} for r in expected["rounds"]]
    assert got == want

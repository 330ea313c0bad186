"""The versioned JSON export (journal.logs): exact shape, strict reading, round trip."""

from __future__ import annotations

import datetime
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.logs import (
    EntryData,
    LinkData,
    LogData,
    LogError,
    RoundData,
    parse_json,
    parse_upload,
    write_json,
)
from journal.rules import CALENDAR, OFFICIAL

D = datetime.date


def a_log() -> LogData:
    return LogData(
        profile={"display_name": "Ada", "handle": "ada", "time_zone": "Europe/Madrid", "rollover_hour": 3},
        rounds=[
            RoundData(
                number=1,
                title="Round one",
                start_date=D(2024, 3, 4),
                target=100,
                rule=OFFICIAL,
                visibility="public",
                description="My *first* round",
                entries=[
                    EntryData(D(2024, 3, 5), 2, progress="second", tags=["django"], minutes=30),
                    EntryData(
                        D(2024, 3, 4),
                        1,
                        title="Start",
                        progress="first 🎉",
                        thoughts="ok",
                        links=[LinkData("https://example.com/a", "A")],
                    ),
                ],
            )
        ],
    )


def document(**changes) -> dict:
    data = json.loads(write_json(a_log()))
    data.update(changes)
    return data


def refused(data) -> LogError:
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(LogError) as raised:
        parse_json(text)
    return raised.value


def test_the_export_has_a_fixed_shape_with_entries_sorted_by_date():
    text = write_json(a_log())
    data = json.loads(text)
    assert list(data) == ["format", "version", "profile", "rounds"]
    assert (data["format"], data["version"]) == ("hundreddays", 1)
    assert list(data["profile"]) == ["display_name", "handle", "time_zone", "rollover_hour"]
    round = data["rounds"][0]
    assert list(round) == [
        "number", "title", "start_date", "target", "rule", "visibility", "description", "entries",
    ]  # fmt: skip
    assert round["start_date"] == "2024-03-04"
    assert [entry["date"] for entry in round["entries"]] == ["2024-03-04", "2024-03-05"]
    assert list(round["entries"][0]) == [
        "date", "day", "title", "progress", "thoughts", "minutes", "tags", "links",
    ]  # fmt: skip
    assert round["entries"][0]["links"] == [{"url": "https://example.com/a", "label": "A"}]
    assert "first 🎉" in text  # not escaped
    assert text.startswith('{\n  "format": "hundreddays",\n')


def test_exported_at_is_written_only_when_given_and_read_back_quietly():
    moment = datetime.datetime(2024, 3, 6, 12, 0, tzinfo=datetime.UTC)
    text = write_json(a_log(), exported_at=moment)
    assert json.loads(text)["exported_at"] == "2024-03-06T12:00:00+00:00"
    assert write_json(parse_json(text)) == write_json(a_log())


def test_reading_gives_back_the_data():
    log = parse_json(write_json(a_log()))
    assert log.profile == a_log().profile
    round = log.rounds[0]
    assert (round.number, round.title, round.start_date, round.visibility) == (
        1,
        "Round one",
        D(2024, 3, 4),
        "public",
    )
    assert round.entries[0] == EntryData(
        D(2024, 3, 4),
        1,
        title="Start",
        progress="first 🎉",
        thoughts="ok",
        links=[LinkData("https://example.com/a", "A")],
    )


def test_an_upload_named_json_or_starting_with_a_brace_is_read_as_json():
    raw = write_json(a_log()).encode()
    assert parse_upload(raw, "export.json").rounds[0].title == "Round one"
    assert parse_upload(b"\xef\xbb\xbf  " + raw, "").rounds[0].title == "Round one"
    with pytest.raises(LogError, match="not valid JSON"):
        parse_upload(b"# not json", "export.JSON")


def test_optional_fields_take_their_defaults():
    log = parse_json(
        '{"format": "hundreddays", "version": 1, "rounds": [{"start_date": "2024-01-01",'
        ' "entries": [{"date": "2024-01-01", "progress": "x"}]}]}'
    )
    round = log.rounds[0]
    assert (round.number, round.target, round.rule, round.visibility, log.profile) == (
        None, 100, OFFICIAL, "private", {},
    )  # fmt: skip
    assert round.entries[0] == EntryData(D(2024, 1, 1), None, progress="x")


def test_a_file_of_another_kind_is_refused():
    for data in ({"format": "other", "version": 1, "rounds": []}, {"rounds": []}, [], "text", 3):
        assert refused(json.dumps(data)).reason == "not a Hundred Days export"


def test_another_version_is_refused():
    assert refused(document(version=2)).reason == "unsupported export version 2 (this app reads version 1)"
    assert "unsupported export version" in refused(document(version="1")).reason
    assert "unsupported export version" in refused(document(version=True)).reason


def test_invalid_json_is_refused_with_its_line():
    e = refused('{\n  "format": "hundreddays",\n  "version": 1,\n  "rounds": [,]\n}')
    assert e.line == 4
    assert e.reason.startswith("this is not valid JSON")
    assert str(e).startswith("line 4: ")


def test_deep_nesting_and_huge_numbers_are_refused():
    assert refused("[" * 100_000 + "]" * 100_000).reason == "the JSON is nested too deeply"
    big = '{"format": "hundreddays", "version": 1, "rounds": [{"target": ' + "9" * 5000 + "}]}"
    assert refused(big).reason == "a number in the file is too large"
    assert "target" in refused(document(rounds=[{"start_date": "2024-01-01", "target": 10**30}])).reason
    assert "NaN" in refused('{"format": "hundreddays", "version": NaN}').reason


@pytest.mark.parametrize(
    ("round", "words"),
    [
        ({"start_date": "2024-01-01", "target": 0}, ['"target"', "1 to 366"]),
        ({"start_date": "2024-01-01", "target": 367}, ['"target"', "1 to 366"]),
        ({"start_date": "2024-01-01", "target": 50.0}, ['"target"']),
        ({"start_date": "2024-01-01", "rule": "lunar"}, ['"rule"', "official, calendar"]),
        ({"start_date": "2024-01-01", "visibility": "secret"}, ['"visibility"']),
        ({"start_date": "2024-13-01"}, ['"start_date"', "2024-13-01"]),
        ({"start_date": "20240101"}, ['"start_date"']),
        ({"start_date": "2024-01-01", "title": 5}, ['"title"', "must be text"]),
        ({"start_date": "2024-01-01", "entries": {}}, ['"entries"', "must be a list"]),
        ({"start_date": "2024-01-01", "entries": [{"progress": "x"}]}, ["entry 1", '"date" is missing']),
        ({"start_date": "2024-01-01", "entries": [{"date": "2024-01-01"}]}, ['"progress" is missing']),
        ({"start_date": "2024-01-01", "entries": [{"date": "2024-01-01", "progress": None}]}, ['"progress"']),
        (
            {
                "start_date": "2024-01-01",
                "entries": [{"date": "2024-01-01", "progress": "x", "minutes": 2000}],
            },
            ['"minutes"'],
        ),
        (
            {"start_date": "2024-01-01", "entries": [{"date": "2024-01-01", "progress": "x", "day": 0}]},
            ['"day"'],
        ),
        (
            {"start_date": "2024-01-01", "entries": [{"date": "2024-01-01", "progress": "x", "tags": [1]}]},
            ['"tags"'],
        ),
        (
            {
                "start_date": "2024-01-01",
                "entries": [{"date": "2024-01-01", "progress": "x", "links": [{"url": "ftp://x"}]}],
            },
            ["link 1", '"url"', "http"],
        ),
        (
            {
                "start_date": "2024-01-01",
                "entries": [{"date": "2024-01-01", "progress": "x"}, {"date": "2024-01-01", "progress": "y"}],
            },
            ["2024-01-01 has two entries"],
        ),
        (
            {"start_date": "2024-01-05", "entries": [{"date": "2024-01-01", "progress": "x"}]},
            ["before the start"],
        ),
        ({"start_date": None, "entries": [{"date": "2024-01-01", "progress": "x"}]}, ['"start_date"']),
        ({"start_date": "2024-01-01", "description": "a\x00b"}, ['"description"', "NUL"]),
        ("a round", ["round 1 must be an object"]),
    ],
)
def test_wrong_values_are_refused_with_a_clear_reason(round, words):
    e = refused(document(rounds=[round]))
    assert e.line is None
    for word in words:
        assert word in e.reason


def test_a_wrong_profile_is_refused():
    assert '"rollover_hour"' in refused(document(profile={"rollover_hour": 9})).reason
    assert '"handle"' in refused(document(profile={"handle": ["x"]})).reason
    assert "the profile must be an object" in refused(document(profile=[])).reason


def test_a_repeated_round_number_is_refused():
    rounds = [{"number": 2, "start_date": "2024-01-01"}, {"number": 2, "start_date": "2025-01-01"}]
    assert refused(document(rounds=rounds)).reason == "round number 2 appears twice"


# --- round-trip property ------------------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
_URL = st.text(string.printable.strip(), max_size=20).map(lambda path: "https://example.com/" + path)


@st.composite
def entries(draw, start: D) -> list[EntryData]:
    offsets = sorted(draw(st.sets(st.integers(0, 365), min_size=1, max_size=25)))
    texts = draw(st.lists(_TEXT, min_size=1, max_size=5))

    def pick():
        return texts[draw(st.integers(0, len(texts) - 1))]

    return [
        EntryData(
            date=start + datetime.timedelta(days=offset),
            day=draw(st.one_of(st.none(), st.integers(1, 366))),
            title=pick()[:120],
            progress=pick(),
            thoughts=pick(),
            links=draw(st.lists(st.builds(LinkData, url=_URL, label=st.just(pick()[:120])), max_size=2)),
            minutes=draw(st.one_of(st.none(), st.integers(0, 1440))),
            tags=draw(st.lists(st.text(string.ascii_lowercase, min_size=1, max_size=10), max_size=3)),
        )
        for offset in offsets
    ]


@st.composite
def logs(draw) -> LogData:
    rounds = []
    for number in draw(st.sets(st.integers(1, 50), max_size=2)):
        start = draw(st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 1, 1)))
        rounds.append(
            RoundData(
                number=number,
                title=draw(_TEXT),
                start_date=start,
                target=draw(st.integers(1, 366)),
                rule=draw(st.sampled_from([OFFICIAL, CALENDAR])),
                visibility=draw(st.sampled_from(["public", "unlisted", "private"])),
                description=draw(_TEXT),
                entries=draw(st.one_of(st.just([]), entries(start))),
            )
        )
    profile = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "display_name": _TEXT,
                "handle": st.text(string.ascii_lowercase, max_size=10),
                "time_zone": st.sampled_from(["UTC", "Europe/Madrid", "America/Lima"]),
                "rollover_hour": st.integers(0, 6),
                "language": st.sampled_from(["en", "es"]),
            },
        )
    )
    return LogData(rounds=rounds, profile=profile)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_write_read_write_json_is_identical(log):
    text = write_json(log)
    back = parse_json(text)
    assert write_json(back) == text
    assert back.profile == log.profile
    for original, read in zip(log.rounds, back.rounds, strict=True):
        assert read.entries == sorted(original.entries, key=lambda entry: entry.date)

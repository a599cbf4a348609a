"""spaCy training tuples: read, lines of records, lossless round trip."""

from __future__ import annotations

import json

import pytest

from nerkit.corpus import detect_format, read, write
from nerkit.errors import FormatError


def test_reads_tuples_with_lines(resources):
    src = resources / "spacy_tuples.json"
    assert detect_format(src).name == "spacy-json"
    exs = read(src)
    assert [e.spans for e in exs] == [
        [(0, 5, "ORG"), (18, 22, "GPE")],
        [],
        [(0, 3, "PER"), (12, 17, "LOC")],
    ]
    assert exs[2].extra == {"cats": {"TRAVEL": 1.0}}
    assert [(e.source.line, e.source.record) for e in exs] == [(2, 1), (3, 2), (4, 3)]


def test_round_trip_is_lossless(resources, tmp_path, as_plain):
    src = resources / "spacy_tuples.json"
    exs = read(src)
    write(exs, tmp_path / "out.json")  # .json writes spaCy tuples
    assert json.loads((tmp_path / "out.json").read_text()) == json.loads(src.read_text())
    assert [as_plain(e) for e in read(tmp_path / "out.json")] == [as_plain(e) for e in exs]


def test_bad_record_shape_names_its_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('[\n  ["ok", {"entities": []}],\n  {"text": "not a pair"}\n]')
    with pytest.raises(FormatError) as info:
        read(p, "spacy-json")
    assert (info.value.code, info.value.line, info.value.record) == ("E002", 3, 2)


def test_truncated_array_is_invalid_json(tmp_path):
    p = tmp_path / "cut.json"
    p.write_text('[\n  ["ok", {"entities": []}],\n  ["cut", {"entit')
    with pytest.raises(FormatError) as info:
        read(p, "spacy-json")
    assert info.value.code == "E001" and info.value.line == 3

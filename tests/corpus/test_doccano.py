"""doccano: both shapes, lossless round trips."""

from __future__ import annotations

import json

import pytest

from nerkit.corpus import detect_format, read, write


@pytest.mark.parametrize("name", ["doccano_label.jsonl", "doccano_entities.jsonl"])
def test_round_trip_is_lossless(resources, tmp_path, as_plain, name):
    src = resources / name
    assert detect_format(src).name == "doccano"
    exs = read(src)
    write(exs, tmp_path / name, "doccano")
    assert [as_plain(e) for e in read(tmp_path / name)] == [as_plain(e) for e in exs]
    records = [json.loads(line) for line in src.read_text().splitlines()]
    assert [json.loads(line) for line in (tmp_path / name).read_text().splitlines()] == records


def test_both_shapes_give_the_same_spans(resources):
    by_label = read(resources / "doccano_label.jsonl")
    by_entities = read(resources / "doccano_entities.jsonl")
    assert by_label[0].spans == by_entities[0].spans == [(0, 3, "PER"), (13, 19, "LOC")]
    assert by_entities[0].span_attrs[(0, 3, "PER")] == {"id": 101}
    assert by_label[2].extra == {"id": 3, "Comments": ["checked"]}


def test_data_field_as_text(tmp_path, as_plain):
    p = tmp_path / "d.jsonl"
    p.write_text('{"id": 1, "data": "Hi Ann", "label": [[3, 6, "PER"]]}\n')
    exs = read(p, "doccano")
    assert exs[0].text == "Hi Ann" and exs[0].spans == [(3, 6, "PER")]
    write(exs, tmp_path / "o.jsonl", "doccano")
    assert json.loads((tmp_path / "o.jsonl").read_text()) == json.loads(p.read_text())

"""Plain JSONL: fields kept, spans with extra keys, lossless round trip, real data."""

from __future__ import annotations

import json

from nerkit.corpus import detect_format, read, write


def test_reads_spans_fields_meta_answer(resources):
    exs = read(resources / "jsonl_plain.jsonl")
    assert detect_format(resources / "jsonl_plain.jsonl").name == "jsonl"
    assert exs[0].spans == [(11, 19, "PRODUCT"), (24, 28, "PRICE"), (32, 38, "LOCATION")]
    assert exs[0].extra == {"id": 17}
    assert exs[0].span_attrs[(24, 28, "PRICE")] == {"text": "$650"}
    assert exs[1].spans == []
    assert (exs[2].meta, exs[2].answer) == ({"source": "reddit"}, "reject")
    assert [e.source.line for e in exs] == [1, 2, 3]
    assert exs[0].doc.text == exs[0].text and len(exs[0].doc) > 0


def test_round_trip_is_lossless(resources, tmp_path, as_plain):
    src = resources / "jsonl_plain.jsonl"
    exs = read(src)
    write(exs, tmp_path / "out.jsonl", "jsonl")
    again = read(tmp_path / "out.jsonl")
    assert [as_plain(e) for e in again] == [as_plain(e) for e in exs]
    records = [json.loads(line) for line in src.read_text().splitlines()]
    assert [
        json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()
    ] == records


def test_new_spans_get_their_text(resources, tmp_path):
    ex = read(resources / "jsonl_plain.jsonl")[1]
    ex.spans = [(3, 11, "X")]
    write([ex], tmp_path / "o.jsonl")
    rec = json.loads((tmp_path / "o.jsonl").read_text())
    assert rec["spans"] == [{"start": 3, "end": 11, "label": "X", "text": "entities"}]


def test_custom_tokenizer_is_used(resources):
    from nerkit.tokens import Doc

    def one_token(text: str) -> Doc:
        return Doc(text, [0], [len(text)])

    exs = read(resources / "jsonl_plain.jsonl", tokenizer=one_token)
    assert all(len(e.doc) == 1 for e in exs)


def test_hardwareswap_reads(shared_data):
    exs = read(shared_data("hardwareswap", "hardwareswap_annotated.jsonl"))
    assert len(exs) == 4 and sum(len(e.spans) for e in exs) == 26
    assert exs[0].meta == {"source_notebook": "First Model Testing.ipynb"}

"""Prodigy JSONL: given tokens, answers, kept fields, lossless round trip, real data."""

from __future__ import annotations

import json

from nerkit.corpus import accepted, detect_format, read, write


def test_reads_tokens_spans_answers(resources):
    src = resources / "prodigy_brands.jsonl"
    assert detect_format(src).name == "prodigy"
    exs = read(src)
    first = exs[0]
    assert first.doc.words[4] == "\n\n"  # spaCy's whitespace token kept as a token
    assert first.spans == [(7, 14, "BRAND"), (21, 31, "BRAND")]
    assert first.span_attrs[(21, 31, "BRAND")] == {
        "text": "Ann Taylor",
        "source": "en_core_web_sm",
        "input_hash": 1,
    }
    # "_view_id" says the kind of the answer (ner_manual: complete); it is not a kept field.
    assert first.extra == {"_input_hash": 1, "_task_hash": 2, "_session_id": None}
    assert [e.kind for e in exs] == ["complete"] * 4
    assert exs[1].spans == []  # no "spans" key: no entities
    assert [e.answer for e in exs] == ["accept", "accept", "reject", "ignore"]
    assert [e.text for e in accepted(exs)] == [exs[0].text, exs[1].text]
    assert exs[3].token_attrs == [{"ws": True}, {"ws": True}]


def test_round_trip_is_lossless(resources, tmp_path, as_plain):
    src = resources / "prodigy_brands.jsonl"
    exs = read(src)
    write(exs, tmp_path / "out.jsonl", "prodigy")
    again = read(tmp_path / "out.jsonl")
    assert [as_plain(e) for e in again] == [as_plain(e) for e in exs]
    before = [json.loads(line) for line in src.read_text().splitlines()]
    after = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    before[1]["spans"] = []  # an absent "spans" is written as []
    for rec in before[1:]:  # and the kind is always said: complete is Prodigy's ner_manual
        rec["_view_id"] = "ner_manual"
    assert after == before


def test_fashion_brands_round_trip(shared_data, tmp_path, as_plain):
    src = shared_data("fashion_brands", "fashion_brands_eval.jsonl")
    exs = read(src)
    assert len(exs) == 500 and sum(len(e.spans) for e in exs) == 238
    write(exs, tmp_path / "out.jsonl", "prodigy")
    assert [as_plain(e) for e in read(tmp_path / "out.jsonl")] == [as_plain(e) for e in exs]
    for line_in, line_out in zip(
        src.read_text().splitlines(), (tmp_path / "out.jsonl").read_text().splitlines()
    ):
        a, b = json.loads(line_in), json.loads(line_out)
        a.setdefault("spans", [])
        assert a == b


def test_drugs_reads(shared_data):
    exs = read(shared_data("drugs", "drugs_training.jsonl"))
    assert len(exs) == 1477 and sum(len(e.spans) for e in exs) == 1105
    assert {label for e in exs for label in e.labels} == {"DRUG"}

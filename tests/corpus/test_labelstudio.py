"""Label Studio: chosen annotation, cancelled tasks, UTF-16 offsets, lossless round trip."""

from __future__ import annotations

import json

from nerkit.corpus import accepted, detect_format, read, write


def test_reads_tasks(resources):
    src = resources / "labelstudio_export.json"
    assert detect_format(src).name == "labelstudio"
    exs = read(src)
    assert exs[0].spans == [(0, 3, "PER"), (13, 19, "LOC")]
    assert exs[0].extra["id"] == 1
    assert exs[0].span_attrs[(0, 3, "PER")]["id"] == "a1"
    # offsets in UTF-16 units (the emoji counts twice) are converted to characters
    ex = exs[1]
    assert [ex.text[s:e] for s, e, _ in ex.spans] == ["Pixel 7", "Google"]
    assert [e.answer for e in exs] == ["accept", "accept", "ignore"]
    assert len(accepted(exs)) == 2
    assert exs[1].source.line > exs[0].source.line > 1


def test_round_trip_is_lossless(resources, tmp_path, as_plain):
    src = resources / "labelstudio_export.json"
    exs = read(src)
    write(exs, tmp_path / "out.json", "labelstudio")
    assert [as_plain(e) for e in read(tmp_path / "out.json")] == [as_plain(e) for e in exs]
    assert json.loads((tmp_path / "out.json").read_text()) == json.loads(src.read_text())


def test_examples_from_other_formats_become_tasks(resources, tmp_path):
    exs = read(resources / "jsonl_plain.jsonl")
    write(exs, tmp_path / "ls.json", "labelstudio")
    tasks = json.loads((tmp_path / "ls.json").read_text())
    first = tasks[0]["annotations"][0]["result"][0]
    assert first["type"] == "labels" and first["value"]["labels"] == ["PRODUCT"]
    assert first["value"]["text"] == "RTX 3080"
    again = read(tmp_path / "ls.json")
    assert [e.spans for e in again[:2]] == [e.spans for e in exs[:2]]
    # a rejected example becomes a cancelled annotation, which reads back as ignored
    assert tasks[2]["annotations"][0]["was_cancelled"] is True
    assert (again[2].answer, again[2].spans) == ("ignore", [])

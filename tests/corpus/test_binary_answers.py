"""Binary answers (teach, Prodigy's ner.teach) keep their kind through every reader and writer
that can say it (Prodigy ``_view_id``, plain JSONL ``kind``) and are left out of the others."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.corpus import FORMATS, Example, accepted, read, trainable, write
from nerkit.errors import FormatError
from nerkit.tokens import Doc

TEXT = "Ann met Bob in Paris."


def answers() -> list[Example]:
    doc = Doc.from_words(["Ann", "met", "Bob", "in", "Paris", "."], [True] * 4 + [False] * 2)
    return [
        Example(doc, [(0, 3, "PER"), (15, 20, "LOC")]),
        Example(doc, [(8, 11, "PER")], kind="binary"),
        Example(doc, [(15, 20, "ORG")], answer="reject", kind="binary"),
    ]


def test_the_answers_offsets_fit_their_text() -> None:
    assert answers()[0].text == TEXT


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_prodigy_view_id_says_the_kind(tmp_path: Path) -> None:
    p = tmp_path / "teach.jsonl"
    rows = [
        {"text": TEXT, "spans": [{"start": 8, "end": 11, "label": "PER"}], "_view_id": "ner",
         "answer": "accept"},
        {"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "PER"}],
         "_view_id": "ner_manual", "answer": "accept"},
        {"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "PER"}],
         "_view_id": "spans_manual", "answer": "accept"},
        {"text": TEXT, "spans": [], "answer": "accept"},
    ]  # fmt: skip
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    exs = read(p)
    assert [e.kind for e in exs] == ["binary", "complete", "complete", "complete"]
    assert all("_view_id" not in e.extra for e in exs)
    assert [e.text for e in accepted(exs)] == [TEXT] * 3  # the binary answer is no gold


@pytest.mark.parametrize("fmt", ["prodigy", "jsonl"])
def test_kind_round_trips(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert write(answers(), out, fmt) == 3
    again = read(out, fmt)
    assert [(e.spans, e.answer, e.kind) for e in again] == [
        (e.spans, e.answer, e.kind) for e in answers()
    ]
    assert len(trainable(again)) == 3 and len(accepted(again)) == 1
    if fmt == "prodigy":
        assert [r["_view_id"] for r in records(out)] == ["ner_manual", "ner", "ner"]
    else:  # complete stays the default: a complete record is written as before, without kind
        assert [r.get("kind") for r in records(out)] == [None, "binary", "binary"]
    # And detecting the format (plain JSONL with answers reads as Prodigy) keeps it too.
    assert [e.kind for e in read(out)] == ["complete", "binary", "binary"]


def test_prodigy_writes_the_kind_not_a_kept_view_id(tmp_path: Path) -> None:
    # An example read before kinds existed may still carry "_view_id" among its fields.
    ex = Example(answers()[0].doc, [(8, 11, "PER")], kind="binary", extra={"_view_id": "x"})
    write([ex], tmp_path / "p.jsonl", "prodigy")
    write([ex], tmp_path / "j.jsonl", "jsonl")
    assert records(tmp_path / "p.jsonl")[0]["_view_id"] == "ner"
    assert "_view_id" not in records(tmp_path / "j.jsonl")[0]


@pytest.mark.parametrize("fmt", ["jsonl", "prodigy"])
def test_a_bad_kind_is_a_coded_error_with_file_and_line(fmt: str, tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps({"text": TEXT}) + "\n" + json.dumps({"text": TEXT, "kind": "gold"}))
    with pytest.raises(FormatError) as err:
        read(p, fmt)
    assert (err.value.code, err.value.line, err.value.path) == ("E016", 2, str(p))
    assert "'gold'" in str(err.value) and err.value.hint


@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - {"prodigy", "jsonl"}))
def test_formats_that_cannot_say_binary_leave_it_out(fmt: str, tmp_path: Path) -> None:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    ext = {"conll": ".conll", "spacy-json": ".json", "labelstudio": ".json", "spacy": ".spacy"}
    out = tmp_path / f"out{ext.get(fmt, '.jsonl')}"
    left_out: Counter[str] = Counter()
    assert write(answers(), out, fmt, left_out=left_out) == 1
    assert left_out == {"binary": 2}
    (again,) = read(out, fmt)
    assert again.spans == answers()[0].spans and again.kind == "complete"


def test_convert_says_how_many_binary_answers_it_left_out(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write([*answers(), Example(answers()[0].doc, [], answer="ignore")], src, "prodigy")
    out = tmp_path / "out.conll"
    result = CliRunner().invoke(app, ["convert", str(src), str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 examples (2 spans: PER 1, LOC 1)" in result.output
    assert "Left out 2 binary answers (teach)" in result.output
    assert "Left out 1 rejected or ignored examples" in result.output
    kept = tmp_path / "kept.jsonl"
    result = CliRunner().invoke(app, ["convert", str(src), str(kept), "--to", "prodigy"])
    assert "Wrote 4 examples" in result.output and "Left out" not in result.output

"""Every format converts to every other with text, spans and (where recorded) answers kept."""

from __future__ import annotations

import pytest

from nerkit.corpus import FORMATS, accepted, read, write

pytest.importorskip("spacy")

EXT = {
    "conll": ".conll",
    "prodigy": ".jsonl",
    "jsonl": ".jsonl",
    "spacy-json": ".json",
    "doccano": ".jsonl",
    "labelstudio": ".json",
    "spacy": ".spacy",
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_prodigy_to_each_format_and_back(resources, tmp_path, fmt):
    exs = accepted(read(resources / "prodigy_brands.jsonl"))
    out = tmp_path / f"out{EXT[fmt]}"
    assert write(exs, out, fmt) == len(exs)
    again = read(out, fmt)
    if fmt == "conll":  # CoNLL text is the words joined by spaces
        assert [e.doc.words for e in again] == [
            [w for w in e.doc.words if not w.isspace()] for e in exs
        ]
        assert [[e.text[s:t] for s, t, _ in e.spans] for e in again] == [
            [e.text[s:t] for s, t, _ in e.spans] for e in exs
        ]
    else:
        assert [(e.text, e.spans) for e in again] == [(e.text, e.spans) for e in exs]


@pytest.mark.parametrize("fmt", ["conll", "spacy-json", "doccano"])
def test_formats_without_answers_get_only_accepted(resources, tmp_path, fmt):
    exs = read(resources / "prodigy_brands.jsonl")
    assert write(exs, tmp_path / f"o{EXT[fmt]}", fmt) == 2

"""spaCy DocBin: round trips through spaCy, and a clear error without spaCy."""

from __future__ import annotations

import sys

import pytest

from nerkit.corpus import read, write
from nerkit.errors import FormatError, OptionalDependencyError

pytest.importorskip("spacy")


def test_round_trip_is_lossless(resources, tmp_path, as_plain):
    exs = read(resources / "prodigy_brands.jsonl")
    write(exs, tmp_path / "out.spacy")
    again = read(tmp_path / "out.spacy")
    # Prodigy's tokens came from spaCy, so the docs come back token for token
    keep = ("text", "tokens", "spans", "answer", "meta")
    assert [{k: as_plain(e)[k] for k in keep} for e in again] == [
        {k: as_plain(e)[k] for k in keep} for e in exs
    ]
    assert again[0].extra == exs[0].extra
    assert again[2].source.record == 3


def test_multiple_spaces_become_whitespace_tokens(tmp_path):
    from nerkit.corpus import Example
    from nerkit.tokens import Doc

    doc = Doc("  Hi  Ann\n", [2, 6], [4, 9])
    write([Example(doc, [(6, 9, "PER")])], tmp_path / "a.spacy")
    (ex,) = read(tmp_path / "a.spacy")
    assert ex.text == "  Hi  Ann\n" and ex.spans == [(6, 9, "PER")]
    assert ex.doc.words == ["  ", "Hi", " ", "Ann", "\n"]


def test_spacy_docs_are_read(tmp_path):
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    sdoc = nlp("Ann lives in New York.")
    sdoc.ents = [sdoc.char_span(0, 3, "PER"), sdoc.char_span(13, 21, "GPE")]
    DocBin(docs=[sdoc]).to_disk(tmp_path / "s.spacy")
    (ex,) = read(tmp_path / "s.spacy")
    assert ex.doc.words == [t.text for t in sdoc]
    assert ex.spans == [(0, 3, "PER"), (13, 21, "GPE")]


def test_corrupt_file_is_a_format_error(tmp_path):
    p = tmp_path / "bad.spacy"
    p.write_bytes(b"\x00\x01not a docbin")
    with pytest.raises(FormatError) as info:
        read(p)
    assert info.value.code == "E013"


def test_missing_spacy_gives_an_install_hint(tmp_path, monkeypatch, resources):
    exs = read(resources / "jsonl_plain.jsonl")
    write(exs, tmp_path / "a.spacy")
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy now raises ImportError
    with pytest.raises(OptionalDependencyError) as info:
        read(tmp_path / "a.spacy")
    assert "pip install 'nerkit[spacy]'" in str(info.value)
    assert "Reading .spacy files" in str(info.value)


def test_reading_other_formats_does_not_import_spacy(resources, imported_by):
    code = f"from nerkit.corpus import read; read({str(resources / 'conll_iob2.txt')!r})"
    assert imported_by(code, ["spacy"]) == set()

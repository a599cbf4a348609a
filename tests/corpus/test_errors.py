"""Section 9: every broken input gets a nerkit error with a code, the file, the line and a fix."""

from __future__ import annotations

import pytest

from nerkit.corpus import read
from nerkit.errors import FormatError, NerkitError, SpanError, TagError


def _raises(exc: type[NerkitError], path, fmt=None) -> NerkitError:
    with pytest.raises(exc) as info:
        read(path, fmt)
    err = info.value
    assert err.path == str(path)
    assert err.hint, "every error says what to do"
    return err


def test_malformed_json_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "ok", "spans": []}\n{"text": "broken\n{"text": "fine"}\n')
    err = _raises(FormatError, p, "jsonl")
    assert (err.code, err.line) == ("E001", 2)
    assert "bad.jsonl:2" in str(err)


def test_malformed_json_line_when_detecting(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "ok"}\n{"text": \n')
    err = _raises(FormatError, p)
    assert (err.code, err.line) == ("E001", 2)


def test_span_past_the_end_of_its_text(tmp_path):
    p = tmp_path / "long.jsonl"
    p.write_text(
        '{"text": "ok"}\n{"text": "Hi Ann", "spans": [{"start": 3, "end": 9, "label": "PER"}]}\n'
    )
    err = _raises(SpanError, p, "jsonl")
    assert (err.code, err.line, err.offset) == ("E020", 2, 3)
    assert "past the end" in str(err)


def test_span_past_the_end_is_kept_when_not_strict(tmp_path):
    p = tmp_path / "long.jsonl"
    p.write_text('{"text": "Hi Ann", "spans": [{"start": 3, "end": 9, "label": "PER"}]}\n')
    (ex,) = read(p, "jsonl", strict=False)
    assert ex.spans == [(3, 9, "PER")]


def test_reversed_span(tmp_path):
    p = tmp_path / "rev.json"
    p.write_text('[["Hi Ann", {"entities": [[6, 3, "PER"]]}]]')
    err = _raises(SpanError, p)
    assert (err.code, err.line, err.record) == ("E021", 1, 1)


def test_unknown_tag(tmp_path):
    p = tmp_path / "t.conll"
    p.write_text("Ann B-PER\nsmiled X\n")
    err = _raises(TagError, p)
    assert (err.code, err.line) == ("E111", 2)


def test_mixed_tag_schemes(tmp_path):
    p = tmp_path / "t.conll"
    p.write_text("Ann I-PER\nsmiled O\n\nBob O\nB-PER B-PER\n")
    err = _raises(TagError, p)
    assert err.code == "E116" and err.line == 5
    assert "IOB1" in str(err) and "--scheme" in str(err)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
@pytest.mark.parametrize("name", ["e.jsonl", "e.conll", "e.json", "e.txt", "e.spacy"])
def test_empty_file(tmp_path, content, name):
    p = tmp_path / name
    p.write_bytes(content)
    err = _raises(FormatError, p)
    assert err.code == "E005"


def test_empty_json_array(tmp_path):
    p = tmp_path / "e.json"
    p.write_text("[]")
    err = _raises(FormatError, p)
    assert err.code == "E005"


@pytest.mark.parametrize("name", ["b.jsonl", "b.conll", "b.txt"])
def test_binary_file(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    err = _raises(FormatError, p)
    assert err.code == "E006" and "binary" in str(err)


def test_non_utf8_text(tmp_path):
    p = tmp_path / "latin1.conll"
    p.write_bytes("Ann B-PER\nM\u00fcnchen B-LOC\n".encode("latin-1"))
    err = _raises(FormatError, p)
    assert err.code == "E006" and err.line == 2 and "UTF-8" in str(err)


def test_missing_file(tmp_path):
    err = _raises(FormatError, tmp_path / "nope.jsonl")
    assert err.code == "E008"


def test_directory(tmp_path):
    err = _raises(FormatError, tmp_path)
    assert err.code == "E009"


def test_missing_text_field(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text('{"text": "a"}\n{"txt": "b"}\n')
    err = _raises(FormatError, p, "jsonl")
    assert (err.code, err.line) == ("E003", 2) and "'text'" in str(err)


def test_wrong_field_type(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text('{"text": 5}\n')
    err = _raises(FormatError, p, "jsonl")
    assert (err.code, err.line) == ("E004", 1)


def test_unknown_answer(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text('{"text": "a", "answer": "maybe"}\n')
    err = _raises(FormatError, p, "prodigy")
    assert err.code == "E016" and "maybe" in str(err)


def test_tokens_that_do_not_match_the_text(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text(
        '{"text": "Hi Ann", "tokens": [{"text": "Hi", "start": 0, "end": 2}, '
        '{"text": "Ann", "start": 2, "end": 5}]}\n'
    )
    err = _raises(FormatError, p, "prodigy")
    assert (err.code, err.line) == ("E010", 1)


def test_unknown_format_name(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"text": "a"}\n')
    with pytest.raises(FormatError) as info:
        read(p, "brat")
    assert info.value.code == "E007" and "conll" in str(info.value)


def test_undetectable_record(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"sentence": "a"}\n')
    err = _raises(FormatError, p)
    assert err.code == "E007" and "sentence" in str(err)

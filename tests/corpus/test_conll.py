"""CoNLL: schemes, documents, extra columns, lossless round trips, real CoNLL-2003."""

from __future__ import annotations

import pytest

from nerkit.corpus import read, write
from nerkit.errors import FormatError, TagError


def test_reads_iob2_with_documents_and_columns(resources):
    exs = read(resources / "conll_iob2.txt", "conll")
    assert [e.text for e in exs] == [
        "EU rejects German call .",
        "Peter Blackburn",
        "New York City and Boston",
    ]
    assert exs[0].spans == [(0, 2, "ORG"), (11, 17, "MISC")]
    assert exs[2].spans == [(0, 13, "LOC"), (18, 24, "LOC")]
    assert exs[0].doc.words == ["EU", "rejects", "German", "call", "."]
    assert [e.meta.get("doc_start", False) for e in exs] == [True, False, True]
    assert [e.meta["doc_id"] for e in exs] == [0, 0, 1]
    assert exs[0].extra["conll_columns"][0] == ["NNP", "B-NP"]
    # 1-based line of each sentence's first token
    assert [e.source.line for e in exs] == [3, 9, 14]


@pytest.mark.parametrize(
    "name, scheme",
    [
        ("conll_iob2.txt", "IOB2"),
        ("conll_iob1.tsv", "IOB1"),
        ("conll_bioes.conll", "BIOES"),
        ("conll_biluo.conll", "BILUO"),
    ],
)
def test_round_trip_is_byte_identical(resources, tmp_path, name, scheme):
    src = resources / name
    out = tmp_path / name
    exs = read(src, "conll")
    assert write(exs, out, "conll", scheme=scheme) == len(exs)
    assert out.read_text() == src.read_text()


def test_schemes_give_the_same_spans(resources):
    bioes = read(resources / "conll_bioes.conll")
    biluo = read(resources / "conll_biluo.conll")
    assert [e.spans for e in bioes] == [e.spans for e in biluo]
    assert bioes[1].spans == [(0, 3, "PER"), (8, 22, "ORG")]


def test_iob1_adjacent_entities_are_split_by_b(resources):
    exs = read(resources / "conll_iob1.tsv", "conll")
    texts = [exs[0].text[s:e] for s, e, _ in exs[0].spans]
    assert texts == ["Peter Blackburn", "Ann Smith", "Bob", "Paris"]
    assert exs[0].extra["conll_sep"] == "\t"


def test_forced_scheme_is_used(tmp_path):
    p = tmp_path / "a.conll"
    p.write_text("Ann I-PER\nBob B-PER\n")
    assert read(p, scheme="IOB2")[0].spans == [(0, 3, "PER"), (4, 7, "PER")]
    assert read(p)[0].spans == [(0, 3, "PER"), (4, 7, "PER")]  # detected IOB1: same here


def test_convert_scheme_on_write(resources, tmp_path):
    exs = read(resources / "conll_biluo.conll")
    write(exs, tmp_path / "x.conll", scheme="IOB2")
    lines = (tmp_path / "x.conll").read_text().splitlines()
    assert lines[:2] == ["New B-LOC", "York I-LOC"]
    assert [e.spans for e in read(tmp_path / "x.conll")] == [e.spans for e in exs]


def test_unknown_tag_names_file_and_line(tmp_path):
    p = tmp_path / "bad.conll"
    p.write_text("Ann B-PER\nsmiled O\n\nBob PERSON\n")
    with pytest.raises(TagError) as info:
        read(p)
    err = info.value
    assert (err.code, err.line, err.path) == ("E111", 4, str(p))
    assert "PERSON" in str(err) and "B-PER" in str(err)


def test_mixed_schemes_name_both_lines(tmp_path):
    p = tmp_path / "mixed.conll"
    p.write_text("Ann S-PER\nsmiled O\n\nBob U-PER\n")
    with pytest.raises(TagError) as info:
        read(p)
    assert info.value.code == "E116"
    assert info.value.line == 4 and "line 1" in str(info.value)


def test_broken_bioes_sequence_points_at_the_line(tmp_path):
    p = tmp_path / "broken.conll"
    p.write_text("x O\n\nNew B-LOC\nYork O\n")
    with pytest.raises(TagError) as info:
        read(p, scheme="BIOES")
    assert info.value.code == "E115" and info.value.line == 4


def test_ragged_columns_are_an_error(tmp_path):
    p = tmp_path / "ragged.conll"
    p.write_text("Ann NNP B-PER\nsmiled O\n")
    with pytest.raises(FormatError) as info:
        read(p)
    assert (info.value.code, info.value.line) == ("E011", 2)


def test_txt_is_detected_as_conll_by_content(resources, tmp_path):
    assert len(read(resources / "conll_iob2.txt")) == 3
    prose = tmp_path / "prose.txt"
    prose.write_text("Just some words here.\nAnd more of them.\n")
    with pytest.raises(FormatError) as info:
        read(prose)
    assert info.value.code == "E007" and "--from" in str(info.value)


def test_conll2003_valid_round_trip(shared_data, tmp_path):
    src = shared_data("conll2003", "valid.txt")
    exs = read(src)
    assert len(exs) == 3250
    assert sum(len(e.doc) for e in exs) == 51362
    assert sum(len(e.spans) for e in exs) == 5942
    write(exs, tmp_path / "valid.txt", "conll")
    assert (tmp_path / "valid.txt").read_bytes() == src.read_bytes()


@pytest.mark.slow
def test_conll2003_train_counts(shared_data):
    exs = read(shared_data("conll2003", "train.txt"))
    assert (len(exs), sum(len(e.doc) for e in exs), sum(len(e.spans) for e in exs)) == (
        14041,
        203621,
        23499,
    )

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nerkit.errors import SpanError
from nerkit.tokens import Doc, Span, align_spans, char_span


def make_doc() -> Doc:
    #       0123456789012345678901
    text = "Visit New York, now!"
    return Doc(text, [0, 6, 10, 14, 16, 19], [5, 9, 14, 15, 19, 20])


def test_doc_views():
    doc = make_doc()
    assert len(doc) == 6
    assert [t.text for t in doc] == ["Visit", "New", "York", ",", "now", "!"]
    assert doc[1].start_char == 6 and doc[1].end_char == 9 and doc[1].whitespace_ == " "
    assert doc[2].whitespace_ == "" and doc[-1].text == "!"
    assert "".join(t.text_with_ws for t in doc) == doc.text
    assert doc[1:3].text == "New York"
    with pytest.raises(IndexError):
        doc[6]


def test_from_words_round_trip():
    doc = Doc.from_words(["EU", "rejects", "German", "call"])
    assert doc.text == "EU rejects German call"
    assert doc.words == ["EU", "rejects", "German", "call"]


def test_offsets_are_checked():
    with pytest.raises(SpanError, match="overlaps"):
        Doc("abcdef", [0, 2], [3, 6])
    with pytest.raises(SpanError, match="outside the text"):
        Doc("abc", [0], [4])
    with pytest.raises(SpanError, match="empty or reversed"):
        Doc("abc", [1], [1])


def test_ents_sorted_and_non_overlapping():
    doc = make_doc()
    doc.ents = [Span.from_tokens(doc, 4, 5, "TIME"), Span.from_tokens(doc, 1, 3, "LOC")]
    assert [(e.text, e.label) for e in doc.ents] == [("New York", "LOC"), ("now", "TIME")]
    with pytest.raises(SpanError, match="overlap"):
        doc.ents = [Span.from_tokens(doc, 1, 3, "LOC"), Span.from_tokens(doc, 2, 3, "LOC")]


def test_strict_alignment_and_report():
    doc = make_doc()
    spans, report = align_spans(doc, [(6, 14, "LOC"), (7, 14, "LOC"), (6, 15, "LOC"), (5, 9, "X")])
    assert [(s.text, s.start, s.end) for s in spans] == [("New York", 1, 3), ("New York,", 1, 4)]
    assert [(m.start, m.end) for m in report] == [(7, 14), (5, 9)]
    assert report[0].nearest == (6, 14) and report[0].nearest_text(doc) == "New York"
    assert "not a token start" in report[0].reason
    # a leading space contracts to the word
    assert report[1].nearest_text(doc) == "New"


def test_contract_and_expand_modes():
    doc = make_doc()
    assert char_span(doc, 7, 14, "LOC", mode="expand").text == "New York"
    assert char_span(doc, 7, 14, "LOC", mode="contract").text == "York"
    assert char_span(doc, 7, 14, "LOC") is None


def test_span_past_end_is_an_error():
    with pytest.raises(SpanError, match="past the end"):
        align_spans(make_doc(), [(10, 30, "LOC")])


@given(st.lists(st.text(alphabet="ab,. é\n", min_size=1, max_size=6), max_size=20))
def test_whitespace_split_docs_round_trip(chunks):
    text = " ".join(chunks)
    starts, ends = [], []
    pos = 0
    for chunk in text.split(" "):
        stripped = chunk
        if stripped and not stripped.isspace():
            starts.append(pos)
            ends.append(pos + len(chunk))
        pos += len(chunk) + 1
    doc = Doc(text, starts, ends)
    assert np.all(np.diff(doc.starts) > 0)
    for tok in doc:
        assert text[tok.start_char : tok.end_char] == tok.text
        sp = char_span(doc, tok.start_char, tok.end_char, "X")
        assert sp is not None and sp.start == tok.i

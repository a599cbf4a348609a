"""Properties that hold for any text: nothing lost, offsets increase, no empty tokens."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nerkit.tokenizer import get_tokenizer

TOK = get_tokenizer("en")
# Mix arbitrary unicode with the characters the rules care about, so rules actually fire.
TRICKY = st.sampled_from(list(" \n\t\xa0.,;:!?'\"()[]-_/$%@#*&=<>…’“0123456789aZé😀") + [
    "don't", "U.S.", "http://x.com", ":)", "Mr.", "--", "...", "3pm", "''"
])  # fmt: skip
TEXTS = st.one_of(st.text(), st.lists(st.one_of(TRICKY, st.text(max_size=3))).map("".join))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_tokens_and_whitespace_rebuild_the_text(text: str) -> None:
    doc = TOK(text)
    assert (
        "".join(w + ws for w, ws in zip(doc.words, doc.whitespace))
        == text[int(doc.starts[0]) if len(doc) else len(text) :]
    )
    if len(doc):
        assert int(doc.starts[0]) == 0
        assert int(doc.ends[-1]) <= len(text)
    else:
        assert text == ""
    assert (doc.ends > doc.starts).all()
    assert (doc.starts[1:] >= doc.ends[:-1]).all()
    assert (doc.starts[1:] > doc.starts[:-1]).all()
    # Only one plain space may separate two tokens.
    assert all(ws in ("", " ") for ws in doc.whitespace)


@settings(max_examples=100, deadline=None)
@given(TEXTS)
def test_explain_agrees_with_tokens(text: str) -> None:
    assert [t for _, t in TOK.explain(text)] == TOK(text).words

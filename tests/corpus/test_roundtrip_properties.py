"""Property: any examples written in a format and read back are the same examples."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nerkit.corpus import Example, read, write
from nerkit.tokens import Doc

WORD = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="\ufeff"
    ),
    min_size=1,
    max_size=6,
).filter(lambda w: not any(ch.isspace() for ch in w))
LABEL = st.sampled_from(["PER", "LOC", "ORG_X", "B2"])


def split_words(text: str) -> Doc:
    """A tokenizer for the test: whitespace-separated words, so tokens never depend on rules."""
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    return Doc(text, [s for s, _ in spans], [e for _, e in spans])


@st.composite
def examples(draw: st.DrawFn) -> Example:
    words = draw(st.lists(WORD, min_size=1, max_size=12))
    doc = Doc.from_words(words)
    spans = []
    i = 0
    while i < len(words):
        if draw(st.booleans()):
            j = draw(st.integers(i + 1, min(len(words), i + 3)))
            spans.append((int(doc.starts[i]), int(doc.ends[j - 1]), draw(LABEL)))
            i = j
        else:
            i += 1
    return Example(doc, spans)


EXT = {
    "jsonl": ".jsonl",
    "prodigy": ".jsonl",
    "spacy-json": ".json",
    "doccano": ".jsonl",
    "labelstudio": ".json",
    "conll": ".conll",
}


@pytest.mark.parametrize("fmt", sorted(EXT))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(examples(), min_size=1, max_size=4))
def test_write_then_read_gives_the_same_examples(fmt, batch):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"data{EXT[fmt]}"
        assert write(batch, path, fmt, scheme="BILUO" if fmt == "conll" else "IOB2") == len(batch)
        again = read(path, fmt, tokenizer=split_words)
    assert [(e.text, e.spans) for e in again] == [(e.text, e.spans) for e in batch]
    assert [e.doc.words for e in again] == [e.doc.words for e in batch]

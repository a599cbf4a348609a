"""Long docs predicted in windows: cut at paragraph and sentence ends into pieces of at most
``WINDOW_TOKENS`` tokens, predicted together, their spans mapped back onto the whole doc.

Both models decode position by position (the perceptron's greedy loop, the CRF's Viterbi and
forward-backward), so one doc of 10,000 tokens costs 10,000 sequential steps while its ten
windows, predicted as one batch, cost about 1,000. A doc of at most ``WINDOW_TOKENS`` tokens
is predicted whole, exactly as before. A window ends after a line break where there is one
in its second half, else after a sentence's final punctuation, else between two tokens
with whitespace between them, else at the limit; an entity is never cut by a window that
ends at one of the first three.

Example:
    >>> from nerkit.tokens import Doc
    >>> doc = Doc.from_words(["Ann", "met", "Bob", ".", "Bob", "left", "."])
    >>> window_bounds(doc, 5)
    [(0, 4), (4, 7)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..tokens import Doc, Span
from .base import ScoredSpan

# Long enough that paragraphs and posts are predicted whole; short enough that the steps of
# a very long text run as a batch of windows instead of one after the other.
WINDOW_TOKENS = 1024
SENTENCE_ENDS = frozenset({".", "!", "?", "...", "\u2026", "\u3002"})


def window_bounds(doc: Doc, max_tokens: int = WINDOW_TOKENS) -> list[tuple[int, int]]:
    """Token ranges ``(start, end)`` that cover ``doc`` in order, each at most
    ``max_tokens`` long (the whole doc when it fits)."""
    n = len(doc)
    if n <= max_tokens:
        return [(0, n)]
    text, starts, ends = doc.text, doc.starts, doc.ends
    # gap[i]: the whitespace after token i (before token i + 1), and what a cut there is worth.
    gaps = [text[e:s] for e, s in zip(ends[:-1].tolist(), starts[1:].tolist())]
    words = doc.words
    worth = np.zeros(n, dtype=np.int8)  # cut after token i: 3 line break, 2 sentence, 1 space
    for i, gap in enumerate(gaps):
        if "\n" in gap or "\n" in words[i]:
            worth[i] = 3
        elif gap and words[i] in SENTENCE_ENDS:
            worth[i] = 2
        elif gap or words[i].isspace():
            worth[i] = 1
    bounds: list[tuple[int, int]] = []
    a = 0
    while n - a > max_tokens:
        lo, hi = a + max(1, max_tokens // 2), a + max_tokens  # cut after a token in [lo-1, hi-1]
        part = worth[lo - 1 : hi]
        best = int(part.max())
        # The last cut of the best kind in the window's second half, else the limit.
        end = lo + int(np.flatnonzero(part == best)[-1]) if best else hi
        bounds.append((a, end))
        a = end
    bounds.append((a, n))
    return bounds


def window_doc(doc: Doc, start: int, end: int) -> Doc:
    """Tokens ``start:end`` of ``doc`` as a doc of their own: its text runs from the first
    token to the next token's start (the last token keeps its trailing whitespace)."""
    first = int(doc.starts[start])
    last = int(doc.starts[end]) if end < len(doc) else len(doc.text)
    return Doc(
        doc.text[first:last], doc.starts[start:end] - first, doc.ends[start:end] - first,
        check=False,
    )  # fmt: skip


def predict_in_windows(
    predict: Callable[[Sequence[Doc]], list[list[ScoredSpan]]],
    docs: Sequence[Doc],
    max_tokens: int = WINDOW_TOKENS,
) -> list[list[ScoredSpan]]:
    """``predict(docs)`` with each doc longer than ``max_tokens`` cut into windows
    (:func:`window_bounds`), all predicted in one call, and their spans put back onto the
    doc at their tokens' places. Docs that fit go to ``predict`` unchanged."""
    pieces: list[Doc] = []
    owners: list[tuple[int, int]] = []  # (doc index, first token of the piece in that doc)
    for i, doc in enumerate(docs):
        for start, end in window_bounds(doc, max_tokens):
            pieces.append(doc if end - start == len(doc) else window_doc(doc, start, end))
            owners.append((i, start))
    if len(pieces) == len(docs):
        return predict(docs)
    out: list[list[ScoredSpan]] = [[] for _ in docs]
    for (i, first), piece, found in zip(owners, pieces, predict(pieces)):
        if piece is docs[i]:
            out[i].extend(found)
            continue
        out[i].extend(
            ScoredSpan(
                Span.from_tokens(docs[i], first + s.span.start, first + s.span.end, s.span.label),
                s.score,
            )
            for s in found
        )
    return out

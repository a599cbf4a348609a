"""Long docs are predicted in windows and their spans mapped back (models/windows.py)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from nerkit.corpus import read
from nerkit.models import get_model_class
from nerkit.models.base import ScoredSpan
from nerkit.models.windows import WINDOW_TOKENS, predict_in_windows, window_bounds, window_doc
from nerkit.tokenizer import get_tokenizer
from nerkit.tokens import Doc, Span

RESOURCES = Path(__file__).parents[1] / "resources"
NAMES = ["Alice Smith", "Bob Jones", "Carol Diaz", "Dan Brown", "Eve Adams", "Frank Moore"]
PLACES = ["Berlin", "Madrid", "Paris", "Rome", "Lisbon", "Vienna", "Oslo"]
ORGS = ["Globex", "Initech", "Acme", "Umbrella"]


def paragraph(rng: random.Random, min_tokens: int, max_tokens: int) -> str:
    """Sentences like the tiny training data, ending in a blank line, with a token count
    (the trailing line break counted) in ``[min_tokens, max_tokens]``."""
    tokenizer = get_tokenizer("en")
    sentences: list[str] = []
    while True:
        sentence = rng.choice(
            [
                f"{rng.choice(NAMES)} flew to {rng.choice(PLACES)} on Friday.",
                f"{rng.choice(NAMES)} works for {rng.choice(ORGS)} in {rng.choice(PLACES)}.",
                f"{rng.choice(ORGS)} opened an office in {rng.choice(PLACES)}.",
                "Nothing happened that day.",
            ]
        )
        longer = " ".join([*sentences, sentence]) + "\n\n"
        if len(tokenizer(longer)) > max_tokens:
            break
        sentences.append(sentence)
    text = " ".join(sentences) + "\n\n"
    assert min_tokens <= len(tokenizer(text)) <= max_tokens
    return text


def keys(spans: Sequence[ScoredSpan], shift: int = 0) -> list[tuple[int, int, str]]:
    return [(s.span.start_char + shift, s.span.end_char + shift, s.span.label) for s in spans]


def test_bounds_cover_the_doc_in_order_each_within_the_limit() -> None:
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(0, 120)
        words = [rng.choice(["a", "b", ".", "\n\n", "c"]) for _ in range(n)]
        spaces = [rng.random() < 0.8 for _ in range(n)]
        doc = Doc.from_words(words, spaces)
        limit = rng.randint(1, 40)
        bounds = window_bounds(doc, limit)
        assert bounds[0][0] == 0 and bounds[-1][1] == n
        assert all(a < b <= a + limit for a, b in bounds) or n == 0
        assert all(b == c for (_, b), (c, _) in zip(bounds, bounds[1:]))
    assert window_bounds(Doc.from_words(["a"] * 50), 50) == [(0, 50)]


def test_windows_end_after_a_line_break_else_a_sentence_end() -> None:
    tokenizer = get_tokenizer("en")
    doc = tokenizer("One two three. Four five six seven.\n\nEight nine ten. Eleven twelve.")
    bounds = window_bounds(doc, 12)
    assert doc.words[bounds[0][1] - 1] == "\n\n"
    first, rest = bounds[0][1], doc[bounds[0][1] :]
    bounds = window_bounds(tokenizer(rest.text), 6)
    assert tokenizer(rest.text).words[bounds[0][1] - 1] == "."
    piece = window_doc(doc, 0, first)
    assert (
        piece.text == "One two three. Four five six seven.\n\n" and piece.words == doc.words[:first]
    )


def test_docs_that_fit_go_to_the_model_unchanged() -> None:
    docs = [Doc.from_words(["a"] * n) for n in (1, 5, WINDOW_TOKENS)]
    seen: list[Sequence[Doc]] = []

    def predict(batch: Sequence[Doc]) -> list[list[ScoredSpan]]:
        seen.append(batch)
        return [[ScoredSpan(Span.from_tokens(d, 0, 1, "X"), 0.5)] for d in batch]

    out = predict_in_windows(predict, docs)
    assert seen == [docs] and [keys(o) for o in out] == [[(0, 1, "X")]] * 3


@pytest.fixture(scope="module", params=["perceptron.v1", "neural.v1"])
def model(request: pytest.FixtureRequest) -> object:
    if request.param == "neural.v1":
        pytest.importorskip("torch", reason="the neural model needs torch")
        from .test_neural_contract import TINY

        settings = {**TINY, "max_epochs": 30, "seed": 1}
    else:
        settings = {"hash_rows": 2**14, "ensemble": 1, "max_epochs": 10}
    train = read(RESOURCES / "ner_tiny_train.jsonl")
    return get_model_class(request.param)(**settings).fit(train)


def test_spans_of_a_long_text_are_the_spans_of_its_parts(model: object) -> None:
    model.window_tokens = 60  # type: ignore[attr-defined]  # small windows, small test
    rng = random.Random(3)
    # Each part is longer than half a window, so every window is exactly one part.
    parts = [paragraph(rng, 31, 60) for _ in range(25)]
    tokenizer = get_tokenizer("en")
    whole = tokenizer("".join(parts))
    part_docs = [tokenizer(p) for p in parts]
    offsets = [sum(len(p) for p in parts[:k]) for k in range(len(parts))]
    assert len(whole) == sum(len(d) for d in part_docs) > 60  # the same tokens, windowed
    assert len(window_bounds(whole, 60)) == len(parts)

    (found,) = model.predict_with_scores([whole])  # type: ignore[attr-defined]
    each = model.predict_with_scores(part_docs)  # type: ignore[attr-defined]
    expected = [k for spans, at in zip(each, offsets) for k in keys(spans, at)]
    assert keys(found) == expected and len(expected) > 25
    assert [s.span.text for s in found] == [s.span.text for spans in each for s in spans]
    scores = [s.score for spans in each for s in spans]
    assert [s.score for s in found] == pytest.approx(scores, abs=1e-4)
    (plain,) = model.predict([whole])  # type: ignore[attr-defined]
    assert [(s.start_char, s.end_char, s.label) for s in plain] == expected

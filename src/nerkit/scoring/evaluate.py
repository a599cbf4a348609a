"""Run a pipeline over gold examples: scores, speed, and the list of errors."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .scores import Scores, score_spans

if TYPE_CHECKING:
    from ..corpus.example import Example
    from ..pipeline import Pipeline


@dataclass(frozen=True)
class Mistake:
    """One wrong prediction: a missed gold span (fn) or a spurious predicted one (fp)."""

    kind: str  # "fp" or "fn"
    example: int  # index of the example in the evaluated data
    start: int
    end: int
    label: str
    text: str
    other: str | None = None  # the overlapping span of the other side, e.g. "PER 'John Smith'"
    source: str | None = None  # file:line of the example


@dataclass
class Evaluation:
    """What ``evaluate`` measured: scores, speed and errors."""

    scores: Scores
    n_examples: int
    n_words: int
    seconds: float
    errors: list[Mistake] = field(default_factory=list)

    @property
    def words_per_second(self) -> float:
        return self.n_words / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self, max_errors: int = 200) -> dict[str, Any]:
        return {
            **self.scores.to_dict(),
            "examples": self.n_examples,
            "words": self.n_words,
            "seconds": round(self.seconds, 4),
            "words_per_second": round(self.words_per_second, 1),
            "errors": [e.__dict__ for e in self.errors[:max_errors]],
        }


def evaluate(nlp: Pipeline, examples: Sequence[Example], batch_size: int = 256) -> Evaluation:
    """Predict on the examples' own tokens and score against their gold character spans.

    Only the prediction is timed (tokens are the examples'), so words per second is the
    recognizer's throughput on pre-tokenized text. A few docs are predicted once, untimed,
    first: a model's first call pays one-time set-up costs (e.g. PyTorch's kernels) that
    say nothing about its throughput.

    >>> result = evaluate(nerkit.load("model"), nerkit.corpus.read("test.jsonl"))  # doctest: +SKIP
    >>> print(result.scores.f1)  # doctest: +SKIP
    """
    from ..tokens import Doc

    docs = [Doc(ex.doc.text, ex.doc.starts, ex.doc.ends, check=False) for ex in examples]
    nlp.pipe_docs([Doc(d.text, d.starts, d.ends, check=False) for d in docs[:8]])  # warm-up
    start = time.perf_counter()
    for i in range(0, len(docs), batch_size):
        nlp.pipe_docs(docs[i : i + batch_size])
    seconds = time.perf_counter() - start
    gold = [[tuple(s) for s in ex.spans] for ex in examples]
    pred = [[(e.start_char, e.end_char, e.label) for e in doc.ents] for doc in docs]
    scores = score_spans(gold, pred)
    return Evaluation(
        scores=scores,
        n_examples=len(examples),
        n_words=sum(len(d) for d in docs),
        seconds=seconds,
        errors=list_errors(examples, pred),
    )


def list_errors(
    examples: Sequence[Example], pred: Sequence[Sequence[tuple[int, int, str]]]
) -> list[Mistake]:
    """Every false positive and false negative, with the overlapping span of the other side."""
    out: list[Mistake] = []
    for i, (ex, p_spans) in enumerate(zip(examples, pred)):
        text = ex.doc.text
        gold: set[tuple[int, int, str]] = {(s, e, lab) for s, e, lab in ex.spans}
        predicted: set[tuple[int, int, str]] = set(p_spans)
        src = str(ex.source) if ex.source else None
        for kind, mine, theirs in (("fn", gold, predicted), ("fp", predicted, gold)):
            # Sorted once per side, not per mistake: big evaluations have many of both.
            theirs_sorted = sorted(theirs)
            for s, e, label in sorted(mine - theirs):
                other = next(
                    (f"{ol} {text[os:oe]!r}" for os, oe, ol in theirs_sorted if os < e and s < oe),
                    None,
                )
                out.append(Mistake(kind, i, s, e, label, text[s:e], other, src))
    return out

"""Is model B better than model A? Both evaluated on the same documents, and a paired
bootstrap test of their micro F1 over those documents.

A higher F1 on one test set can be luck: the documents that happened to be drawn. The paired
test resamples the documents and scores both models on each resample, so it asks how often B
would still beat A on another test set like this one (:func:`bootstrap.paired_bootstrap`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .bootstrap import PairedTest, doc_counts, paired_bootstrap
from .evaluate import Evaluation, evaluate

if TYPE_CHECKING:
    from ..corpus.example import Example
    from ..pipeline import Pipeline


@dataclass(frozen=True)
class Comparison:
    """Both models' evaluations and the paired test of B against A."""

    a: Evaluation
    b: Evaluation
    test: PairedTest

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(max_errors=0),
            "b": self.b.to_dict(max_errors=0),
            "paired_test": self.test.to_dict(),
        }


def paired_test(a: Evaluation, b: Evaluation, n: int = 1000, seed: int = 0) -> PairedTest:
    """The paired bootstrap test of B's micro F1 against A's, from two evaluations of the
    same examples.

    Raises:
        ValueError: the evaluations are of different data (gold spans differ).
    """
    if a.gold != b.gold:
        raise ValueError("the two evaluations are of different examples")
    _, counts_a = doc_counts(a.gold, a.pred)
    _, counts_b = doc_counts(b.gold, b.pred)
    return paired_bootstrap(counts_a, counts_b, n=n, seed=seed)


def compare(
    nlp_a: Pipeline,
    nlp_b: Pipeline,
    examples: Sequence[Example],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    batch_size: int = 256,
) -> Comparison:
    """Evaluate both pipelines on ``examples`` (complete gold, from the raw texts) and test
    B against A.

    >>> result = compare(nerkit.load("a"), nerkit.load("b"), test)  # doctest: +SKIP
    >>> result.test.difference, result.test.b_wins  # doctest: +SKIP
    """
    a = evaluate(nlp_a, examples, batch_size)
    b = evaluate(nlp_b, examples, batch_size)
    return Comparison(a, b, paired_test(a, b, n=n_resamples, seed=seed))

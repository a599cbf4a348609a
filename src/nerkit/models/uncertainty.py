"""How much of a text a model may have wrong: the ranking of ``nerkit simulate``'s
``uncertain`` strategy and of ``nerkit annotate correct --order uncertain``.

Example:
    >>> import numpy as np
    >>> text_uncertainty(np.array([1.0, 0.9, 0.6]))  # 0.1 + 0.4 wrong tags expected
    0.5
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..tokens import Doc
from .base import EntityRecognizer, ScoredSpan, ScoresTokens


def text_uncertainty(confidences: np.ndarray) -> float:
    """How much of one text a model may have wrong: the sum over its tokens of ``1 - p``,
    ``p`` the model's probability of the tag it chose for the token (``O`` included;
    :class:`~nerkit.models.base.ScoresTokens`), that is the number of wrong tags the model
    expects in the text.

    Tried on CoNLL-2003 (perceptron, 200 random sentences then 200 at a time, 2 seeds; test
    F1 at 400 / 600 / 800 / 1,000 sentences; random sentences: 62.9 / 65.5 / 68.1 / 70.0):
    this sum 66.6 / 70.2 / 73.8 / 74.6; the least sure predicted span (``1 - score``, the
    least-confidence rule of Settles 2009 at span level) 63.5 / 68.6 / 70.7 / 72.6, as it
    cannot see the entities the model missed; the least sure token 64.0 / 68.3 / 70.7 /
    73.3; the mean over tokens (normalized, as in Shen et al. 2017) 60.0 / 65.1 / 67.7 /
    70.8, as it asks for short texts first (the sum: benchmarks/annotation_cost.py; the span
    rule: that benchmark at commit 885a332; the other two: one-off runs, same settings). The
    sum favours long texts with many entities, which cost more decisions each; the benchmark
    counts both.

    >>> text_uncertainty(np.array([1.0, 0.9, 0.6]))
    0.5
    >>> text_uncertainty(np.array([]))
    0.0
    """
    return round(float(np.sum(1.0 - np.asarray(confidences, dtype=np.float64))), 12)


def span_uncertainty(scored: Sequence[ScoredSpan]) -> float:
    """:func:`text_uncertainty` for a model without token confidences: ``1 - score`` of the
    text's least sure predicted span, 0 where it predicts none."""
    return round(max((1.0 - s.score for s in scored), default=0.0), 12)


def uncertainties(recognizer: EntityRecognizer, docs: Sequence[Doc]) -> list[float]:
    """Each doc's :func:`text_uncertainty` under ``recognizer`` (:func:`span_uncertainty`
    for a recognizer that is not :class:`~nerkit.models.base.ScoresTokens`), in one batch."""
    if not docs:
        return []
    if isinstance(recognizer, ScoresTokens):
        return [text_uncertainty(c) for c in recognizer.token_confidences(docs)]
    return [span_uncertainty(s) for s in recognizer.predict_with_scores(docs)]

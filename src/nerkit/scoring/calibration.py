"""How far a model's scores can be trusted: a reliability table and the expected calibration
error (ECE) of its predicted entities.

A model that gives its entities a score of 0.8 should be right about 80% of the time on them.
The predicted entities are put in equal-width bins of score; each bin's accuracy (the share
that exactly match a gold entity) against its mean score is one point of the reliability
diagram, and the ECE is the mean gap between them, each bin weighted by its share of entities.

Example:
    >>> bins = reliability([0.95, 0.9, 0.85, 0.3, 0.25], [True, True, False, False, True], 4)
    >>> [(b.count, round(b.accuracy, 2)) for b in bins if b.count]
    [(2, 0.5), (3, 0.67)]
    >>> round(expected_calibration_error(bins), 3)
    0.23
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Bin:
    """The predicted entities whose score lies in ``[low, high)`` (the last bin includes 1)."""

    low: float
    high: float
    count: int
    correct: int
    mean_score: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.count if self.count else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "accuracy": self.accuracy}


def reliability(scores: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> list[Bin]:
    """The ``n_bins`` equal-width bins of ``scores`` (0..1), each with how many entities are
    in it, how many of those are correct, and their mean score. Scores outside 0..1 are
    clipped into it.

    Raises:
        ValueError: ``scores`` and ``correct`` differ in length, or ``n_bins`` < 1.
    """
    if len(scores) != len(correct):
        raise ValueError(f"{len(scores)} scores but {len(correct)} correctness flags")
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, not {n_bins}")
    s = np.clip(np.asarray(scores, dtype=np.float64), 0.0, 1.0)
    ok = np.asarray(correct, dtype=bool)
    which = np.minimum((s * n_bins).astype(np.int64), n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    right = np.bincount(which, weights=ok, minlength=n_bins)
    total = np.bincount(which, weights=s, minlength=n_bins)
    return [
        Bin(
            low=i / n_bins,
            high=(i + 1) / n_bins,
            count=int(count[i]),
            correct=int(right[i]),
            mean_score=float(total[i] / count[i]) if count[i] else 0.0,
        )
        for i in range(n_bins)
    ]


def expected_calibration_error(bins: Sequence[Bin]) -> float:
    """Sum over bins of (share of entities) x |accuracy - mean score|; 0 without entities."""
    n = sum(b.count for b in bins)
    if not n:
        return 0.0
    return sum(b.count / n * abs(b.accuracy - b.mean_score) for b in bins)


@dataclass(frozen=True)
class ThresholdPoint:
    """Precision and recall when predicted entities scored below ``threshold`` are dropped."""

    threshold: float
    kept: int
    precision: float
    recall: float
    f1: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def threshold_curve(
    scores: Sequence[float], correct: Sequence[bool], n_gold: int, steps: int = 20
) -> list[ThresholdPoint]:
    """Precision, recall and F1 of the entities scored at least ``t``, for ``t`` = 0,
    1/steps, .., (steps-1)/steps; ``correct`` marks each entity that matches a gold one,
    ``n_gold`` is how many gold entities there are.

    >>> [(p.threshold, p.kept, round(p.precision, 2)) for p in
    ...  threshold_curve([0.9, 0.6, 0.3], [True, True, False], 2, steps=2)]
    [(0.0, 3, 0.67), (0.5, 2, 1.0)]
    """
    s = np.asarray(scores, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    out = []
    for k in range(steps):
        t = k / steps
        keep = s >= t
        kept, tp = int(keep.sum()), int((keep & ok).sum())
        p = tp / kept if kept else 0.0
        r = tp / n_gold if n_gold else 0.0
        out.append(ThresholdPoint(t, kept, p, r, 2 * p * r / (p + r) if p + r else 0.0))
    return out

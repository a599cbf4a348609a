"""Everything the evaluation report shows, computed from an :class:`Evaluation`: intervals,
error types, the confusion matrix, scores by entity and document length, calibration.

Pure over what ``evaluate`` kept (each example's predicted doc, gold and predicted spans and,
with ``with_scores``, the model's confidence per entity); the HTML page
(:mod:`nerkit.report`) and ``nerkit evaluate --json`` both read :meth:`Analysis.to_dict`'s
content from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .bootstrap import ScoreIntervals, bootstrap_scores, doc_counts
from .buckets import DOC_EDGES, ENTITY_EDGES, bucket_name, bucket_order, scores_by_group
from .calibration import (
    Bin,
    ThresholdPoint,
    expected_calibration_error,
    reliability,
    threshold_curve,
)
from .error_types import Outcome, classify_all, confusion, type_counts, type_counts_by_label
from .scores import PRF

if TYPE_CHECKING:
    from ..tokens import CharSpan
    from .evaluate import Evaluation


@dataclass
class Analysis:
    """The report's numbers; ``outcomes`` holds each example's :class:`Outcome` list."""

    intervals: ScoreIntervals
    outcomes: list[list[Outcome]]
    type_counts: dict[str, int]
    type_counts_by_label: dict[str, dict[str, int]]
    confusion: dict[tuple[str, str], int]
    by_entity_length: dict[str, PRF]
    by_doc_length: dict[str, PRF]
    calibration: list[Bin] | None = None
    ece: float | None = None
    thresholds: list[ThresholdPoint] | None = None  # precision/recall over the score threshold
    training_log: list[dict[str, Any]] = field(default_factory=list)
    seed: int = 0

    def worst_documents(self) -> list[int]:
        """Indices of the examples with errors, the most errors first (then in data order)."""
        errors = [sum(o.is_error for o in doc) for doc in self.outcomes]
        return sorted((i for i, n in enumerate(errors) if n), key=lambda i: (-errors[i], i))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "intervals": {**self.intervals.to_dict(), "seed": self.seed},
            "error_types": {"all": self.type_counts, "per_label": self.type_counts_by_label},
            "confusion": [
                {"gold": g, "predicted": p, "count": n}
                for (g, p), n in sorted(self.confusion.items())
            ],
            "by_entity_length": {k: v.to_dict() for k, v in self.by_entity_length.items()},
            "by_doc_length": {k: v.to_dict() for k, v in self.by_doc_length.items()},
        }
        if self.calibration is not None:
            out["calibration"] = {
                "ece": self.ece,
                "bins": [b.to_dict() for b in self.calibration],
            }
        if self.thresholds is not None:
            out["thresholds"] = [p.to_dict() for p in self.thresholds]
        return out


def span_tokens(starts: np.ndarray, ends: np.ndarray, start: int, end: int) -> int:
    """How many tokens (``starts``/``ends`` offsets, sorted) overlap ``[start, end)``; at
    least 1, so a span between tokens still has a length."""
    first = int(np.searchsorted(ends, start, side="right"))
    last = int(np.searchsorted(starts, end, side="left"))
    return max(1, last - first)


def correct_flags(gold: Sequence[CharSpan], pred: Sequence[CharSpan]) -> list[bool]:
    """For each predicted span in order, whether it matches a gold span not matched before."""
    left = list(gold)
    flags = []
    for span in pred:
        flags.append(span in left)
        if flags[-1]:
            left.remove(span)
    return flags


def _ordered(groups: dict[str, PRF], order: list[str]) -> dict[str, PRF]:
    return {name: groups[name] for name in order if name in groups}


def analyse(
    evaluation: Evaluation,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    n_bins: int = 10,
    training_log: Sequence[dict[str, Any]] = (),
) -> Analysis:
    """The report's numbers for ``evaluation`` (from ``evaluate``; calibration needs it run
    ``with_scores``). The bootstrap draws ``n_resamples`` resamples of the examples, seeded
    by ``seed``."""
    gold, pred, docs = evaluation.gold, evaluation.pred, evaluation.docs
    labels, counts = doc_counts(gold, pred, sorted(evaluation.scores.per_label))
    outcomes = classify_all(gold, pred)

    def entity_group(i: int, span: tuple[Any, ...]) -> str:
        n = span_tokens(docs[i].starts, docs[i].ends, int(span[0]), int(span[1]))
        return bucket_name(n, ENTITY_EDGES)

    doc_groups = [bucket_name(len(doc), DOC_EDGES) for doc in docs]
    calibration, ece, curve = None, None, None
    if evaluation.scored_all is not None:  # every entity, before the model's thresholds
        every = evaluation.scored_all
        scores = [s for doc in every for _, s in doc]
        flags = [f for g, d in zip(gold, every) for f in correct_flags(g, [sp for sp, _ in d])]
        calibration = reliability(scores, flags, n_bins)
        ece = expected_calibration_error(calibration)
        curve = threshold_curve(scores, flags, sum(len(g) for g in gold))
    elif evaluation.pred_scores is not None:
        scores = [s for doc in evaluation.pred_scores for s in doc]
        flags = [f for g, p in zip(gold, pred) for f in correct_flags(g, p)]
        calibration = reliability(scores, flags, n_bins)
        ece = expected_calibration_error(calibration)
    return Analysis(
        intervals=bootstrap_scores(counts, labels, n=n_resamples, seed=seed),
        outcomes=outcomes,
        type_counts=type_counts(outcomes),
        type_counts_by_label=type_counts_by_label(outcomes),
        confusion=dict(confusion(outcomes)),
        by_entity_length=_ordered(
            scores_by_group(gold, pred, entity_group), bucket_order(ENTITY_EDGES)
        ),
        by_doc_length=_ordered(
            scores_by_group(gold, pred, lambda i, _: doc_groups[i]), bucket_order(DOC_EDGES)
        ),
        calibration=calibration,
        ece=ece,
        thresholds=curve,
        training_log=list(training_log),
        seed=seed,
    )

"""Confidence intervals for span scores, and a paired test of two models, by resampling
documents (the bootstrap).

A test set is a sample of the documents a model will meet; another sample of the same size
would give another F1. Resampling the documents with replacement, ``n`` times, and scoring
each resample shows how much: the 2.5th and 97.5th percentiles of the resampled scores are a
95% interval. Documents, not entities, are resampled, since the entities of one document are
not independent (one confusing post holds several of them).

Everything works on per-document counts, an array ``(documents, labels, 3)`` of true
positives, false positives and false negatives (:func:`doc_counts`), so a resample is a row of
weights (how often each document was drawn) and all resamples are one matrix product: 1000
resamples of 10,000 documents take well under a second. The random generator is seeded, so a
report is reproducible.

Example:
    >>> gold = [[(0, 3, "PER")], [(0, 4, "LOC")], [(2, 5, "PER")]]
    >>> pred = [[(0, 3, "PER")], [(0, 4, "PER")], [(2, 5, "PER")]]
    >>> labels, counts = doc_counts(gold, pred)
    >>> labels, counts.shape
    (['LOC', 'PER'], (3, 2, 3))
    >>> ci = bootstrap_scores(counts, labels, n=200, seed=0)
    >>> ci.micro["f1"].value, ci.micro["f1"].low <= ci.micro["f1"].value <= ci.micro["f1"].high
    (0.6666666666666666, True)
    >>> paired_bootstrap(counts, counts, n=200, seed=0).difference.value
    0.0
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .scores import SpanTuple, score_spans

METRICS = ("precision", "recall", "f1")
CHUNK = 250  # resamples per matrix product: bounds memory on big test sets


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap interval."""

    value: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class ScoreIntervals:
    """Intervals of precision, recall and F1: micro, per label, and macro F1."""

    micro: dict[str, Interval]
    macro_f1: Interval
    per_label: dict[str, dict[str, Interval]] = field(default_factory=dict)
    n: int = 0
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return {
            "resamples": self.n,
            "confidence": self.confidence,
            "micro": {k: v.to_dict() for k, v in self.micro.items()},
            "macro_f1": self.macro_f1.to_dict(),
            "per_label": {
                label: {k: v.to_dict() for k, v in m.items()}
                for label, m in sorted(self.per_label.items())
            },
        }


@dataclass(frozen=True)
class PairedTest:
    """Micro F1 of A and of B, the difference B - A with its interval, and how often each
    model scored higher over the resamples (ties count for neither)."""

    f1_a: float
    f1_b: float
    difference: Interval
    a_wins: float
    b_wins: float
    n: int

    @property
    def supported(self) -> bool:
        """Whether the interval of the difference leaves out 0: the data supports it."""
        return self.difference.low > 0 or self.difference.high < 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "f1_a": self.f1_a,
            "f1_b": self.f1_b,
            "difference": self.difference.to_dict(),
            "a_wins": self.a_wins,
            "b_wins": self.b_wins,
            "resamples": self.n,
            "supported": self.supported,
        }


def doc_counts(
    gold: Sequence[Iterable[SpanTuple]],
    pred: Sequence[Iterable[SpanTuple]],
    labels: Sequence[str] | None = None,
) -> tuple[list[str], np.ndarray]:
    """The labels and the ``(documents, labels, 3)`` array of tp, fp, fn per document.

    ``labels`` fixes the label axis (default: every label in gold or predictions, sorted);
    two models' counts over the same labels can be tested against each other.

    Raises:
        ValueError: gold and pred hold a different number of documents.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predicted ones")
    per_doc = [score_spans([g], [p]).per_label for g, p in zip(gold, pred)]
    names = list(labels) if labels is not None else sorted({lab for d in per_doc for lab in d})
    index = {label: i for i, label in enumerate(names)}
    counts = np.zeros((len(per_doc), len(names), 3), dtype=np.int64)
    for d, scores in enumerate(per_doc):
        for label, prf in scores.items():
            if label in index:
                counts[d, index[label]] = (prf.tp, prf.fp, prf.fn)
    return names, counts


def _prf(totals: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall and F1 of tp/fp/fn totals in the last axis (0 where undefined)."""
    tp, fp, fn = (totals[..., k].astype(np.float64) for k in range(3))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        r = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    return {"precision": p, "recall": r, "f1": f}


def _macro_f1(totals: np.ndarray) -> np.ndarray:
    """Mean F1 over the labels present (in gold or predictions), as ``Scores.macro_f1``."""
    present = totals.sum(axis=-1) > 0
    f1 = _prf(totals)["f1"]
    n = present.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, (f1 * present).sum(axis=-1) / n, 0.0)


def _resampled_totals(counts: np.ndarray, n: int, seed: int) -> Iterator[np.ndarray]:
    """Chunks of ``(resamples, labels, 3)`` totals of ``counts`` over resampled documents.

    Each resample draws as many documents as there are, with replacement: its weights are a
    multinomial draw, and its totals the weighted sum of the documents' counts.
    """
    docs = counts.shape[0]
    flat = counts.reshape(docs, -1).astype(np.float64)
    rng = np.random.default_rng(seed)
    for start in range(0, n, CHUNK):
        size = min(CHUNK, n - start)
        weights = rng.multinomial(docs, np.full(docs, 1 / docs), size=size) if docs else None
        if weights is None:
            yield np.zeros((size, *counts.shape[1:]))
        else:
            yield (weights @ flat).reshape(size, *counts.shape[1:])


def _interval(value: float, samples: np.ndarray, confidence: float) -> Interval:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Interval(float(value), float(low), float(high))


def bootstrap_scores(
    counts: np.ndarray,
    labels: Sequence[str],
    n: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> ScoreIntervals:
    """Point estimates and percentile intervals of micro, per-label and macro scores.

    ``counts`` is :func:`doc_counts`' array. The same seed gives the same intervals.
    """
    totals = np.concatenate(list(_resampled_totals(counts, n, seed)))
    full = counts.sum(axis=0)
    point_labels, point_micro = _prf(full), _prf(full.sum(axis=0))
    sample_labels, sample_micro = _prf(totals), _prf(totals.sum(axis=1))
    micro = {m: _interval(float(point_micro[m]), sample_micro[m], confidence) for m in METRICS}
    per_label = {
        label: {
            m: _interval(float(point_labels[m][i]), sample_labels[m][:, i], confidence)
            for m in METRICS
        }
        for i, label in enumerate(labels)
    }
    macro = _interval(float(_macro_f1(full)), _macro_f1(totals), confidence)
    return ScoreIntervals(micro, macro, per_label, n, confidence)


def paired_bootstrap(
    counts_a: np.ndarray,
    counts_b: np.ndarray,
    n: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedTest:
    """Paired bootstrap test of micro F1 of model B against model A on the same documents.

    Both arrays hold the same documents in the same order (their label axes may differ: only
    micro totals are compared). Each resample draws the same documents for both models, so
    what varies is the data, not the pairing.

    Raises:
        ValueError: the two arrays hold a different number of documents.
    """
    if counts_a.shape[0] != counts_b.shape[0]:
        raise ValueError(
            f"model A has {counts_a.shape[0]} documents but model B {counts_b.shape[0]}"
        )
    micro_a, micro_b = counts_a.sum(axis=1), counts_b.sum(axis=1)  # (documents, 3)
    both = np.stack([micro_a, micro_b], axis=1)  # (documents, 2, 3): one resample for both
    totals = np.concatenate(list(_resampled_totals(both, n, seed)))
    f1 = _prf(totals)["f1"]  # (resamples, 2)
    diff = f1[:, 1] - f1[:, 0]
    point = _prf(both.sum(axis=0))["f1"]
    return PairedTest(
        f1_a=float(point[0]),
        f1_b=float(point[1]),
        difference=_interval(float(point[1] - point[0]), diff, confidence),
        a_wins=float((diff < 0).mean()) if n else 0.0,
        b_wins=float((diff > 0).mean()) if n else 0.0,
        n=n,
    )

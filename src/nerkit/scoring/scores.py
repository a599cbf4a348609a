"""Exact-match span precision, recall and F1: micro, macro and per label.

A predicted span counts as correct only when its start, end and label all equal a gold span's,
the CoNLL/seqeval "strict" definition. Spans are any tuples whose last item is the label,
e.g. token spans ``(start, end, label)`` or character spans.

Example:
    >>> s = score_spans([[(0, 2, "PER"), (5, 6, "LOC")]], [[(0, 2, "PER"), (4, 6, "LOC")]])
    >>> round(s.f1, 3), s.per_label["LOC"].f1
    (0.5, 0.0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

SpanTuple = tuple[Hashable, ...]


@dataclass(frozen=True)
class PRF:
    """Counts and precision/recall/F1 (0..1) for one label or overall."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        """Number of gold spans."""
        return self.tp + self.fn

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "support": self.support,
        }


@dataclass(frozen=True)
class Scores:
    """Micro scores overall, per-label scores and their macro average."""

    micro: PRF
    per_label: dict[str, PRF] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.micro.precision

    @property
    def recall(self) -> float:
        return self.micro.recall

    @property
    def f1(self) -> float:
        return self.micro.f1

    @property
    def macro_f1(self) -> float:
        """Unweighted mean of per-label F1 over labels in gold or predictions (as seqeval)."""
        if not self.per_label:
            return 0.0
        return sum(p.f1 for p in self.per_label.values()) / len(self.per_label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "macro_f1": self.macro_f1,
            "tp": self.micro.tp,
            "fp": self.micro.fp,
            "fn": self.micro.fn,
            "per_label": {k: v.to_dict() for k, v in sorted(self.per_label.items())},
            **self.extra,
        }


def score_spans(gold: Iterable[Iterable[SpanTuple]], pred: Iterable[Iterable[SpanTuple]]) -> Scores:
    """Score predicted spans against gold spans, example by example (same order, same length).

    Raises:
        ValueError: gold and pred hold a different number of examples.
    """
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g_spans, p_spans in _zip_strict(gold, pred):
        g = Counter(tuple(s) for s in g_spans)
        p = Counter(tuple(s) for s in p_spans)
        for span, count in g.items():
            label = str(span[-1])
            hit = min(count, p.get(span, 0))
            tp[label] += hit
            fn[label] += count - hit
        for span, count in p.items():
            fp[str(span[-1])] += count - min(count, g.get(span, 0))
    labels = set(tp) | set(fp) | set(fn)
    per_label = {lab: PRF(tp[lab], fp[lab], fn[lab]) for lab in sorted(labels)}
    micro = PRF(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return Scores(micro, per_label)


def _zip_strict(
    a: Iterable[Iterable[SpanTuple]], b: Iterable[Iterable[SpanTuple]]
) -> Iterable[tuple[Iterable[SpanTuple], Iterable[SpanTuple]]]:
    a_list: Sequence[Iterable[SpanTuple]] = a if isinstance(a, Sequence) else list(a)
    b_list: Sequence[Iterable[SpanTuple]] = b if isinstance(b, Sequence) else list(b)
    if len(a_list) != len(b_list):
        raise ValueError(f"{len(a_list)} gold examples but {len(b_list)} predicted ones")
    return zip(a_list, b_list)

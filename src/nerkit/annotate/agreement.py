"""Inter-annotator agreement: pairwise span F1 between the sessions of a dataset.

For each pair of annotator sessions, the examples both accepted (each session's latest answer
that is not ``ignore``) are scored with ``nerkit.scoring.score_spans``, one session's spans
as gold and the other's as predictions. Exact-match span F1 is symmetric, so the order of
the pair does not matter. Sessions ``import`` and ``review:*`` are not annotators, and only
complete answers count: a binary (teach) answer says nothing about the rest of its text.

Example:
    >>> latest = {"alice": {1: ("accept", [(0, 3, "PER")]), 2: ("accept", [])},
    ...           "bob": {1: ("accept", [(0, 3, "PER")]), 2: ("accept", [(4, 7, "ORG")])}}
    >>> report = agreement_from_answers(latest)
    >>> [(p.a, p.b, p.examples, round(p.scores.f1, 2)) for p in report.pairs]
    [('alice', 'bob', 2, 0.67)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

from ..scoring import score_spans
from ..scoring.scores import PRF, Scores

if TYPE_CHECKING:
    from ..store import Store, StoredAnnotation

Answers = Mapping[str, Mapping[int, tuple[str, Sequence[tuple[int, int, str]]]]]
REVIEW_PREFIX = "review:"


def is_annotator(session: str) -> bool:
    """Whether a session's answers are an annotator's (not an import, not a review)."""
    return session != "import" and not session.startswith(REVIEW_PREFIX)


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of two sessions over the examples both accepted."""

    a: str
    b: str
    examples: int
    scores: Scores


@dataclass
class AgreementReport:
    """Pairwise agreement between sessions, and the counts pooled over all pairs."""

    sessions: list[str]
    pairs: list[PairAgreement] = field(default_factory=list)

    @property
    def pooled(self) -> Scores:
        """Counts of every pair added up: one F1 overall and per label."""
        tp: dict[str, list[int]] = {}
        for pair in self.pairs:
            for label, prf in pair.scores.per_label.items():
                acc = tp.setdefault(label, [0, 0, 0])
                acc[0] += prf.tp
                acc[1] += prf.fp
                acc[2] += prf.fn
        per_label = {lab: PRF(*c) for lab, c in sorted(tp.items())}
        micro = PRF(*(sum(c[i] for c in tp.values()) for i in range(3)))
        return Scores(micro, per_label)


def latest_answers(annotations: Iterable[StoredAnnotation]) -> dict[str, dict[int, tuple]]:
    """Each annotator session's deciding answer per example: the latest complete one that is
    not ignore."""
    out: dict[str, dict[int, tuple[str, list[tuple[int, int, str]]]]] = {}
    for ann in annotations:
        if not is_annotator(ann.session) or ann.answer == "ignore" or ann.kind != "complete":
            continue
        spans = [(s["start"], s["end"], s["label"]) for s in ann.spans]
        out.setdefault(ann.session, {})[ann.example_id] = (ann.answer, spans)
    return out


def agreement_from_answers(latest: Answers) -> AgreementReport:
    """Pairwise span F1 from ``{session: {example_id: (answer, spans)}}``."""
    sessions = sorted(latest)
    report = AgreementReport(sessions)
    for a, b in combinations(sessions, 2):
        both = sorted(
            eid
            for eid, (answer, _) in latest[a].items()
            if answer == "accept" and latest[b].get(eid, ("", []))[0] == "accept"
        )
        gold = [latest[a][eid][1] for eid in both]
        pred = [latest[b][eid][1] for eid in both]
        report.pairs.append(PairAgreement(a, b, len(both), score_spans(gold, pred)))
    return report


def dataset_agreement(store: Store, dataset: str) -> AgreementReport:
    """Pairwise agreement between the annotator sessions of ``dataset`` in ``store``."""
    return agreement_from_answers(latest_answers(store.dataset_annotations(dataset)))

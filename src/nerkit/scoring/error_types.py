"""What went wrong with each entity: the SemEval-2013 error types, one per gold and predicted
entity, and the label confusion matrix they make.

Exact-match scores say a prediction is wrong; they do not say whether the model found the
entity and cut it a word short (a boundary to fix in the guidelines) or found it and named it
wrongly (labels to tell apart). Following the SemEval-2013 task 9.1 scheme, as nervaluate
reports it, every entity of a document gets one type:

- ``correct``: a predicted entity equal to a gold one (start, end and label);
- ``label``: the same boundaries, another label;
- ``boundary``: the same label, overlapping boundaries;
- ``label_boundary``: another label and overlapping boundaries;
- ``missed``: a gold entity no prediction overlaps (a false negative alone);
- ``spurious``: a predicted entity overlapping no gold one (a false positive alone).

Unlike nervaluate, a gold entity is paired with one predicted entity at most and the other way
round (the first four types are pairs, found in that order of preference, the largest overlap
first), so the types partition the entities: each gold entity and each predicted one is in
exactly one :class:`Outcome`. The confusion matrix counts the pairs by (gold label, predicted
label), a missed entity as (label, ``"none"``) and a spurious one as (``"none"``, label).

Example:
    >>> gold = [(0, 10, "PER"), (15, 19, "LOC"), (25, 30, "ORG"), (40, 45, "PER")]
    >>> pred = [(0, 10, "PER"), (15, 19, "ORG"), (24, 30, "ORG"), (50, 52, "LOC")]
    >>> [o.type for o in classify(gold, pred)]
    ['correct', 'label', 'boundary', 'missed', 'spurious']
    >>> confusion([classify(gold, pred)])[("LOC", "ORG")]
    1
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

CharSpan = tuple[int, int, str]
TYPES: tuple[str, ...] = ("correct", "boundary", "label", "label_boundary", "missed", "spurious")
ERRORS: tuple[str, ...] = TYPES[1:]
NONE = "none"


@dataclass(frozen=True)
class Outcome:
    """One gold entity, one predicted entity, or a pair of them, with its error type."""

    type: str
    gold: CharSpan | None
    pred: CharSpan | None

    @property
    def is_error(self) -> bool:
        return self.type != "correct"

    @property
    def labels(self) -> tuple[str, str]:
        """(gold label, predicted label), ``"none"`` for a missing side."""
        return (self.gold[2] if self.gold else NONE, self.pred[2] if self.pred else NONE)

    @property
    def start(self) -> int:
        return min(s[0] for s in (self.gold, self.pred) if s is not None)


def _overlap(a: CharSpan, b: CharSpan) -> int:
    return min(a[1], b[1]) - max(a[0], b[0])


# How a pair of a gold and a predicted entity may match, in order of preference.
_PAIRINGS: tuple[tuple[str, Callable[[CharSpan, CharSpan], bool]], ...] = (
    ("correct", lambda g, p: g == p),
    ("label", lambda g, p: g[:2] == p[:2]),
    ("boundary", lambda g, p: g[2] == p[2] and _overlap(g, p) > 0),
    ("label_boundary", lambda g, p: _overlap(g, p) > 0),
)


def classify(gold: Iterable[CharSpan], pred: Iterable[CharSpan]) -> list[Outcome]:
    """The outcome of every gold and predicted entity of one document, in text order."""
    gold_left: list[CharSpan] = sorted((s, e, lab) for s, e, lab in gold)
    pred_left: list[CharSpan] = sorted((s, e, lab) for s, e, lab in pred)
    out: list[Outcome] = []
    for kind, matches in _PAIRINGS:
        for g in list(gold_left):
            candidates = [p for p in pred_left if matches(g, p)]
            if not candidates:
                continue
            best = max(candidates, key=lambda p: (_overlap(g, p), -p[0]))
            pred_left.remove(best)
            gold_left.remove(g)
            out.append(Outcome(kind, g, best))
    out.extend(Outcome("missed", g, None) for g in gold_left)
    out.extend(Outcome("spurious", None, p) for p in pred_left)
    out.sort(key=lambda o: (o.start, TYPES.index(o.type)))
    return out


def classify_all(
    gold: Sequence[Iterable[CharSpan]], pred: Sequence[Iterable[CharSpan]]
) -> list[list[Outcome]]:
    """:func:`classify` for each document (gold and pred: one list of spans per document).

    Raises:
        ValueError: gold and pred hold a different number of documents.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predicted ones")
    return [classify(g, p) for g, p in zip(gold, pred)]


def type_counts(outcomes: Iterable[Iterable[Outcome]]) -> dict[str, int]:
    """How many outcomes of each type (every type present, 0 when none)."""
    counts = Counter(o.type for doc in outcomes for o in doc)
    return {t: counts[t] for t in TYPES}


def type_counts_by_label(outcomes: Iterable[Iterable[Outcome]]) -> dict[str, dict[str, int]]:
    """Per label, how many outcomes of each type; a pair counts under its gold label, a
    spurious entity under its predicted label."""
    counts: Counter[tuple[str, str]] = Counter()
    for doc in outcomes:
        for o in doc:
            counts[(o.gold or o.pred)[2], o.type] += 1  # type: ignore[index]
    labels = sorted({label for label, _ in counts})
    return {label: {t: counts[label, t] for t in TYPES} for label in labels}


def confusion(outcomes: Iterable[Iterable[Outcome]]) -> Counter[tuple[str, str]]:
    """Counts of (gold label, predicted label) over all outcomes, ``"none"`` for no entity."""
    return Counter(o.labels for doc in outcomes for o in doc)

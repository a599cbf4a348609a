"""Recall on entities the training data annotated (seen) and on the others (unseen).

New texts are full of names no annotator marked, so a model's recall on those is what a user
mostly gets. A gold entity is *seen* when its text, lowercased and with whitespace collapsed,
was annotated as an entity (with any label) in the training data, otherwise *unseen*. A gold
entity is found by an exact match (start, end and label), as in :func:`score_spans`, so the
found counts of both groups add up to the micro true positives.

Example:
    >>> texts = ["Ann met Bob in Oslo."]
    >>> gold = [[(0, 3, "PER"), (8, 11, "PER"), (15, 19, "LOC")]]
    >>> pred = [[(0, 3, "PER"), (15, 19, "LOC")]]
    >>> split = seen_unseen_recall(texts, gold, pred, seen={"ann", "bob"})
    >>> split.seen.found, split.seen.total, split.unseen.found, split.unseen.total
    (1, 2, 1, 1)
    >>> split.per_label["PER"].unseen.total, split.seen.recall
    (0, 0.5)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..tokens import CharSpan

if TYPE_CHECKING:
    from ..corpus.example import Example


@dataclass(frozen=True)
class Recall:
    """Gold entities found out of those in one group."""

    found: int = 0
    total: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"recall": self.recall, "found": self.found, "total": self.total}


@dataclass(frozen=True)
class SeenUnseen:
    """Recall on seen and on unseen gold entities, overall and (in ``per_label``) per label."""

    seen: Recall
    unseen: Recall
    per_label: dict[str, SeenUnseen] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seen": self.seen.to_dict(), "unseen": self.unseen.to_dict()}
        if self.per_label:
            out["per_label"] = {k: v.to_dict() for k, v in sorted(self.per_label.items())}
        return out


def entity_key(text: str) -> str:
    """The form entity texts are compared in: lowercased, whitespace runs as one space.

    >>> entity_key("  New\\n York ")
    'new york'
    """
    return " ".join(text.lower().split())


def annotated_entities(examples: Iterable[Example]) -> set[str]:
    """The keys (:func:`entity_key`) of every entity text the training examples annotate.

    Those are the spans of the trainable examples (:func:`nerkit.corpus.trainable`) that were
    accepted: every span of a complete accepted example and the accepted binary answers; a
    rejected binary span says the text is *not* an entity there, so it does not count.
    """
    from ..corpus import accepted

    return {
        entity_key(ex.doc.text[start:end])
        for ex in accepted(examples, binary=True)
        for start, end, _ in ex.spans
    }


def seen_unseen_recall(
    texts: Sequence[str],
    gold: Sequence[Iterable[CharSpan]],
    pred: Sequence[Iterable[CharSpan]],
    seen: Collection[str],
) -> SeenUnseen:
    """Recall of ``pred`` on the gold entities whose text is in ``seen`` and on the others.

    ``texts``, ``gold`` and ``pred`` hold one item per example (character spans
    ``(start, end, label)``); ``seen`` holds entity texts (compared as :func:`entity_key`).

    Raises:
        ValueError: the three sequences hold a different number of examples.
    """
    if not len(texts) == len(gold) == len(pred):
        raise ValueError(f"{len(texts)} texts, {len(gold)} gold and {len(pred)} predicted examples")
    keys = {entity_key(s) for s in seen}
    found: Counter[tuple[str, bool]] = Counter()
    total: Counter[tuple[str, bool]] = Counter()
    for text, g_spans, p_spans in zip(texts, gold, pred):
        predicted = Counter(tuple(s) for s in p_spans)
        for span in g_spans:
            start, end, label = span
            group = (str(label), entity_key(text[start:end]) in keys)
            total[group] += 1
            if predicted[tuple(span)] > 0:  # each prediction matches one gold span at most
                predicted[tuple(span)] -= 1
                found[group] += 1
    labels = sorted({label for label, _ in total})
    per_label = {
        label: SeenUnseen(
            Recall(found[label, True], total[label, True]),
            Recall(found[label, False], total[label, False]),
        )
        for label in labels
    }
    return SeenUnseen(
        Recall(_sum(found, True), _sum(total, True)),
        Recall(_sum(found, False), _sum(total, False)),
        per_label,
    )


def _sum(counts: Counter[tuple[str, bool]], seen: bool) -> int:
    return sum(n for (_, is_seen), n in counts.items() if is_seen == seen)

"""Which answers count as gold, and what all the answers on one text say together.

A *complete* answer (manual, correct, review, an annotated file) gives every entity of its
text. A *binary* answer (teach, Prodigy's ``ner.teach``) is about its spans alone: accepted,
they are entities; rejected, exactly those spans with those labels are not entities. Training
merges every answer on a text into one :class:`Target`; evaluation uses complete accepted
answers only, since a binary answer does not say what else the text holds.

Example:
    >>> from nerkit.tokens import Doc
    >>> doc = Doc.from_words(["Ann", "met", "Bob"])
    >>> answers = [
    ...     Example(doc, [(0, 3, "PER")], kind="binary"),
    ...     Example(doc, [(4, 7, "ORG")], answer="reject", kind="binary"),
    ... ]
    >>> [(t.entities, t.rejected, t.complete) for t in merge_answers(answers)]
    [([(0, 3, 'PER')], [(4, 7, 'ORG')], False)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..tokens import CharSpan, Doc
from .example import Example, Source


def accepted(examples: Iterable[Example]) -> list[Example]:
    """The complete, accepted examples: the gold that evaluation and dev scoring use.

    >>> from nerkit.tokens import Doc
    >>> exs = [Example(Doc.from_words(["a"]), answer=a) for a in ("accept", "reject", "ignore")]
    >>> exs.append(Example(Doc.from_words(["a"]), kind="binary"))
    >>> [(e.answer, e.kind) for e in accepted(exs)]
    [('accept', 'complete')]
    """
    return [ex for ex in examples if ex.answer == "accept" and ex.kind == "complete"]


def trainable(examples: Iterable[Example]) -> list[Example]:
    """The examples training learns from: complete accepted ones, and binary answers (accepted
    or rejected) that are about at least one span."""
    return [
        ex
        for ex in examples
        if (ex.kind == "complete" and ex.answer == "accept")
        or (ex.kind == "binary" and ex.answer in ("accept", "reject") and ex.spans)
    ]


@dataclass
class Target:
    """What training knows about one text, from all its answers.

    ``entities`` are known entities, ``rejected`` spans known not to be entities (with that
    label, exactly there). ``complete``: ``entities`` are all of the text's entities; else
    the text outside them is unknown.
    """

    doc: Doc
    entities: list[CharSpan] = field(default_factory=list)
    rejected: list[CharSpan] = field(default_factory=list)
    complete: bool = True
    source: Source | None = None


def merge_answers(examples: Iterable[Example]) -> list[Target]:
    """One :class:`Target` per distinct text of the trainable ``examples``, in first-seen order.

    A text's latest complete accepted answer is its target and its binary answers are left
    out. Otherwise its binary answers merge: each accepted span is an entity, each rejected
    span a non-entity; where two answers disagree (the same span accepted and rejected, or
    accepted spans that overlap) the later answer wins.
    """
    by_text: dict[str, list[Example]] = {}
    for ex in trainable(examples):
        by_text.setdefault(ex.doc.text, []).append(ex)
    targets = []
    for answers in by_text.values():
        complete = [ex for ex in answers if ex.kind == "complete"]
        if complete:
            last = complete[-1]
            targets.append(Target(last.doc, list(last.spans), [], True, last.source))
            continue
        entities: list[CharSpan] = []
        rejected: list[CharSpan] = []
        for ex in answers:
            for span in ex.spans:
                if ex.answer == "accept":
                    entities = [e for e in entities if not _overlap(e, span)] + [span]
                    rejected = [r for r in rejected if r != span]
                else:
                    entities = [e for e in entities if e != span]
                    if span not in rejected:
                        rejected.append(span)
        first = answers[0]
        targets.append(Target(first.doc, sorted(entities), rejected, False, first.source))
    return targets


def _overlap(a: CharSpan, b: CharSpan) -> bool:
    return a[0] < b[1] and b[0] < a[1]

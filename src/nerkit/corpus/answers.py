"""Which answers count as gold, and what all the answers on one text say together.

A *complete* answer (manual, correct, review, an annotated file) gives every entity of its
text. A *binary* answer (teach, Prodigy's ``ner.teach``) is about its spans alone: accepted,
they are entities; rejected, exactly those spans with those labels are not entities. Training
merges every answer on a text into one :class:`Target`; evaluation uses complete accepted
answers only, since a binary answer does not say what else the text holds.

Files say the kind with Prodigy's ``_view_id`` or nerkit's ``kind`` field (:func:`read_kind`).

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
from pathlib import Path
from typing import Any

from ..errors import FormatError
from ..tokens import CharSpan, Doc
from .example import KINDS, Example, Kind, Source


def accepted(examples: Iterable[Example], *, binary: bool = False) -> list[Example]:
    """The complete, accepted examples: the gold that evaluation and dev scoring use. With
    ``binary=True`` accepted binary answers too: every span someone accepted (what counts as
    an annotated entity for seen/unseen recall, vectors coverage and file summaries). The one
    accept filter of the package.

    >>> from nerkit.tokens import Doc
    >>> exs = [Example(Doc.from_words(["a"]), answer=a) for a in ("accept", "reject", "ignore")]
    >>> exs.append(Example(Doc.from_words(["a"]), kind="binary"))
    >>> [(e.answer, e.kind) for e in accepted(exs)]
    [('accept', 'complete')]
    >>> [(e.answer, e.kind) for e in accepted(exs, binary=True)]
    [('accept', 'complete'), ('accept', 'binary')]
    """
    return [ex for ex in examples if ex.answer == "accept" and (binary or ex.kind == "complete")]


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
    the text outside them is unknown. ``unknown``: ranges of a complete target whose tags
    are not known (:attr:`Example.unknown`).
    """

    doc: Doc
    entities: list[CharSpan] = field(default_factory=list)
    rejected: list[CharSpan] = field(default_factory=list)
    complete: bool = True
    source: Source | None = None
    unknown: list[CharSpan] = field(default_factory=list)


def merge_answers(examples: Iterable[Example]) -> list[Target]:
    """The training targets of the trainable ``examples``, in order.

    Each complete accepted answer is a target of its own, as the data gives it (a text a
    file repeats is trained on as often as it appears), and the binary answers on a text
    that has one are left out. Otherwise all binary answers on a text merge into one target,
    where the first of them was: each accepted span is an entity, each rejected span a
    non-entity; where two answers disagree (the same span accepted and rejected, or accepted
    spans that overlap) the later answer wins.
    """
    data = trainable(examples)
    complete_texts = {ex.text for ex in data if ex.kind == "complete"}
    targets: list[Target] = []
    merged: dict[str, Target] = {}
    for ex in data:
        if ex.kind == "complete":
            targets.append(Target(ex.doc, list(ex.spans), [], True, ex.source, list(ex.unknown)))
            continue
        if ex.text in complete_texts:
            continue
        if ex.text not in merged:
            merged[ex.text] = Target(ex.doc, [], [], False, ex.source)
            targets.append(merged[ex.text])
        target = merged[ex.text]
        for span in ex.spans:
            if ex.answer == "accept":
                target.entities = [e for e in target.entities if not _overlap(e, span)]
                target.entities.append(span)
                target.rejected = [r for r in target.rejected if r != span]
            else:
                target.entities = [e for e in target.entities if e != span]
                if span not in target.rejected:
                    target.rejected.append(span)
    for target in merged.values():
        target.entities.sort()
    return targets


def _overlap(a: CharSpan, b: CharSpan) -> bool:
    return a[0] < b[1] and b[0] < a[1]


VIEW_ID = "_view_id"
# Prodigy's views where an answer is about the shown span alone: "ner" is what ner.teach
# (and any recipe accepting or rejecting one highlighted span) writes. Every other view
# (ner_manual, spans_manual, ...) records all the entities of the text.
BINARY_VIEWS = ("ner",)


def view_id(kind: str) -> str:
    """The Prodigy ``_view_id`` that says ``kind``: ``ner`` (binary) or ``ner_manual``."""
    return "ner" if kind == "binary" else "ner_manual"


def read_kind(
    record: dict[str, Any], path: Path, line: int | None, record_no: int | None = None
) -> tuple[Kind, tuple[str, ...]]:
    """The kind of a JSON record's answer, and the record fields that said it.

    Prodigy's ``_view_id`` decides when the record has one (``ner`` is binary, any other view
    complete); else nerkit's ``kind`` field (``complete`` or ``binary``, E004 for anything
    else); else the answer is complete.

    >>> read_kind({"_view_id": "ner"}, Path("a.jsonl"), 1), read_kind({}, Path("a.jsonl"), 1)
    (('binary', ('_view_id',)), ('complete', ()))
    """
    if VIEW_ID in record:
        return ("binary" if record[VIEW_ID] in BINARY_VIEWS else "complete"), (VIEW_ID,)
    if "kind" not in record:
        return "complete", ()
    value = record["kind"]
    if value not in KINDS:
        raise FormatError(
            "E016",
            f"Field 'kind' should be 'complete' or 'binary', found {value!r}",
            path=path,
            line=line,
            record=record_no,
            hint="'binary' marks an answer about its spans alone (teach); drop the field for "
            "an example whose spans are all its entities.",
        )
    return value, ("kind",)

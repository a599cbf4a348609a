"""What a model is trained towards, per token: the merged answers of each text as BILUO tags,
with ``-1`` where the answers leave a token unknown, and the spans rejected there.

Gold character spans are aligned strictly to the doc's tokens; a complete example's
``unknown`` ranges leave the tokens they touch unknown. A span that does not fall on
token boundaries cannot be a tag sequence: in a complete annotation the tokens it touches are
unknown (never ``O``, which would teach that they are not an entity), and it is counted in the
:class:`AlignmentReport` that training prints once.

Example:
    >>> from nerkit.corpus import Example
    >>> from nerkit.tokens import Doc
    >>> from nerkit.models.tagset import TagSet
    >>> doc = Doc.from_words(["Ann", "met", "Bob", "Lee"])
    >>> tagset = TagSet(("PER",))
    >>> [t.tags.tolist() for t in token_targets([Example(doc, [(8, 15, "PER")], kind="binary")], tagset)]
    [[-1, -1, 1, 3]]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..corpus.answers import Target, merge_answers
from ..corpus.example import Example
from ..errors import ModelError, NerkitError
from ..tokens import Doc, Misaligned, Span, align_spans
from .tagset import TagSet

UNKNOWN = -1


@dataclass
class TokenTargets:
    """One text's training target: a tag id per token (``UNKNOWN``: any tag) and the token
    spans ``(start, end, label)`` that must not be predicted as exactly that entity."""

    doc: Doc
    tags: np.ndarray
    rejected: list[tuple[int, int, str]] = field(default_factory=list)

    def rejected_tags(self, tagset: TagSet) -> list[tuple[int, list[int]]]:
        """Each rejected span as ``(start token, the BILUO tag ids it must not carry)``."""
        return [
            (start, tagset.tag_ids([(0, end - start, label)], end - start).tolist())
            for start, end, label in self.rejected
        ]

    @property
    def complete(self) -> bool:
        """Every token's tag is known and nothing is rejected (plain supervised learning)."""
        return not self.rejected and bool((self.tags >= 0).all())


@dataclass
class AlignmentReport:
    """How many gold spans fell on token boundaries, and the first few that did not."""

    spans: int = 0
    misaligned: int = 0
    examples: list[str] = field(default_factory=list)  # "file:line: 'text' (LABEL)"

    def __str__(self) -> str:
        if not self.misaligned:
            return f"all {self.spans:,} gold spans fall on token boundaries"
        shown = "; ".join(self.examples)
        return (
            f"{self.misaligned:,} of {self.spans:,} gold spans do not fall on token boundaries; "
            f"their tokens were trained as unknown, not as O (e.g. {shown})"
        )


def token_targets(examples: Iterable[Example], tagset: TagSet) -> list[TokenTargets]:
    """The token targets of the merged answers of ``examples`` (see the module docstring);
    texts without tokens are left out (:func:`alignment_report` counts misaligned spans).

    Raises:
        ModelError: a span runs past the end of its text or is empty (E208).
    """
    out: list[TokenTargets] = []
    for target in merge_answers(examples):
        if not len(target.doc):
            continue
        out.append(_token_target(target, tagset))
    return out


def _token_target(target: Target, tagset: TagSet) -> TokenTargets:
    doc = target.doc
    n = len(doc)
    tags = np.zeros(n, dtype=np.int64) if target.complete else np.full(n, UNKNOWN, np.int64)
    entities, bad = _align(target, target.entities)
    taken = np.zeros(n, dtype=bool)
    for span in sorted(entities, key=lambda s: (s.start, -s.end)):
        if taken[span.start : span.end].any():
            continue  # overlapping gold spans: the first one stays (``data check`` flags them)
        taken[span.start : span.end] = True
        tags[span.start : span.end] = tagset.tag_ids([(0, len(span), span.label)], len(span))
    # The tokens a misaligned span or an unknown range touches.
    for miss in [*((m.start, m.end) for m in bad), *((a, b) for a, b, _ in target.unknown)]:
        lo = int(np.searchsorted(doc.ends, miss[0], side="right"))
        hi = int(np.searchsorted(doc.starts, miss[1], side="left"))
        touched = np.arange(lo, max(lo, hi))
        tags[touched[~taken[touched]]] = UNKNOWN
    rejected, _ = _align(target, target.rejected)  # a misaligned reject cannot be predicted
    return TokenTargets(doc, tags, [(s.start, s.end, s.label) for s in rejected])


def _align(
    target: Target, spans: Sequence[tuple[int, int, str]]
) -> tuple[list[Span], list[Misaligned]]:
    try:
        return align_spans(target.doc, spans, "strict")
    except NerkitError as err:
        src = target.source
        raise ModelError(
            "E208",
            f"Cannot align the gold spans of an example: {err.message}",
            path=src.path if src else None,
            line=src.line if src else None,
            hint="Run `nerkit data check` on the file and fix or drop the span.",
        ) from err


def alignment_report(examples: Iterable[Example], max_shown: int = 3) -> AlignmentReport:
    """How many gold entities of the merged answers of ``examples`` fall on their tokens."""
    report = AlignmentReport()
    for target in merge_answers(examples):
        _, bad = _align(target, target.entities)
        report.spans += len(target.entities)
        report.misaligned += len(bad)
        for miss in bad[: max(0, max_shown - len(report.examples))]:
            where = f"{target.source}: " if target.source else ""
            text = target.doc.text[miss.start : miss.end]
            report.examples.append(f"{where}{text!r} ({miss.label})")
    return report

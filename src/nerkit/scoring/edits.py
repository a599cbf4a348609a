"""What an annotator does to turn a text's pre-filled spans into its gold spans, counted.

An annotator's *decisions* are the units of cost that ``nerkit simulate`` adds up:

- **added**: a gold span the annotator marks (nothing pre-filled overlapped it with its label
  or its boundaries);
- **removed**: a pre-filled span that is not gold and was not fixed into a gold one;
- **resized**: a pre-filled span with the label of a gold span it overlaps, but other
  boundaries: one decision (drag its edges), not a removal and an addition;
- **relabelled**: a pre-filled span on exactly the boundaries of a gold span, with another
  label: one decision;
- **accepted**: a text sent as done (one per text of manual and correct);
- **answered**: a binary answer, accept or reject, about one suggested span (teach).

A pre-filled span that overlaps a gold span with another label *and* other boundaries counts
as removed plus added (2 decisions, the same as resizing and relabelling it). Annotating from
scratch is correcting an empty pre-fill: one ``added`` per gold span, plus the accept.
Pre-filled spans are paired with gold spans one to one: exact matches first (free), then
same boundaries (relabelled), then same label and overlapping (resized, largest overlap
first).

Example:
    >>> gold = [(0, 3, "PER"), (8, 14, "ORG"), (20, 25, "LOC")]
    >>> pred = [(0, 3, "PER"), (8, 12, "ORG"), (20, 25, "ORG"), (30, 33, "PER")]
    >>> d = correction(pred, gold)
    >>> d.added, d.removed, d.resized, d.relabelled, d.accepted, d.total
    (0, 1, 1, 1, 1, 4)
    >>> correction([], gold).span_edits
    3
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

from ..tokens import CharSpan


@dataclass(frozen=True)
class Decisions:
    """Counts of an annotator's decisions (see the module doc); they add up with ``+``."""

    added: int = 0
    removed: int = 0
    resized: int = 0
    relabelled: int = 0
    accepted: int = 0
    answered: int = 0

    @property
    def span_edits(self) -> int:
        """Spans added, removed, resized or relabelled."""
        return self.added + self.removed + self.resized + self.relabelled

    @property
    def total(self) -> int:
        """Every decision: the span edits, the texts accepted and the binary answers."""
        return self.span_edits + self.accepted + self.answered

    def __add__(self, other: Decisions) -> Decisions:
        return Decisions(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def correction(predicted: Iterable[CharSpan], gold: Iterable[CharSpan]) -> Decisions:
    """The decisions that turn the pre-filled ``predicted`` spans of one text into its
    ``gold`` spans, and accept the text.

    >>> correction([(0, 5, "ORG")], [(0, 9, "ORG")]).resized
    1
    >>> d = correction([(0, 5, "ORG")], [(2, 9, "PER")])  # other label and boundaries
    >>> d.removed, d.added
    (1, 1)
    """
    pred = sorted(set(predicted))
    want = sorted(set(gold))
    exact = set(pred) & set(want)
    pred = [p for p in pred if p not in exact]
    want = [g for g in want if g not in exact]
    relabelled = _pair(pred, want, lambda p, g: (p[0], p[1]) == (g[0], g[1]))
    resized = _pair(pred, want, lambda p, g: p[2] == g[2] and _overlap(p, g) > 0)
    return Decisions(
        added=len(want), removed=len(pred), resized=resized, relabelled=relabelled, accepted=1
    )


def from_scratch(gold: Iterable[CharSpan]) -> Decisions:
    """Annotating a text with nothing pre-filled: one ``added`` per gold span, one accept."""
    return correction([], gold)


BINARY_ANSWER = Decisions(answered=1)


def _overlap(a: CharSpan, b: CharSpan) -> int:
    return min(a[1], b[1]) - max(a[0], b[0])


def _pair(
    pred: list[CharSpan], gold: list[CharSpan], fits: Callable[[CharSpan, CharSpan], bool]
) -> int:
    """Pair spans of ``pred`` and ``gold`` that ``fits`` (largest overlap first), remove the
    paired ones from both lists in place, and return how many pairs there were."""
    pairs = sorted(
        ((p, g) for p in pred for g in gold if fits(p, g)),
        key=lambda pg: (-_overlap(*pg), pg),
    )
    used_p: set[CharSpan] = set()
    used_g: set[CharSpan] = set()
    for p, g in pairs:
        if p not in used_p and g not in used_g:
            used_p.add(p)
            used_g.add(g)
    pred[:] = [p for p in pred if p not in used_p]
    gold[:] = [g for g in gold if g not in used_g]
    return len(used_p)

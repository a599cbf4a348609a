"""Alignment of character spans to tokens: strict, contract or expand, with a full report.

Example:
    >>> doc = Doc("Visit New York now", [0, 6, 10, 15], [5, 9, 14, 18])
    >>> spans, bad = align_spans(doc, [(6, 14, "LOC"), (7, 14, "LOC")])
    >>> [s.text for s in spans], bad[0].nearest_text(doc)
    (['New York'], 'New York')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import SpanError
from .doc import Doc, Span

AlignMode = Literal["strict", "contract", "expand"]
CharSpan = tuple[int, int, str]


@dataclass(frozen=True)
class Misaligned:
    """A character span whose ends are not token boundaries, and the nearest one that is."""

    start: int
    end: int
    label: str
    reason: str
    nearest: tuple[int, int] | None  # character offsets of the nearest aligned span
    nearest_tokens: tuple[int, int] | None  # its token indices [start, end)

    def nearest_text(self, doc: Doc) -> str | None:
        if self.nearest is None:
            return None
        return doc.text[self.nearest[0] : self.nearest[1]]


def token_bounds(doc: Doc, start: int, end: int, mode: AlignMode) -> tuple[int, int] | None:
    """Token indices ``[i, j)`` for the character span, or None if ``mode`` cannot align it."""
    starts, ends = doc.starts, doc.ends
    if mode == "contract":
        i = int(np.searchsorted(starts, start, side="left"))
        j = int(np.searchsorted(ends, end, side="right"))
        return (i, j) if i < j else None
    i = int(np.searchsorted(ends, start, side="right"))
    j = int(np.searchsorted(starts, end, side="left"))
    if i >= j:
        return None
    if mode == "strict" and (starts[i] != start or ends[j - 1] != end):
        return None
    return i, j


def char_span(
    doc: Doc, start: int, end: int, label: str = "", mode: AlignMode = "strict"
) -> Span | None:
    """The Span of ``doc`` for character offsets ``[start, end)``, or None if it does not align."""
    _check_bounds(doc, start, end, label)
    bounds = token_bounds(doc, start, end, mode)
    if bounds is None:
        return None
    return Span.from_tokens(doc, bounds[0], bounds[1], label)


def nearest_aligned(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """Token bounds of the aligned span closest to ``[start, end)`` (contracted or expanded)."""
    options = [b for b in (token_bounds(doc, start, end, m) for m in ("contract", "expand")) if b]

    def distance(b: tuple[int, int]) -> int:
        return abs(int(doc.starts[b[0]]) - start) + abs(int(doc.ends[b[1] - 1]) - end)

    return min(options, key=distance) if options else None


def align_spans(
    doc: Doc, spans: Iterable[CharSpan], mode: AlignMode = "strict"
) -> tuple[list[Span], list[Misaligned]]:
    """Align character spans to ``doc``'s tokens.

    Returns the aligned spans and a report of every span that did not align exactly, each with
    the nearest aligned span. In ``contract``/``expand`` mode a misaligned span is still
    reported, and its contracted/expanded version is included in the aligned list.

    Raises:
        SpanError: a span is empty, reversed or runs past the end of the text.
    """
    aligned: list[Span] = []
    report: list[Misaligned] = []
    for start, end, label in spans:
        _check_bounds(doc, start, end, label)
        exact = token_bounds(doc, start, end, "strict")
        if exact is not None:
            aligned.append(Span.from_tokens(doc, exact[0], exact[1], label))
            continue
        near = nearest_aligned(doc, start, end)
        reasons = []
        first, last = doc.token_at(start), doc.token_at(end - 1)  # end >= 1: bounds checked
        if first < 0 or doc.starts[first] != start:
            reasons.append(f"start {start} is not a token start")
        if last < 0 or doc.ends[last] != end:
            reasons.append(f"end {end} is not a token end")
        report.append(
            Misaligned(
                start,
                end,
                label,
                "; ".join(reasons) or "does not cover whole tokens",
                (int(doc.starts[near[0]]), int(doc.ends[near[1] - 1])) if near else None,
                near,
            )
        )
        if mode != "strict":
            bounds = token_bounds(doc, start, end, mode)
            if bounds is not None:
                aligned.append(Span.from_tokens(doc, bounds[0], bounds[1], label))
    return aligned, report


def _check_bounds(doc: Doc, start: int, end: int, label: str) -> None:
    if not 0 <= start < end <= len(doc.text):
        what = "past the end of its text" if end > len(doc.text) else "empty or reversed"
        raise SpanError(
            "E117",
            f"Span ({start}, {end}, {label!r}) is {what} (text length {len(doc.text)})",
            offset=start,
            hint="Check the span offsets: start < end <= len(text), counted in characters.",
        )

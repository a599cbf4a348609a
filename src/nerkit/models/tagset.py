"""BILUO tag ids for a label set, the transitions a greedy decoder may take, tags <-> spans.

Tag ``0`` is ``O``; label ``k`` owns tags ``1 + 4k .. 4 + 4k`` (B, I, L, U). The previous-tag
index ``n_tags`` stands for "start of sequence".

Example:
    >>> ts = TagSet(("LOC", "PER"))
    >>> ts.names[:5]
    ['O', 'B-LOC', 'I-LOC', 'L-LOC', 'U-LOC']
    >>> ts.spans([1, 3, 0, 8])
    [(0, 2, 'LOC'), (3, 4, 'PER')]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..tokens import biluo_tag_names

# Added to a tag's score when the transition to it is not allowed; finite so that sums stay
# exact in integer arithmetic, and far below any score a perceptron reaches.
FORBIDDEN = -(10**9)


class TagSet:
    """The BILUO tags of ``labels`` and their transition constraints."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        self.names = biluo_tag_names(self.labels)
        self.n_tags = len(self.names)
        self.start = self.n_tags
        self.index = {name: i for i, name in enumerate(self.names)}
        n = self.n_tags
        # allowed[prev, tag]; row ``n`` is the start of a sequence.
        allowed = np.zeros((n + 1, n), dtype=bool)
        opens = (
            [0]
            + [1 + 4 * k for k in range(len(self.labels))]
            + [4 + 4 * k for k in range(len(self.labels))]
        )
        for prev in range(n + 1):
            kind = self.kind(prev)
            if kind in ("B", "I"):
                k = (prev - 1) // 4
                allowed[prev, [2 + 4 * k, 3 + 4 * k]] = True
            else:
                allowed[prev, opens] = True
        self.allowed = allowed
        self.penalty = np.where(allowed, 0, FORBIDDEN).astype(np.int64)
        # At the last token an entity must close: no B- or I-.
        self.last_penalty = np.zeros(n, dtype=np.int64)
        for t in range(n):
            if self.kind(t) in ("B", "I"):
                self.last_penalty[t] = FORBIDDEN

    def kind(self, tag: int) -> str:
        """``'O'``, ``'B'``, ``'I'``, ``'L'``, ``'U'`` or ``'start'``."""
        if tag == self.n_tags:
            return "start"
        if tag == 0:
            return "O"
        return "BILU"[(tag - 1) % 4]

    def label_of(self, tag: int) -> str:
        return self.labels[(tag - 1) // 4]

    def tag_ids(self, spans: Sequence[tuple[int, int, str]], n_tokens: int) -> np.ndarray:
        """BILUO tag ids of non-overlapping token spans ``(start, end, label)``."""
        tags = np.zeros(n_tokens, dtype=np.int64)
        for start, end, label in spans:
            base = 1 + 4 * self.labels.index(label)
            if end - start == 1:
                tags[start] = base + 3
            else:
                tags[start] = base
                tags[start + 1 : end - 1] = base + 1
                tags[end - 1] = base + 2
        return tags

    def spans(self, tags: Sequence[int] | np.ndarray) -> list[tuple[int, int, str]]:
        """Token spans of a tag-id sequence; a broken entity is closed where it breaks."""
        out: list[tuple[int, int, str]] = []
        start = -1
        for i, tag in enumerate(tags):
            kind = self.kind(int(tag))
            if kind == "U":
                out.append((i, i + 1, self.label_of(int(tag))))
                start = -1
            elif kind == "B":
                start = i
            elif kind == "L" and start >= 0:
                out.append((start, i + 1, self.label_of(int(tag))))
                start = -1
            elif kind == "O":
                start = -1
        return out

"""Continuing from a trained model whose labels the new data extends: the grown label set and
where each of the old model's tags lands in the new tag set (tag ids move: matched by name).

Example:
    >>> old, new = TagSet(("LOC", "PER")), TagSet(grown_labels(("LOC", "PER"), ["BRAND"]))
    >>> new.labels
    ('BRAND', 'LOC', 'PER')
    >>> tag_map(old, new).tolist()  # O stays 0; B-LOC (1) is now 5, ...; start 9 -> 13
    [0, 5, 6, 7, 8, 9, 10, 11, 12, 13]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .tagset import TagSet


def grown_labels(
    base: Sequence[str], new: Iterable[str], configured: Sequence[str] = ()
) -> tuple[str, ...]:
    """The labels of a model continued from one with the labels ``base``: ``configured``
    (the model's ``labels`` setting) when given, with any base label it lacks added; else
    the union of ``base`` and the ``new`` data's labels, sorted."""
    if configured:
        return (*configured, *(lab for lab in base if lab not in configured))
    return tuple(sorted({*base, *new}))


def tag_map(old: TagSet, new: TagSet) -> np.ndarray:
    """``(old.n_tags + 1,)`` int64: the id in ``new`` of each tag of ``old`` (the same name),
    the last entry the start symbol (``old.start`` -> ``new.start``).

    Raises:
        ValueError: a label of ``old`` is not in ``new``.
    """
    missing = [lab for lab in old.labels if lab not in new.labels]
    if missing:
        raise ValueError(f"labels {missing} of the base are missing from the new tag set")
    out = np.array([new.index[name] for name in old.names] + [new.start], dtype=np.int64)
    return out

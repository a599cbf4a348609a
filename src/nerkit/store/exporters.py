"""Export a dataset of the store to a file in any format :mod:`nerkit.corpus` writes (what
``nerkit db export`` runs).

Example:
    >>> import pathlib, tempfile
    >>> from nerkit.corpus import Example
    >>> from nerkit.store import Store
    >>> from nerkit.tokens import Doc
    >>> store = Store("sqlite://")
    >>> _ = store.add_examples("news", [Example(Doc.from_words(["Ann", "left"]))])
    >>> _ = store.add_annotation(next(store.unanswered("news")).id, [(0, 3, "PER")], "accept",
    ...                          session="alice")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "news.jsonl"
    >>> export_dataset(store, "news", out).written
    1
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..corpus import get_format, write
from ..corpus.readwrite import format_for_output

if TYPE_CHECKING:
    from .store import Store


@dataclass
class ExportCounts:
    """What an export wrote, and what the format could not hold, by reason (``"binary"``
    answers, ``"reject"``/``"ignore"`` answers; see :func:`nerkit.corpus.readwrite.writable`)."""

    written: int
    format: str
    left_out: Counter[str] = field(default_factory=Counter)


def export_dataset(
    store: Store,
    dataset: str,
    output: str | Path,
    format: str | None = None,
    *,
    answer: str | None = "accept",
    session: str | None = None,
) -> ExportCounts:
    """Write ``dataset``'s annotated examples to ``output`` (format from its extension when
    None): per example its latest complete answer that is not ignore, else each of its binary
    (teach) answers; only answers that are ``answer`` (None: all), of ``session`` if given.

    Raises:
        StoreError: E401, no such dataset. FormatError: E007, the format is unclear.
    """
    output = Path(output)
    target = get_format(format) if format else format_for_output(output)
    store.dataset(dataset)  # a missing dataset fails before the file is touched
    counts = ExportCounts(0, target.name)
    merged = store.merged(dataset, answer=answer, session=session)
    counts.written = write(merged, output, target.name, left_out=counts.left_out)
    return counts

"""Batch prediction over files and iterables of records: the short forms of ``run.py``.

Example:
    >>> import pathlib, tempfile
    >>> import nerkit
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.txt").write_text("first post\\nsecond post\\n")
    >>> predict_file(nerkit.blank("en"), folder / "in.txt", folder / "out.jsonl")
    2
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus.files import check_not_input, check_readable
from ..corpus.readwrite import db_dataset
from .run import predict_into, predict_stream
from .sources import read_source

if TYPE_CHECKING:
    from ..pipeline import Pipeline


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of a file: one text per line of plain text, JSONL objects with a "text" field,
    or any other format nerkit reads (see :func:`nerkit.predict.sources.read_source`)."""
    return read_source(path)


def predict_records(
    nlp: Pipeline, records: Iterable[dict[str, Any]], batch_size: int = 256
) -> Iterator[dict[str, Any]]:
    """Each record (a dict with a ``"text"`` string) with ``spans`` set to the predicted
    ``{"start", "end", "label", "text", "score"}`` character spans, its other fields kept;
    streamed in batches of ``batch_size`` texts.

    >>> import nerkit
    >>> [r["spans"] for r in predict_records(nerkit.blank("en"), [{"text": "Hi", "id": 1}])]
    [[]]
    """
    for batch in predict_stream(nlp, records, batch_size=batch_size):
        yield from batch


def predict_file(
    model: str | Path | Pipeline,
    input: str | Path,
    output: str | Path,
    batch_size: int = 256,
    *,
    db: str | None = None,
) -> int:
    """Tag every record of ``input`` (a file, see :func:`read_records`, or ``db:NAME``, a
    dataset of the store in database ``db``) with ``model`` (a loaded pipeline or a model
    directory) and write them to ``output`` as JSONL, atomically; returns the number written.
    An output that is the input is E019, before anything is read."""
    if db_dataset(input) is None:
        check_not_input(output, input)
        check_readable(Path(input))
    counts = predict_into(model, read_source(input, db=db), output=output, batch_size=batch_size)
    return counts.written

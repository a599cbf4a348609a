"""Batch prediction: read records from a file, predict in batches, write JSONL.

The library function behind ``nerkit predict``; a server or a distributed job calls the same
functions (:func:`predict_records` on any iterable of records, :func:`predict_file` on files).

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
from itertools import tee
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus.files import atomic_write_lines, dumps, iter_lines
from ..corpus.jsonio import iter_json_lines
from ..errors import FormatError

if TYPE_CHECKING:
    from ..pipeline import Pipeline


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of INPUT: JSONL objects with a "text" field, or one text per line of plain text.

    A file is read as JSONL when its first non-empty line starts with ``{`` (or it is named
    ``.jsonl``/``.ndjson``), through the corpus's JSONL reader (E001 invalid JSON, E002 not an
    object); a record without a "text" string is E003. Non-UTF-8 input is E006.
    """
    first = next((line for _, line in iter_lines(path) if line.strip()), "")
    if not (first.lstrip().startswith("{") or path.suffix in (".jsonl", ".ndjson")):
        for _, line in iter_lines(path):
            if line.strip():
                yield {"text": line}
        return
    for lineno, record in iter_json_lines(path):
        if not isinstance(record.get("text"), str):
            raise FormatError(
                "E003",
                'The record has no "text" string',
                path=path,
                line=lineno,
                hint='Each JSONL line must be an object with a "text" field.',
            )
        yield record


def predict_records(
    nlp: Pipeline, records: Iterable[dict[str, Any]], batch_size: int = 256
) -> Iterator[dict[str, Any]]:
    """Each record (a dict with a ``"text"`` string) with ``spans`` set to the predicted
    ``{"start", "end", "label", "text"}`` character spans, its other fields kept; streamed
    in batches of ``batch_size`` texts.

    >>> import nerkit
    >>> [r["spans"] for r in predict_records(nerkit.blank("en"), [{"text": "Hi", "id": 1}])]
    [[]]
    """
    # Streamed: tee holds at most one batch of records until their docs come back.
    ahead, texts = tee(records)
    docs = nlp.pipe((r["text"] for r in texts), batch_size=batch_size)
    for record, doc in zip(ahead, docs):
        spans = [
            {"start": e.start_char, "end": e.end_char, "label": e.label, "text": e.text}
            for e in doc.ents
        ]
        yield {**record, "spans": spans}


def predict_file(
    model: str | Path | Pipeline, input: str | Path, output: str | Path, batch_size: int = 256
) -> int:
    """Tag every record of ``input`` (see :func:`read_records`) with ``model`` (a loaded
    pipeline or a model directory) and write them to ``output`` as JSONL, atomically;
    returns the number written."""
    from ..pipeline import Pipeline as _Pipeline
    from ..pipeline import load

    nlp = model if isinstance(model, _Pipeline) else load(model)
    records = predict_records(nlp, read_records(Path(input)), batch_size)
    return atomic_write_lines(Path(output), (dumps(r) for r in records))

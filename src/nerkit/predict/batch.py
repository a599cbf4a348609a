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

from ..corpus.files import atomic_write_lines, check_not_input, check_readable, dumps, iter_lines
from ..corpus.jsonio import iter_json_lines
from ..corpus.readwrite import db_dataset
from ..errors import ConfigError, FormatError

if TYPE_CHECKING:
    from ..pipeline import Pipeline


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of INPUT: JSONL objects with a "text" field, or one text per line of plain text.

    A file is read as JSONL when its first non-empty line starts with ``{`` (or it is named
    ``.jsonl``/``.ndjson``), through the corpus's JSONL reader (E001 invalid JSON, E002 not an
    object); a record without a "text" string is E003. A missing file is E008, a directory
    E009, an empty one E005, a binary or non-UTF-8 one E006.
    """
    check_readable(path)
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
    if batch_size < 1:
        raise ConfigError(
            "E309", f"--batch-size must be 1 or more, got {batch_size}", hint="e.g. 256"
        )
    # Streamed: tee holds at most one batch of records until their docs come back.
    ahead, texts = tee(records)
    docs = nlp.pipe((r["text"] for r in texts), batch_size=batch_size)
    for record, doc in zip(ahead, docs):
        spans = [
            {"start": e.start_char, "end": e.end_char, "label": e.label, "text": e.text}
            for e in doc.ents
        ]
        yield {**record, "spans": spans}


def read_dataset(name: str, db: str | None = None) -> Iterator[dict[str, Any]]:
    """Records of the store dataset ``name`` (``db:NAME``) in database ``db``, answered or
    not: ``{"id": example id, "text": ...}`` in id order."""
    from ..store import Store

    with Store(db) as store:
        store.dataset(name)  # a missing dataset fails before the output is touched
        for ex in store.examples(name):
            yield {"id": ex.id, "text": ex.text}


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
    from ..pipeline import Pipeline as _Pipeline
    from ..pipeline import load

    name = db_dataset(input)
    if name is None:
        check_not_input(output, input)
        check_readable(Path(input))
    nlp = model if isinstance(model, _Pipeline) else load(model)
    source = read_dataset(name, db) if name is not None else read_records(Path(input))
    records = predict_records(nlp, source, batch_size)
    return atomic_write_lines(Path(output), (dumps(r) for r in records))

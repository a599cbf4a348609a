"""`nerkit predict MODEL INPUT --output OUT.jsonl`: tag texts in batches, write plain JSONL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import tee
from pathlib import Path
from typing import Annotated, Any

import typer

from ..corpus._io import atomic_write_lines, dumps
from ..errors import FormatError
from . import app


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of INPUT: JSONL objects with a "text" field, or one text per line of plain text.

    A file is read as JSONL when its first non-empty line starts with ``{``.
    """
    as_json: bool | None = None  # decided by the first non-empty line
    with open(path, encoding="utf8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            if as_json is None:
                as_json = line.lstrip().startswith("{") or path.suffix in (".jsonl", ".ndjson")
            if not as_json:
                yield {"text": line.rstrip("\r\n")}
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise FormatError(
                    "E003", f"Invalid JSON: {err.msg}", path=path, line=lineno, offset=err.pos
                ) from err
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise FormatError(
                    "E004",
                    'Record has no "text" string',
                    path=path,
                    line=lineno,
                    hint='Each JSONL line must be an object with a "text" field.',
                )
            yield record


def predict_file(model: Path, input: Path, output: Path, batch_size: int = 256) -> int:
    """Tag every record of ``input`` with the model at ``model``; returns the number written.

    Each output line is the input record (all its fields kept) with ``spans`` replaced by the
    predicted ``{"start", "end", "label", "text"}`` character spans.
    """
    from ..pipeline import load

    nlp = load(model)
    # Streamed: tee holds at most one batch of records until their docs come back.
    records, texts = tee(read_records(input))
    docs = nlp.pipe((r["text"] for r in texts), batch_size=batch_size)

    def lines() -> Iterator[str]:
        for record, doc in zip(records, docs):
            spans = [
                {"start": e.start_char, "end": e.end_char, "label": e.label, "text": e.text}
                for e in doc.ents
            ]
            yield dumps({**record, "spans": spans})

    return atomic_write_lines(output, lines())


@app.command("predict")
def predict_command(
    model: Annotated[Path, typer.Argument(help="Model directory written by `nerkit train`.")],
    input: Annotated[
        Path, typer.Argument(help='Plain text (one document per line) or JSONL with "text".')
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL file to write.")],
    batch_size: Annotated[int, typer.Option("--batch-size", help="Texts per batch.")] = 256,
) -> None:
    """Predict entities in INPUT and write JSONL records with their "spans"."""
    from rich.console import Console

    n = predict_file(model, input, output, batch_size)
    Console(stderr=True).print(f"Wrote {n} records to {output}", highlight=False)

"""`nerkit predict MODEL INPUT --output OUT.jsonl`: tag texts in batches, write plain JSONL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import FormatError
from . import app


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of INPUT: JSONL objects with a "text" field, or one text per line of plain text.

    A file is read as JSONL when its first non-empty line starts with ``{``.
    """
    with open(path, encoding="utf8") as fh:
        lines = list(fh)
    first = next((ln for ln in lines if ln.strip()), "")
    as_json = first.lstrip().startswith("{") or path.suffix in (".jsonl", ".ndjson")
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
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
    records = list(read_records(input))
    output.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(output, "w", encoding="utf8") as out:
        docs = nlp.pipe((r["text"] for r in records), batch_size=batch_size)
        for record, doc in zip(records, docs):
            spans = [
                {"start": e.start_char, "end": e.end_char, "label": e.label, "text": e.text}
                for e in doc.ents
            ]
            out.write(json.dumps({**record, "spans": spans}, ensure_ascii=False) + "\n")
            n += 1
    return n


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

"""`nerkit predict MODEL INPUT --output OUT.jsonl`: tag texts in batches, write plain JSONL
(the work is :func:`nerkit.predict.predict_file`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app
from .db import DbOption


@app.command("predict")
def predict_command(
    model: Annotated[Path, typer.Argument(help="Model directory written by `nerkit train`.")],
    input: Annotated[
        Path,
        typer.Argument(
            help='Plain text (one document per line), JSONL with "text", or db:DATASET (the '
            "store's examples, answered or not; each output record keeps its example id)."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL file to write.")],
    batch_size: Annotated[int, typer.Option("--batch-size", help="Texts per batch.")] = 256,
    db: DbOption = None,
) -> None:
    """Predict entities in INPUT and write JSONL records with their "spans"."""
    from rich.console import Console

    from ..predict import predict_file

    n = predict_file(model, input, output, batch_size, db=db)
    Console(stderr=True).print(f"Wrote {n} records to {output}", highlight=False)

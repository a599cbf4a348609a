"""`nerkit display MODEL SOURCE --output page.html`: the entities a model finds, as a page
(the work is :func:`nerkit.display.render`)."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Annotated

import typer

from . import app
from .db import DbOption


@app.command("display")
def display_command(
    model: Annotated[Path, typer.Argument(help="Model directory written by `nerkit train`.")],
    source: Annotated[
        str,
        typer.Argument(
            help="Texts: a file (plain text, JSONL, any format nerkit reads) or db:DATASET."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML page to write.")],
    limit: Annotated[int, typer.Option("--limit", help="Show the first N texts.")] = 200,
    split: Annotated[
        str, typer.Option("--split", help="Plain text: a document per line | blank | file.")
    ] = "line",
    from_format: Annotated[
        str | None, typer.Option("--from", help="Format of SOURCE (default: detected).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write an HTML page of SOURCE's texts with the entities MODEL finds highlighted.

    Example: nerkit display model posts.txt --output posts.html
    """
    from rich.console import Console

    from ..corpus.files import atomic_write_lines, check_not_input
    from ..display import render
    from ..errors import ConfigError
    from ..pipeline import load
    from ..predict import predict_stream, read_source

    if limit < 1:
        raise ConfigError("E309", f"--limit must be 1 or more, got {limit}")
    check_not_input(output, source)
    nlp = load(model)
    records = islice(read_source(source, format=from_format, split=split, db=db), limit)  # type: ignore[arg-type]
    shown = [r for batch in predict_stream(nlp, records) for r in batch]
    page = render(shown, labels=nlp.labels, page=True, title=f"{model.name}: {source}")
    atomic_write_lines(output, [page.rstrip("\n")])
    found = sum(len(r["spans"]) for r in shown)
    Console(stderr=True).print(
        f"Wrote {output}: {len(shown):,} texts, {found:,} entities", highlight=False
    )

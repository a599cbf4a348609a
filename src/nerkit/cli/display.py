"""`nerkit display MODEL SOURCE --output page.html`: the entities a model finds, as a page
(the work is :func:`nerkit.display.render`)."""

from __future__ import annotations

from collections.abc import Sequence
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
    label: Annotated[
        str | None,
        typer.Option(
            "--label",
            "-l",
            help="Label order for the colours, comma-separated (default: the dataset's order "
            "when SOURCE is db:DATASET, then the model's), as in nerkit annotate.",
        ),
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
    page = render(
        shown, labels=_label_order(label, source, db, nlp.labels), page=True,
        title=f"{model.name}: {source}",
    )  # fmt: skip
    atomic_write_lines(output, [page.rstrip("\n")])
    found = sum(len(r["spans"]) for r in shown)
    Console(stderr=True).print(
        f"Wrote {output}: {len(shown):,} texts, {found:,} entities", highlight=False
    )


def _label_order(label: str | None, source: str, db: str | None, model: Sequence[str]) -> list[str]:
    """``--label``'s order, then a ``db:`` dataset's, then the model's (as nerkit annotate)."""
    from ..corpus.readwrite import db_dataset
    from ..display import label_order

    name = db_dataset(source)
    dataset: list[str] = []
    if name is not None:
        from ..store import Store

        with Store(db) as store:
            dataset = store.labels(name)
    given = [x.strip() for x in (label or "").split(",") if x.strip()]
    return label_order(given, dataset, model)

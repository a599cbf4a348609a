"""`nerkit evaluate MODEL DATA`: exact-match P/R/F per label, and prediction speed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import app
from .db import DbOption, use_db


@app.command("evaluate")
def evaluate_command(
    model: Annotated[Path, typer.Argument(help="Model directory written by `nerkit train`.")],
    data: Annotated[Path, typer.Argument(help="Annotated data to score against.")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Data format (detected if omitted).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the scores as JSON here.")
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Docs per prediction batch.")
    ] = 256,
    db: DbOption = None,
) -> None:
    """Score MODEL on DATA: precision, recall and F1 per label (exact span match)."""
    use_db(db)
    from rich.console import Console
    from rich.table import Table

    from ..corpus import read
    from ..pipeline import load
    from ..scoring import evaluate

    nlp = load(model)
    examples = [ex for ex in read(data, format, tokenizer=nlp.tokenizer) if ex.answer == "accept"]
    result = evaluate(nlp, examples, batch_size=batch_size)
    scores = result.scores
    table = Table(title=f"{model} on {data}")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, prf in sorted(scores.per_label.items()):
        table.add_row(
            label,
            *(f"{100 * v:.2f}" for v in (prf.precision, prf.recall, prf.f1)),
            str(prf.support),
        )
    table.add_section()
    table.add_row(
        "micro",
        *(f"{100 * v:.2f}" for v in (scores.precision, scores.recall, scores.f1)),
        str(scores.micro.support),
        style="bold",
    )
    table.add_row("macro F1", "", "", f"{100 * scores.macro_f1:.2f}", "")
    console = Console()
    console.print(table)
    console.print(
        f"{result.n_examples} examples, {result.n_words} words, "
        f"{result.words_per_second:,.0f} words/s (prediction on the data's own tokens)",
        highlight=False,
    )
    if json_out is not None:
        json_out.write_text(
            json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf8"
        )

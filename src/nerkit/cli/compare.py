"""`nerkit compare MODEL_A MODEL_B DATA`: both models' scores and a paired bootstrap test of
their F1 over the documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import app
from .db import DbOption, load_store_for


@app.command("compare")
def compare_command(
    model_a: Annotated[Path, typer.Argument(help="Model directory A (the baseline).")],
    model_b: Annotated[Path, typer.Argument(help="Model directory B (the challenger).")],
    data: Annotated[Path, typer.Argument(help="Annotated data to score both against.")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Data format (detected if omitted).")
    ] = None,
    resamples: Annotated[
        int, typer.Option("--resamples", help="Bootstrap resamples of the documents.", min=1)
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write both scores and the test here.")
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Docs per prediction batch.")
    ] = 256,
    db: DbOption = None,
) -> None:
    """Is B better than A? Precision, recall and F1 of both on DATA, and the F1 difference
    B - A with its 95% interval from a paired bootstrap over the documents."""
    from rich.console import Console
    from rich.table import Table

    from ..corpus import accepted, read
    from ..pipeline import load
    from ..scoring.compare import compare

    nlp_a, nlp_b = load(model_a), load(model_b)
    load_store_for(data)
    # Texts are predicted raw by each model's own tokenizer; A's tokens only align the gold.
    examples = accepted(read(data, format, tokenizer=nlp_a.tokenizer, db=db))
    result = compare(
        nlp_a, nlp_b, examples, n_resamples=resamples, seed=seed, batch_size=batch_size
    )
    a, b, test = result.a.scores, result.b.scores, result.test
    console = Console(highlight=False, soft_wrap=True)
    table = Table(title=f"A = {model_a}, B = {model_b}, on {data} ({len(examples)} documents)")
    for col in ("label", "F1 A", "F1 B", "B - A", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label in sorted(set(a.per_label) | set(b.per_label)):
        fa, fb = (s.per_label[label].f1 if label in s.per_label else 0.0 for s in (a, b))
        support = (a.per_label.get(label) or b.per_label[label]).support
        table.add_row(label, f"{100 * fa:.2f}", f"{100 * fb:.2f}", f"{100 * (fb - fa):+.2f}",
                      str(support))  # fmt: skip
    table.add_section()
    for name, va, vb in (
        ("micro precision", a.precision, b.precision),
        ("micro recall", a.recall, b.recall),
        ("micro F1", a.f1, b.f1),
        ("macro F1", a.macro_f1, b.macro_f1),
    ):
        table.add_row(name, f"{100 * va:.2f}", f"{100 * vb:.2f}", f"{100 * (vb - va):+.2f}", "",
                      style="bold" if name == "micro F1" else None)  # fmt: skip
    console.print(table)
    d = test.difference
    console.print(
        f"F1 difference B - A: {100 * d.value:+.2f} points, 95% interval "
        f"[{100 * d.low:+.2f}, {100 * d.high:+.2f}] (paired bootstrap, {resamples} resamples "
        f"of the documents, seed {seed}); A beats B in {100 * test.a_wins:.1f}% of the "
        f"resamples, B beats A in {100 * test.b_wins:.1f}%"
    )
    if test.supported:
        better = "B" if d.value > 0 else "A"
        console.print(f"The data supports the difference: {better} is better on data like this.")
    elif d.low == d.high == 0:
        console.print("Both models score the same on every resample.")
    else:
        console.print(
            "The data does not support a difference: the interval includes 0 (more test "
            "documents would narrow it)."
        )
    if json_out is not None:
        out = json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
        json_out.write_text(out + "\n", encoding="utf8")

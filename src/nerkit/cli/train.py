"""`nerkit train TRAIN DEV --output DIR`: train a model and keep the epoch best on DEV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from . import app
from .db import DbOption, use_db


@app.command("train")
def train_command(
    train_path: Annotated[
        Path, typer.Argument(help="Training data (any format `nerkit convert` reads).")
    ],
    dev_path: Annotated[Path, typer.Argument(help="Development data: picks the best epoch.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    model: Annotated[
        str,
        typer.Option(
            "--model", "-m", help="Model type: neural (BiLSTM-CRF, default) or perceptron (fast)."
        ),
    ] = "neural",
    config: Annotated[Path | None, typer.Option("--config", "-c", help="TOML config file.")] = None,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Data format (detected if omitted).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed (same seed, same model).")
    ] = None,
    overrides: Annotated[
        list[str] | None, typer.Option("--set", help="Override a setting: section.key=value.")
    ] = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Tokenizer language for untokenized data.")
    ] = "en",
    device: Annotated[
        str | None,
        typer.Option("--device", help="Neural model: train on cpu, cuda or cuda:N (train.device)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Train a named-entity recognizer and save the best model to OUTPUT."""
    use_db(db)
    from rich.console import Console

    from ..training import train

    console = Console()
    # The perceptron counts wrongly tagged tokens; the neural model reports its loss.
    cost = "errors" if model.startswith("perceptron") else "loss"
    columns = ("model", "epoch", cost, "dev P", "dev R", "dev F", "best", "seconds")
    console.print(f"Training {model}", style="bold")
    console.print("  ".join(f"{c:>7}" for c in columns), style="bold")

    def progress(info: dict[str, Any]) -> None:
        # Printed as each epoch ends (a live table would hide the history when piped).
        dev = info.get("dev") or {}
        mark = "*" if info.get("best_epoch") == info["epoch"] else ""
        errors = info.get("errors", info.get("loss"))
        row = [
            str(info.get("member") or ""),
            str(info["epoch"]),
            "" if errors is None else f"{errors:.4g}" if isinstance(errors, float) else str(errors),
            *(f"{100 * dev[k]:.2f}" if k in dev else "-" for k in ("precision", "recall", "f1")),
            mark,
            f"{info['seconds']:.1f}" if "seconds" in info else "",
        ]
        console.print("  ".join(f"{c:>7}" for c in row), highlight=False)

    result = train(
        train_path,
        dev_path,
        output,
        model=model,
        config=config,
        overrides=[*(overrides or []), *([f"train.device={device}"] if device else [])],
        seed=seed,
        format=format,
        lang=lang,
        callback=progress,
    )
    console.print(
        f"Trained on {result.n_train} examples in {result.seconds:.1f}s; "
        f"best model written to [bold]{output}[/]"
    )
    if result.evaluation is not None:
        s = result.evaluation.scores
        console.print(
            f"dev P {100 * s.precision:.2f}  R {100 * s.recall:.2f}  F {100 * s.f1:.2f}",
            highlight=False,
        )

"""`nerkit calibrate MODEL DEV`: fit a trained model's span scores on dev data again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app
from .db import DbOption, load_store_for


@app.command("calibrate")
def calibrate_command(
    model: Annotated[Path, typer.Argument(help="Model directory written by `nerkit train`.")],
    dev: Annotated[
        str, typer.Argument(help="Dev data (file or db:DATASET) the model did not train on.")
    ],
    train: Annotated[
        str | None,
        typer.Option(
            "--train",
            help="Training data: its entities count as seen. Default: the model's training "
            "data file recorded in meta.json, if it is still there unchanged.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Format of DEV (detected if omitted).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Calibrate MODEL's span scores on DEV (training does this when it has dev data), so a
    score is the chance the entity is right; writes the calibration into MODEL."""
    from rich.console import Console

    from ..training.calibrate import calibrate_model

    load_store_for(dev, train)
    calibration, note = calibrate_model(model, dev, train, format=format, db=db)
    r = calibration.record
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"Calibrated on {r['dev_entities']:,} dev entities ({r['dev_correct']:,} right): "
        f"calibration error {r['dev_ece_raw']:.3f} -> {r['dev_ece']:.3f}; seen entities from "
        f"{note}; written to {model}"
    )

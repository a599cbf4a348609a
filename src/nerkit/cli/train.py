"""`nerkit train TRAIN [DEV] --output DIR`: train a model and keep the epoch best on DEV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from . import app
from .config import SetOption
from .db import DbOption


@app.command("train")
def train_command(
    train_path: Annotated[
        Path, typer.Argument(help="Training data (any format `nerkit convert` reads).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    dev_path: Annotated[
        Path | None,
        typer.Argument(help="Development data: picks the best epoch (or use --dev-split)."),
    ] = None,
    dev_split: Annotated[
        float | None,
        typer.Option(
            "--dev-split",
            help="Without DEV: hold out this share of the TRAIN texts (e.g. 0.2) to pick the "
            "best epoch, seeded by train.seed.",
        ),
    ] = None,
    model: Annotated[
        str,
        typer.Option(
            "--model", "-m", help="Model type: neural (BiLSTM-CRF, default) or perceptron (fast)."
        ),
    ] = "neural",
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            "-c",
            help="TOML config file, or a packaged config (blank, word2vec-static, perceptron...).",
        ),
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Data format (detected if omitted).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed (same seed, same model).")
    ] = None,
    overrides: SetOption = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Tokenizer language for untokenized data.")
    ] = "en",
    device: Annotated[
        str | None,
        typer.Option("--device", help="Neural model: train on cpu, cuda or cuda:N (train.device)."),
    ] = None,
    db: DbOption = None,
    base: Annotated[
        Path | None,
        typer.Option(
            "--base",
            help="Start from this trained model (same type): its weights, vocabulary and "
            "labels; labels of the new data are added.",
        ),
    ] = None,
    rehearse: Annotated[
        list[Path] | None,
        typer.Option(
            "--rehearse",
            help="With --base: texts to rehearse the base's labels on, with its predictions "
            "(its old training data, or a .txt file, one text per line). Repeatable.",
        ),
    ] = None,
) -> None:
    """Train a named-entity recognizer and save the best model to OUTPUT."""
    from rich.console import Console

    from ..errors import ConfigError
    from ..training import resolve_config, train

    if dev_path is not None and dev_split is not None:
        raise ConfigError(
            "E330",
            f"Both a DEV file ({dev_path}) and --dev-split {dev_split} were given",
            hint="Pass one: a DEV file with other texts, or --dev-split to hold out a share "
            "of TRAIN.",
        )
    settings = [*(overrides or []), *([f"train.device={device}"] if device else [])]
    # Resolved here too, to name the model in the progress table before training starts.
    seeded = [*settings, *([f"train.seed={seed}"] if seed is not None else [])]
    resolved = resolve_config(model, config, seeded)
    console = Console()
    if dev_path is None and dev_split is None:
        console.print(
            "Note: no dev data, so the number of epochs was not chosen on held-out data: the "
            f"model is the one after the last epoch (train.max_epochs = "
            f"{resolved.sections['train'].max_epochs}). Pass a DEV file, or --dev-split 0.2 to "
            "hold out a fifth of the training texts.",
            style="yellow",
            highlight=False,
        )
    from .progress import train_table

    progress = train_table(console, resolved.name)

    result = train(
        train_path,
        dev_path,
        output,
        model=model,
        config=config,
        overrides=settings,
        seed=seed,
        format=format,
        lang=lang,
        callback=progress,
        dev_split=dev_split,
        db=db,
        base=base,
        rehearse=rehearse or (),
    )
    kept = "best model" if result.n_dev else "model"
    console.print(
        f"Trained on {result.n_train:,} examples in {result.seconds:.1f}s; "
        f"{kept} written to [bold]{output}[/]"
    )
    if result.base is not None:
        _print_base(console, result.base)
    if result.alignment is not None and result.alignment.misaligned:
        console.print(f"Alignment: {result.alignment}", style="yellow", highlight=False)
    if result.n_dev:
        split_seed = result.config.sections["train"].seed
        source = (
            str(dev_path)
            if dev_path is not None
            else f"{100 * (dev_split or 0):g}% split of the training texts, seed {split_seed}"
        )
        console.print(f"Dev data: {source} ({result.n_dev:,} examples)", highlight=False)
    if result.evaluation is not None:
        s = result.evaluation.scores
        console.print(
            f"dev P {100 * s.precision:.2f}  R {100 * s.recall:.2f}  F {100 * s.f1:.2f}",
            highlight=False,
        )
    calibration = getattr(result.nlp.recognizer, "calibration_", None)
    if calibration is not None:
        r = calibration.record
        console.print(
            f"Scores calibrated on {r['dev_entities']:,} dev entities "
            f"({r['dev_correct']:,} right): calibration error {r['dev_ece_raw']:.3f} -> "
            f"{r['dev_ece']:.3f}",
            highlight=False,
        )
    elif result.n_dev == 0:
        console.print(
            "Scores not calibrated (no dev data): pass a dev file or --dev-split 0.2 to make "
            "them probabilities that --threshold can use.",
            style="yellow",
            highlight=False,
        )


def _print_base(console: Any, record: dict[str, Any]) -> None:
    """Say what the model continued from and what was rehearsed."""
    console.print(
        f"Continued from {record['path']} ({', '.join(record['labels'])})", highlight=False
    )
    if not record["rehearsal"]:
        console.print(
            "Rehearsal off (train.rehearsal = false): the old labels may be forgotten.",
            style="yellow",
            highlight=False,
        )
        return
    console.print(
        f"Rehearsal: {record['spans_merged_train']:,} base predictions of "
        f"{', '.join(record['old_labels_merged']) or 'no labels'} merged into the new "
        f"training texts; {record['rehearsal_examples']:,} rehearsal texts"
        + (
            f" from {', '.join(record['rehearsal_sources'])}"
            if record["rehearsal_sources"]
            else " (no --rehearse: only the new texts themselves; pass the base's training "
            "data with --rehearse to rehearse on texts like the old ones)"
        ),
        highlight=False,
    )

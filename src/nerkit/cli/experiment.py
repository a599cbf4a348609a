"""`nerkit experiment` (compare configs on the same data) and `nerkit curve` (learning curve)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..training.events import Progress

from . import app
from .db import EngineOption, SchedulerOption

_SEEDS_HELP = (
    "Train each {what} this many times, with seeds --seed, --seed + 1, ...{extra}: F1 as "
    "mean ± sd over the seeds, and ≈ where the paired bootstrap over the test documents does "
    "not support {diff}."
)
_SET_HELP = (
    "Override a setting in every config that has it: section.key=value; aim one with "
    "NAME:section.key=value (a config or model name, e.g. perceptron:train.ensemble=1)."
)


def _printer(kind: str) -> Progress:
    from rich.console import Console

    from .progress import run_lines

    return run_lines(Console(), kind)


@app.command("experiment")
def experiment_command(
    train_path: Annotated[Path, typer.Option("--train", help="Training data.")],
    dev_path: Annotated[Path, typer.Option("--dev", help="Development data (best epoch).")],
    test_path: Annotated[Path, typer.Option("--test", help="Test data (the table's scores).")],
    configs: Annotated[
        list[str] | None,
        typer.Argument(help="Config TOML files or packaged names (none: the default set)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Directory (default experiments/<time>).")
    ] = None,
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults",
            help="Add the default set: blank, word2vec-static, word2vec-fine-tune, "
            "fasttext-fine-tune, perceptron, perceptron-word2vec.",
        ),
    ] = False,
    vectors: Annotated[
        Path | None, typer.Option("--vectors", help="Vectors for configs that need some.")
    ] = None,
    vectors_raw: Annotated[
        list[Path] | None,
        typer.Option(
            "--vectors-raw", help="Raw text: train word2vec/fastText on it + train texts."
        ),
    ] = None,
    vectors_w2v: Annotated[
        Path | None, typer.Option("--vectors-w2v", help="word2vec vectors directory to use.")
    ] = None,
    vectors_ft: Annotated[
        Path | None, typer.Option("--vectors-ft", help="fastText vectors directory to use.")
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Data format (detected if omitted).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for every config.")] = None,
    seeds: Annotated[
        int,
        typer.Option(
            "--seeds",
            min=1,
            help=_SEEDS_HELP.format(
                what="config",
                extra=" (without --seed: from each config's own)",
                diff="its difference from the best config",
            ),
        ),
    ] = 1,
    overrides: Annotated[list[str] | None, typer.Option("--set", help=_SET_HELP)] = None,
    lang: Annotated[str, typer.Option("--lang", help="Tokenizer language.")] = "en",
    engine: EngineOption = "local",
    scheduler: SchedulerOption = None,
    processes: Annotated[
        int, typer.Option("--processes", help="--engine dask without --scheduler: workers.")
    ] = 2,
) -> None:
    """Train each config on the same data; one table of test F1, OOV, time, speed and size."""
    from ..errors import ConfigError
    from ..training.experiment import DEFAULT_CONFIGS, run_experiment
    from ..training.report import print_table
    from ..training.seeds import NOT_SUPPORTED

    for name in configs or []:
        if Path(name).is_file() and Path(name).suffix != ".toml":
            # `--vectors-raw a.txt b.txt` leaves b.txt here: an option takes one value.
            raise ConfigError(
                "E328",
                f"'{name}' is not a .toml config",
                path=name,
                hint="Raw text for vectors needs a flag per file (--vectors-raw a.txt "
                "--vectors-raw b.txt) or commas (--vectors-raw a.txt,b.txt).",
            )
    raw = [Path(p) for value in vectors_raw or [] for p in str(value).split(",") if p]
    names = [*(configs or []), *(DEFAULT_CONFIGS if defaults else [])]
    result = run_experiment(
        names,
        train_path,
        dev_path,
        test_path,
        output,
        vectors=vectors,
        vectors_raw=raw,
        vectors_w2v=vectors_w2v,
        vectors_ft=vectors_ft,
        format=format,
        seed=seed,
        seeds=seeds,
        overrides=overrides or [],
        lang=lang,
        progress=_printer("experiment"),
        engine=engine,
        scheduler=scheduler,
        processes=processes,
    )
    # The terminal is narrow: the per-label F1 columns go to a second table (the files have one).
    headers, rows = result.table()
    labels = [h for h in headers if h.startswith("F1 ")]
    keep = [i for i, h in enumerate(headers) if h not in labels and h != "vectors trained on"]
    print_table(
        [headers[i] for i in keep], [[r[i] for i in keep] for r in rows], "Scores on test (%)"
    )
    if labels:
        cols = [headers.index(h) for h in labels]
        print_table(
            ["label", *(r[0] for r in rows)],
            [[h[3:], *(r[c] for r in rows)] for h, c in zip(labels, cols)],
            "F1 per label on test (%)",
        )
    if seeds > 1:
        typer.echo(
            f"F1: mean ± sample sd over {seeds} seeds. vs best: F1 points from the best config; "
            f"{NOT_SUPPORTED}: the paired bootstrap over the test documents does not support "
            "the difference (the config may be as good as the best). Intervals in results.md."
        )
    typer.echo(f"Wrote {result.output / 'results.md'} and {result.output / 'results.json'}")


@app.command("curve")
def curve_command(
    config: Annotated[str, typer.Argument(help="A config TOML file or a packaged name.")],
    train_path: Annotated[Path, typer.Option("--train", help="Training data.")],
    dev_path: Annotated[Path, typer.Option("--dev", help="Development data (best epoch).")],
    test_path: Annotated[Path, typer.Option("--test", help="Test data (the curve's F1).")],
    steps: Annotated[
        str, typer.Option("--steps", help="Comma-separated steps, e.g. 10,25,50,100.")
    ] = "10,25,50,100",
    unit: Annotated[
        str, typer.Option("--unit", help="percent (of the training data) or examples (counts).")
    ] = "percent",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Directory (default experiments/curve-<time>)."),
    ] = None,
    vectors: Annotated[
        Path | None, typer.Option("--vectors", help="Vectors, if the config needs some.")
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Data format (detected if omitted).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the shuffle and training.")] = 0,
    seeds: Annotated[
        int,
        typer.Option(
            "--seeds",
            min=1,
            help=_SEEDS_HELP.format(
                what="step", extra=", each its own shuffle", diff="its gain over the step before"
            ),
        ),
    ] = 1,
    overrides: Annotated[list[str] | None, typer.Option("--set", help=_SET_HELP)] = None,
    keep_models: Annotated[
        bool, typer.Option("--keep-models", help="Keep each step's model under models/.")
    ] = False,
    lang: Annotated[str, typer.Option("--lang", help="Tokenizer language.")] = "en",
    engine: EngineOption = "local",
    scheduler: SchedulerOption = None,
    processes: Annotated[
        int, typer.Option("--processes", help="--engine dask without --scheduler: workers.")
    ] = 2,
) -> None:
    """Train on growing shares of the training data; plot test F1 against training examples."""
    from ..errors import ConfigError
    from ..training.curve import learning_curve
    from ..training.report import print_table
    from ..training.seeds import NOT_SUPPORTED

    try:
        values = [float(s) for s in steps.split(",") if s.strip()]
    except ValueError as err:
        raise ConfigError(
            "E327", f"Cannot read --steps '{steps}'", hint="Write numbers: --steps 10,25,50,100"
        ) from err
    result = learning_curve(
        config,
        train_path,
        dev_path,
        test_path,
        values,
        unit=unit,
        output=output,
        vectors=vectors,
        format=format,
        seed=seed,
        seeds=seeds,
        overrides=overrides or [],
        lang=lang,
        keep_models=keep_models,
        progress=_printer("curve"),
        engine=engine,
        scheduler=scheduler,
        processes=processes,
    )
    headers, rows = result.table()
    print_table(headers, rows, title=f"Learning curve of {result.name} on {test_path.name}")
    if seeds > 1:
        typer.echo(
            f"test F1: mean ± sample sd over {seeds} seeds (each its own shuffle). gain: F1 "
            f"points over the step before; {NOT_SUPPORTED}: the paired bootstrap over the test "
            "documents does not support the gain."
        )
    typer.echo(f"Wrote {result.plot}, {result.output / 'curve.md'} and curve.json")

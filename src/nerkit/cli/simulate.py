"""`nerkit simulate DATA --test TEST`: play an annotator from gold data; cost against F1."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import app
from .config import SetOption
from .db import DbOption

if TYPE_CHECKING:
    from ..training.simulate import SimPoint


def _numbers(value: str, option: str) -> list[int]:
    from ..errors import ConfigError

    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError as err:
        raise ConfigError(
            "E372", f"Cannot read {option} '{value}'", hint=f"Write whole numbers: {option} 0,1"
        ) from err


def _line(point: SimPoint) -> None:
    typer.echo(
        f"{point.strategy:<17} seed {point.seed}  {point.texts:>6,} texts  "
        f"{point.decisions:>7,} decisions  test F1 {100 * point.f1:5.1f}"
    )


@app.command("simulate")
def simulate_command(
    data: Annotated[
        str, typer.Argument(help="Gold data: texts with all their entities annotated (or db:NAME).")
    ],
    test: Annotated[str, typer.Option("--test", help="Test data (the F1 of the curves).")],
    dev: Annotated[
        str | None, typer.Option("--dev", help="Development data: picks each model's best epoch.")
    ] = None,
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy",
            help="Comma-separated: manual (random texts, from scratch), uncertain (the texts "
            "the model is least sure of, from scratch), correct (fix the model's "
            "predictions), correct-uncertain (fix its predictions on the texts uncertain "
            "picks), teach (accept or reject one suggested span per text).",
        ),
    ] = "manual,uncertain,correct,teach",
    config: Annotated[
        str,
        typer.Option("--config", "-c", help="Model config: a TOML file or a packaged name."),
    ] = "perceptron",
    overrides: SetOption = None,
    seeds: Annotated[
        str, typer.Option("--seeds", help="Comma-separated seeds: one run per strategy and seed.")
    ] = "0",
    start: Annotated[
        int | None,
        typer.Option(
            "--start", help="Texts annotated from scratch before the first model (default: --step)."
        ),
    ] = None,
    step: Annotated[
        int, typer.Option("--step", help="Retrain every this many texts (teach: answers).")
    ] = 100,
    budget: Annotated[
        int | None,
        typer.Option("--budget", help="Stop when this many texts have an answer (default: all)."),
    ] = None,
    pool: Annotated[
        int | None,
        typer.Option("--pool", help="Use a seeded sample of this many gold texts (faster)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Directory (default experiments/simulate-<time>)."),
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Data format (detected if omitted).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Tokenizer language.")] = "en",
    db: DbOption = None,
) -> None:
    """Play an annotator from gold data: the decisions each way of annotating takes, and the
    test F1 they buy. Writes simulation.md, simulation.json and simulation.svg."""
    from ..training.experiment import default_output
    from ..training.report import print_table
    from ..training.simreport import table
    from ..training.simulate import simulate

    result = simulate(
        data,
        test,
        [s.strip() for s in strategy.split(",") if s.strip()],
        dev=dev,
        config=config,
        overrides=overrides or [],
        seeds=_numbers(seeds, "--seeds"),
        start=start,
        step=step,
        budget=budget,
        pool=pool,
        output=output if output is not None else default_output("simulate"),
        format=format,
        lang=lang,
        db=db,
        progress=_line,
    )
    headers, rows = table(result)
    print_table(headers, rows, title="Simulated annotation (test scores in %)")
    assert result.output is not None
    typer.echo(f"Wrote {result.output / 'simulation.md'}, simulation.json and simulation.svg")

"""The ``nerkit`` command: one thin module per command, each calling one library function."""

from __future__ import annotations

import sys

import typer

from ..errors import NerkitError

app = typer.Typer(
    name="nerkit",
    help="Build custom named-entity recognizers: tokenize, convert, check, train, evaluate, predict.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Check annotated data.", no_args_is_help=True)
app.add_typer(data_app, name="data")

# Each module registers its commands on `app` (or a sub-app) when imported.
from . import (  # noqa: E402,F401
    annotate,
    config,
    convert,
    data,
    db,
    evaluate,
    experiment,
    init_config,
    predict,
    tokenize,
    train,
    vectors,
)


def main() -> None:
    """Entry point: run the app, turning nerkit errors into a clear message and exit code 2."""
    try:
        app()
    except NerkitError as err:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]Error[/] {err}", markup=True, highlight=False)
        sys.exit(2)

"""The ``nerkit`` command: one thin module per command, each calling one library function."""

from __future__ import annotations

import sys
import warnings
from typing import Any, TextIO

import typer

from ..errors import NerkitError, NerkitWarning

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
    calibrate,
    compare,
    config,
    convert,
    data,
    db,
    display,
    evaluate,
    experiment,
    init_config,
    predict,
    serve,
    simulate,
    tokenize,
    train,
    vectors,
)


def main() -> None:
    """Entry point: run the app, turning nerkit errors into a clear message and exit code 2,
    and printing each nerkit warning as it happens (other warnings keep Python's handling).

    SIGTERM is handled like Ctrl-C (KeyboardInterrupt), so that an interrupted command
    unwinds: atomic writes remove their temporary file and leave the target as it was. Both
    also set ``errors.INTERRUPTED``, which long loops check, in case the KeyboardInterrupt
    is raised where Python swallows it (a finalizer run by the garbage collector).
    """
    import signal

    from ..errors import INTERRUPTED

    def _interrupt(signum: int, frame: object) -> None:
        INTERRUPTED.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        with warnings.catch_warnings():
            # Every time, not once per place: a second config or step may repeat a problem.
            warnings.simplefilter("always", NerkitWarning)
            warnings.showwarning = _show_warning(warnings.showwarning)
            app()
    except NerkitError as err:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]Error[/] {err}", markup=True, highlight=False)
        sys.exit(2)


def _show_warning(default: Any) -> Any:
    """A ``warnings.showwarning`` that prints a NerkitWarning as ``Warning [W201] ...`` on
    stderr, in yellow, and hands any other warning to ``default``."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if not isinstance(message, NerkitWarning):
            default(message, category, filename, lineno, file, line)
            return
        from rich.console import Console
        from rich.text import Text

        # Text, not markup: "[W201]" would read as a style tag. soft_wrap keeps it one line.
        Console(stderr=True).print(
            Text(f"Warning {message}", style="yellow"), highlight=False, soft_wrap=True
        )

    return show

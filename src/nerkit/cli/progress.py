"""The one place that renders training progress (:mod:`nerkit.training.events`) on the
terminal: ``nerkit train``'s table, one row per dev evaluation, and the lines of
``nerkit experiment`` and ``nerkit curve``. Printed as events come (a live display would hide
the history when the output is piped)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..training.events import (
    Evaluated,
    Event,
    Progress,
    RunFinished,
    RunStarted,
    VectorsProgress,
    VectorsReady,
)

if TYPE_CHECKING:
    from rich.console import Console

COLUMNS = ("model", "epoch", "{cost}", "dev P", "dev R", "dev F", "best", "seconds")


def _cell(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def train_table(console: Console, model_name: str) -> Progress:
    """Say which model trains; returns the callback printing the table's rows (its header
    with the first, so that an error found before training is not printed under it).
    The perceptron's cost column counts wrongly tagged tokens, the neural model's is its loss;
    "best" is starred only where dev F1 improved."""
    cost = "errors" if model_name.startswith("perceptron") else "loss"
    console.print(f"Training {model_name}", style="bold")
    header = [c.format(cost=cost) for c in COLUMNS]
    started = False

    def row(event: Event) -> None:
        nonlocal started
        if not isinstance(event, Evaluated):
            return
        if not started:
            console.print("  ".join(f"{c:>7}" for c in header), style="bold")
            started = True
        dev = event.dev
        cells = [
            str(event.member or ""),
            str(event.epoch),
            _cell(event.cost),
            *(
                (f"{100 * dev.precision:.2f}", f"{100 * dev.recall:.2f}", f"{100 * dev.f1:.2f}")
                if dev
                else ("-", "-", "-")
            ),
            "*" if event.best else "",
            f"{event.seconds:.1f}" if event.seconds is not None else "",
        ]
        console.print("  ".join(f"{c:>7}" for c in cells), highlight=False)

    return row


def run_lines(console: Console, kind: str) -> Progress:
    """The callback printing ``nerkit experiment`` (``kind="experiment"``) or ``nerkit
    curve`` (``"curve"``) progress: vectors, each run's start, its evaluations and result."""

    def line(event: Event) -> None:
        if isinstance(event, VectorsReady):
            what = "reusing" if event.cached else "training"
            console.print(f"Vectors: {what} {event.kind} {event.dim}d in {event.path}")
        elif isinstance(event, VectorsProgress) and event.stage == "train":
            console.print(f"  vectors epoch {event.done}/{event.total}", highlight=False)
        elif isinstance(event, RunStarted):
            what = f"{event.examples} examples" if kind == "curve" else str(event.model)
            seed = f" seed {event.seed}" if event.seed is not None else ""
            console.print(
                f"[bold][{event.index}/{event.total}] {event.name}{seed}[/] ({what})",
                highlight=False,
            )
        elif isinstance(event, Evaluated):
            member = f" model {event.member}" if event.member else ""
            f1 = f"dev F {100 * event.dev.f1:.2f}" if event.dev else ""
            secs = f"{event.seconds:.1f}s" if event.seconds is not None else ""
            console.print(f"  epoch {event.epoch}{member}  {f1}  {secs}", highlight=False)
        elif isinstance(event, RunFinished) and event.error is None:
            console.print(f"  test F {100 * (event.f1 or 0):.2f}", style="green", highlight=False)
        elif isinstance(event, RunFinished):
            console.print(f"  failed: {event.error}", style="red", highlight=False)

    return line

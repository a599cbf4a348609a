"""Tables and plots of experiments and learning curves: markdown, JSON, rich, PNG.

Example:
    >>> print(markdown_table(["config", "F1"], [["blank", "81.20"], ["perceptron", "84.02"]]))
    | config | F1 |
    | --- | ---: |
    | blank | 81.20 |
    | perceptron | 84.02 |
    >>> human_bytes(3_500_000), percent(0.1234), percent(None)
    ('3.5 MB', '12.34', '-')
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def percent(value: float | None, digits: int = 2) -> str:
    """A 0..1 value as a percentage without the sign; '-' for None."""
    return "-" if value is None else f"{100 * value:.{digits}f}"


def human_bytes(n: int | None) -> str:
    """Bytes in B, kB, MB or GB (powers of 1000); '-' for None."""
    if n is None:
        return "-"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def dir_bytes(path: str | Path) -> int:
    """Total size of the files under ``path``."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _numeric(cell: str) -> bool:
    text = cell.replace(",", "").replace("%", "").split(" ")[0]
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numeric_column(rows: Sequence[Sequence[str]], i: int) -> bool:
    """Numbers (or "-") in every row and at least one number."""
    cells = [r[i] for r in rows]
    return any(_numeric(c) for c in cells) and all(_numeric(c) or c == "-" for c in cells)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub markdown table; columns whose cells are numbers are right-aligned."""

    def esc(cell: str) -> str:
        return cell.replace("|", "\\|").replace("\n", " ")

    align = ["---:" if _numeric_column(rows, i) else "---" for i in range(len(headers))]
    lines = [
        "| " + " | ".join(esc(h) for h in headers) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None
) -> None:
    """Print the table to the terminal with rich."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # piped or logged: no terminal width to respect
        console = Console(width=200)
    table = Table(title=title)
    for i, header in enumerate(headers):
        numeric = _numeric_column(rows, i)
        table.add_column(header, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def write_json(path: str | Path, data: Any) -> None:
    """Write JSON aside and move it into place, so a reader never sees half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf8")
    os.replace(tmp, path)


def plot_curve(
    points: Sequence[tuple[int, float]],
    path: str | Path,
    title: str = "",
    dev_points: Sequence[tuple[int, float]] = (),
    spread: Sequence[float] = (),
) -> Path:
    """Draw test F1 (0..1) against the number of training examples to a PNG at ``path``;
    ``spread`` (one per point, 0..1): error bars of ± that much (the sd over seeds)."""
    from ..errors import missing_extra

    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise missing_extra("matplotlib", "neural", "Plotting a learning curve") from err
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    if points:
        xs, ys = zip(*points)
        if spread:
            ax.errorbar(xs, [100 * y for y in ys], yerr=[100 * e for e in spread], marker="o",
                        capsize=3, label="test F1 (mean ± sd over seeds)")  # fmt: skip
        else:
            ax.plot(xs, [100 * y for y in ys], marker="o", label="test F1")
        for x, y in points:
            ax.annotate(
                f"{100 * y:.1f}",
                (x, 100 * y),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
            )
    if dev_points:
        xs, ys = zip(*dev_points)
        ax.plot(xs, [100 * y for y in ys], marker="s", linestyle="--", alpha=0.6, label="dev F1")
    if dev_points or spread:
        ax.legend(loc="lower right")
    ax.set_xlabel("training examples")
    ax.set_ylabel("F1 (%)")
    ax.set_ylim(0, 100)
    ax.margins(x=0.08)
    ax.set_xlim(left=0)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out

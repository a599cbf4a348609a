"""`nerkit data check`: list annotation problems with file, line and offsets."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..corpus import Example, iter_read
from ..corpus.checks import CheckReport, Issue, check
from . import data_app
from .db import load_store_for


@data_app.command("check")
def check_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Data files, checked together as one dataset.")
    ],
    format: str = typer.Option(
        None, "--format", "-f", help="Format of the files (detected when left out)."
    ),
    scheme: str = typer.Option(
        None, "--scheme", help="Tag scheme of CoNLL files (detected when left out)."
    ),
    limit: int = typer.Option(
        20, "--limit", help="Warnings shown per kind (0 = all); errors are always all shown."
    ),
) -> None:
    """Check annotated data; exit 1 when an error is found, 0 otherwise.

    Example: nerkit data check train.jsonl dev.jsonl
    """
    load_store_for(*paths)
    examples: list[Example] = []
    console = Console(highlight=False)
    for path in paths:
        before = len(examples)
        examples.extend(iter_read(path, format, scheme=scheme, strict=False))
        console.print(f"{path}: {len(examples) - before:,} examples", markup=False)
    report = check(examples)
    print_report(report, console, limit)
    if not report.ok:
        raise typer.Exit(1)


def print_report(report: CheckReport, console: Console, limit: int = 20) -> None:
    """Print the issues table, the label table and a one-line summary."""
    shown: list[Issue] = []
    hidden: dict[str, int] = defaultdict(int)
    per_kind: dict[str, int] = defaultdict(int)
    for issue in sorted(report.issues, key=lambda i: i.severity != "error"):
        per_kind[issue.kind] += 1
        if issue.severity == "warning" and limit and per_kind[issue.kind] > limit:
            hidden[issue.kind] += 1
        else:
            shown.append(issue)
    if shown:
        table = Table(title="Issues")
        table.add_column("severity")
        table.add_column("where", overflow="fold", ratio=2)
        table.add_column("label")
        table.add_column("span", overflow="fold", ratio=2)
        table.add_column("problem", ratio=4)
        for issue in shown:
            color = "red" if issue.severity == "error" else "yellow"
            table.add_row(
                f"[{color}]{issue.severity}[/]",
                escape(issue.where),
                escape(issue.label or ""),
                escape(_show(issue.text)) if issue.text is not None else "",
                escape(f"{issue.kind}: {issue.message}"),
            )
        console.print(table)
    for kind, n in sorted(hidden.items()):
        console.print(f"... and {n:,} more '{kind}' warnings (--limit 0 shows all)", markup=False)
    labels = Table("label", "spans", "examples", title="Labels (accepted examples)")
    for label, n in report.label_counts.most_common():
        labels.add_row(escape(label), f"{n:,}", f"{report.label_examples[label]:,}")
    console.print(labels)
    answers = ", ".join(f"{a} {n:,}" for a, n in sorted(report.answers.items()))
    n_err, n_warn = len(report.errors), len(report.warnings)
    verdict = "[red]failed[/]" if n_err else "[green]passed[/]"
    console.print(
        f"{verdict}: {n_err:,} errors, {n_warn:,} warnings in {report.n_examples:,} examples "
        f"({report.n_spans:,} spans; answers: {escape(answers) or 'none'})"
    )


def _show(text: str) -> str:
    """A span's text on one line: newlines and tabs escaped."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")

"""`nerkit db ...`: import texts into the dataset store, export, list, stats, drop.

Every command takes ``--db URL`` (any SQLAlchemy URL or a SQLite file path; default
``$NERKIT_DB``, else ``nerkit.db`` in the current folder).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import app

if TYPE_CHECKING:
    from rich.console import Console

    from ..store import ImportCounts, Store

db_app = typer.Typer(
    help="The dataset store: import texts, export annotations, list, stats, drop.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="NERKIT_DB",
        help="Database: a SQLAlchemy URL (postgresql+psycopg://user@host/db) or a SQLite "
        "file; default nerkit.db in the current folder.",
        show_default=False,
    ),
]


def load_store_for(*paths: object) -> None:
    """Load the store when a data path is ``db:NAME``: importing it registers the ``db:``
    source of ``nerkit.corpus`` (and needs the ``store`` extra)."""
    from ..corpus.readwrite import db_dataset

    if any(db_dataset(str(p)) is not None for p in paths if p is not None):
        from .. import store  # noqa: F401


def _open(db: str | None) -> Store:
    from ..store import Store

    return Store(db)


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)  # no line breaks inside a path


def _counts(counts: ImportCounts) -> str:
    text = f"{counts.added:,} added, {counts.duplicates:,} duplicates skipped"
    if counts.empty:
        text += f", {counts.empty:,} empty skipped"
    return text + f", {counts.annotations:,} annotations added"


@db_app.command("import")
def import_command(
    dataset: Annotated[str, typer.Argument(help="Dataset to add to (made if missing).")],
    files: Annotated[list[Path], typer.Argument(help="Files to import.")],
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="txt (a text per line), csv, or any annotated format (jsonl, prodigy, conll, "
            "spacy-json, doccano, labelstudio, spacy); detected when left out.",
        ),
    ] = None,
    text_column: Annotated[
        str, typer.Option("--text-column", help="CSV column holding the text.")
    ] = "text",
    db: DbOption = None,
) -> None:
    """Add texts (and any annotations they carry) to DATASET; known texts are skipped.

    Example: nerkit db import posts posts.txt more.csv --text-column body
    """
    from ..store import ImportCounts, import_files

    console = _console()
    total = ImportCounts()
    with _open(db) as store:
        for path, name, counts in import_files(
            store, dataset, files, format, text_column=text_column
        ):
            console.print(f"{path} ({name}): {_counts(counts)}", markup=False)
            total += counts
    if len(files) > 1:
        console.print(f"Total: {_counts(total)}", markup=False)


@db_app.command("import-sql")
def import_sql_command(
    dataset: Annotated[str, typer.Argument(help="Dataset to add to (made if missing).")],
    url: Annotated[
        str, typer.Option("--url", help="Source database: a SQLAlchemy URL or a SQLite file.")
    ],
    query: Annotated[str, typer.Option("--query", help='The SQL to run, e.g. "SELECT ...".')],
    text_column: Annotated[
        str, typer.Option("--text-column", help="Column holding the text; the rest go to meta.")
    ] = "text",
    db: DbOption = None,
) -> None:
    """Add the texts a SQL query selects to DATASET (streamed; other columns become meta).

    Example: nerkit db import-sql posts --url postgresql+psycopg://me@host/forum
    --query "SELECT body AS text, id, created FROM posts"
    """
    from ..store import import_sql

    with _open(db) as store:
        counts = import_sql(store, dataset, url, query, text_column=text_column)
    _console().print(f"{dataset}: {_counts(counts)}", markup=False)


@db_app.command("export")
def export_command(
    dataset: Annotated[str, typer.Argument(help="Dataset to export.")],
    output: Annotated[Path, typer.Argument(help="File to write (replaced if it exists).")],
    format: Annotated[
        str | None,
        typer.Option("--format", "-f", help="Output format; from OUTPUT's extension if omitted."),
    ] = None,
    answer: Annotated[
        str,
        typer.Option(
            "--answer",
            help="Keep the answers that are this (accept, reject, ignore; complete or "
            "binary alike), or 'all'.",
        ),
    ] = "accept",
    session: Annotated[
        str | None, typer.Option("--session", help="Only this session's annotations.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write DATASET's annotated examples: per example its latest complete answer that is
    not ignore, else each of its binary (teach) answers.

    Example: nerkit db export posts posts.jsonl --answer accept
    """
    from ..store.exporters import export_dataset
    from .convert import left_out_lines

    with _open(db) as store:
        wanted = None if answer == "all" else answer
        counts = export_dataset(store, dataset, output, format, answer=wanted, session=session)
    console = _console()
    console.print(f"Wrote {counts.written:,} examples of {dataset} to {output}", markup=False)
    for line in left_out_lines(counts.left_out, counts.format):
        console.print(line, markup=False)


@db_app.command("list")
def list_command(db: DbOption = None) -> None:
    """List the datasets with their numbers of examples and annotations."""
    from rich.table import Table

    from ..store.url import safe_url

    with _open(db) as store:
        infos = store.datasets()
        where = repr(safe_url(store.url))
    console = _console()
    if not infos:
        console.print(f"No datasets in {where}.", markup=False)
        return
    table = Table(title=f"Datasets in {where}")
    for col in ("dataset", "examples", "annotations", "created"):
        table.add_column(col, justify="left" if col in ("dataset", "created") else "right")
    for info in infos:
        table.add_row(
            info.name,
            f"{info.examples:,}",
            f"{info.annotations:,}",
            info.created.strftime("%Y-%m-%d %H:%M UTC"),
        )
    console.print(table)


@db_app.command("stats")
def stats_command(
    dataset: Annotated[
        str | None, typer.Argument(help="Dataset (all datasets when left out).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Counts per dataset: examples, unanswered, annotations per answer, label and session."""
    with _open(db) as store:
        names = [dataset] if dataset else [info.name for info in store.datasets()]
        stats = [store.stats(name) for name in names]
    console = _console()
    if not stats:
        console.print("No datasets.")
    for st in stats:
        console.print(f"[bold]{st.name}[/]")
        console.print(
            f"  examples {st.examples:,}  unanswered {st.unanswered:,}  "
            f"annotations {st.annotations:,} ({st.binary:,} binary)"
        )
        for title, counts in (
            ("answers", st.answers),
            ("labels", st.labels),
            ("sessions", st.sessions),
        ):
            if counts:
                items = "  ".join(f"{key} {n:,}" for key, n in counts.items())
                console.print(f"  {title}: {items}", markup=False)


def _interactive() -> bool:
    return sys.stdin.isatty()


@db_app.command("drop")
def drop_command(
    dataset: Annotated[str, typer.Argument(help="Dataset to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete DATASET with all its examples and annotations (asks first unless --yes)."""
    from ..errors import StoreError

    with _open(db) as store:
        info = store.dataset(dataset)
        if not yes:
            if not _interactive():
                raise StoreError(
                    "E409",
                    f"Refusing to drop dataset '{dataset}' without confirmation (no terminal "
                    "to ask on)",
                    hint="Pass --yes to drop it.",
                )
            typer.confirm(
                f"Drop dataset '{dataset}' with {info.examples:,} examples and "
                f"{info.annotations:,} annotations?",
                abort=True,
            )
        store.drop_dataset(dataset)
    _console().print(
        f"Dropped {dataset} ({info.examples:,} examples, {info.annotations:,} annotations)",
        markup=False,
    )


@db_app.command("agreement")
def agreement_command(
    dataset: Annotated[str, typer.Argument(help="Dataset annotated by several sessions.")],
    db: DbOption = None,
) -> None:
    """Inter-annotator agreement: span F1 between each pair of sessions, per label.

    Example: nerkit db agreement brands
    """
    from rich.table import Table

    from ..annotate.agreement import dataset_agreement

    with _open(db) as store:
        report = dataset_agreement(store, dataset)
    console = _console()
    if len(report.sessions) < 2:
        console.print(
            f"{dataset}: {len(report.sessions)} annotator session(s); agreement needs two.",
            markup=False,
        )
        return
    table = Table(title=f"Agreement in {dataset} (exact-match span F1 on examples both accepted)")
    for col in ("sessions", "examples", "label", "f1", "both", "only one"):
        table.add_column(col, justify="left" if col in ("sessions", "label") else "right")
    for pair in report.pairs:
        rows = [("all", pair.scores.micro), *pair.scores.per_label.items()]
        for i, (label, prf) in enumerate(rows):
            table.add_row(
                f"{pair.a} / {pair.b}" if i == 0 else "",
                f"{pair.examples:,}" if i == 0 else "",
                label,
                f"{prf.f1:.3f}",
                f"{prf.tp:,}",
                f"{prf.fp + prf.fn:,}",
            )
    pooled = report.pooled
    for i, (label, prf) in enumerate([("all", pooled.micro), *pooled.per_label.items()]):
        table.add_row("all pairs" if i == 0 else "", "", label, f"{prf.f1:.3f}",
                      f"{prf.tp:,}", f"{prf.fp + prf.fn:,}")  # fmt: skip
    console.print(table)


# --engine / --scheduler of the commands that can run on a Dask cluster (predict, experiment,
# curve): the same names, variable and help everywhere.
EngineOption = Annotated[
    str, typer.Option("--engine", help="local (this machine) or dask (a Dask cluster).")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="DASK_SCHEDULER_ADDRESS",
        help="--engine dask: the scheduler (tcp://HOST:8786); default: a local cluster of "
        "--processes workers.",
    ),
]

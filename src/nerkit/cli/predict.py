"""`nerkit predict MODEL SOURCE`: tag texts from a file, the store or a SQL query, in
batches, into a file, the store or a SQL table (the work is :mod:`nerkit.predict.run`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import ConfigError
from . import app
from .db import DbOption, EngineOption, SchedulerOption

if TYPE_CHECKING:
    from rich.console import Console

    from ..predict import PredictCounts
    from ..predict.dask_engine import DaskProgress

    pass


@app.command("predict")
def predict_command(
    model: Annotated[Path, typer.Argument(help="Model directory written by `nerkit train`.")],
    source: Annotated[
        str | None,
        typer.Argument(
            help='Texts: a file (plain text, JSONL with "text", or any format nerkit reads), '
            "or db:DATASET (the store's examples, answered or not). Leave out with --query.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write: JSONL (each record with its spans) or any "
            "format nerkit writes, by extension or --to-format.",
        ),
    ] = None,
    to_format: Annotated[
        str | None, typer.Option("--to-format", help="Format of --output (default: extension).")
    ] = None,
    to_db: Annotated[
        str | None,
        typer.Option(
            "--to-db",
            help="Store the predictions as model suggestions of this dataset's "
            "examples (SOURCE's texts are added to it first), for annotate correct and review.",
        ),
    ] = None,
    to_sql: Annotated[
        str | None,
        typer.Option("--to-sql", help="Write one row per entity into --table of this database."),
    ] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="Table for --to-sql (created when missing).")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Database to read texts from with --query.")
    ] = None,
    query: Annotated[
        str | None,
        typer.Option("--query", help='SQL selecting the texts: "SELECT id, body FROM posts".'),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="--query's id column (default: id).")
    ] = None,
    text_column: Annotated[
        str | None,
        typer.Option(
            "--text-column", help="--query's text column (default: text, or the only other)."
        ),
    ] = None,
    from_format: Annotated[
        str | None, typer.Option("--from", help="Format of SOURCE (default: detected).")
    ] = None,
    split: Annotated[
        str,
        typer.Option(
            "--split",
            help="Plain text: a document per line, per blank-line-separated block, "
            "or the whole file (line | blank | file).",
        ),
    ] = "line",
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace this model version's earlier rows (--to-db, --to-sql) "
            "instead of resuming after them.",
        ),
    ] = False,
    processes: Annotated[
        int, typer.Option("--processes", "-p", help="Worker processes (cores) to predict on.")
    ] = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Texts per batch.")] = 256,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            help="Drop entities scored below this: 0.8 for every label, PRODUCT=0.7 for one "
            "(repeatable; over the model's [predict] thresholds).",
        ),
    ] = None,
    engine: EngineOption = "local",
    scheduler: SchedulerOption = None,
    partition_rows: Annotated[
        int, typer.Option("--partition-rows", help="--engine dask: texts per partition.")
    ] = 10_000,
    db: DbOption = None,
) -> None:
    """Predict entities in SOURCE (or the rows of --query) and write them to one destination:
    --output FILE, --to-db DATASET or --to-sql URL --table T.

    Store and SQL destinations resume: rerun after an interruption and the texts this model
    version wrote are skipped. Example:
    nerkit predict model --url posts.db --query "SELECT id, body FROM posts" --to-sql posts.db --table entities
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..predict import count_source, predict_into, read_source, sql_records
    from ..predict.sources import SPLITS

    if (source is None) == (query is None):
        raise ConfigError(
            "E334", "Give SOURCE or --query (with --url), not both nor neither",
            hint='nerkit predict MODEL posts.txt -o out.jsonl, or --url DB --query "SELECT ..."',
        )  # fmt: skip
    if query is not None and url is None:
        raise ConfigError("E334", "--query needs --url, the database to run it on")
    if split not in SPLITS:
        raise ConfigError("E309", f"--split {split!r}", hint=f"Use one of: {', '.join(SPLITS)}.")
    if output is not None and source is not None:
        from ..corpus.files import check_not_input

        check_not_input(output, source)
    if threshold:
        from ..models.calibration import Thresholds

        Thresholds.parse(threshold)  # E381 before anything is read or written
    console = Console(stderr=True)
    if to_db is not None:
        from ..predict import add_to_store

        source, added = add_to_store(
            to_db, source, url=url, query=query, text_column=text_column,
            format=from_format, split=split, db=db,  # type: ignore[arg-type]
        )  # fmt: skip
        query = None
        console.print(
            f"{to_db}: {added.added:,} texts added ({added.duplicates:,} there already)",
            highlight=False,
        )
    if query is not None:
        assert url is not None
        records = sql_records(url, query, id_column=id_column, text_column=text_column)
        total = count_source(None, url=url, query=query) if console.is_terminal else None
    else:
        assert source is not None
        records = read_source(source, format=from_format, split=split, db=db)  # type: ignore[arg-type]
        # The total is for the progress bar alone: no second pass over the source without one.
        total = count_source(source, split=split, db=db) if console.is_terminal else None  # type: ignore[arg-type]
    where = output or (f"{to_db} (suggestions)" if to_db else f"{to_sql} table {table}")
    if engine not in ("local", "dask"):
        raise ConfigError("E309", f"--engine {engine!r}", hint="Use local or dask.")
    if engine == "dask":
        counts = _on_dask(model, source, url, query, id_column, text_column, from_format, split,
                          output, to_format, to_db, db, to_sql, table, overwrite, batch_size,
                          scheduler, processes, partition_rows, console,
                          threshold or [])  # fmt: skip
        console.print(
            f"Predicted {counts.written:,} texts ({counts.entities:,} entities) into {where}",
            highlight=False,
        )
        return
    with Progress(
        TextColumn("predict"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:  # fmt: skip
        task = bar.add_task("predict", total=total, rate="")

        def update(counts: PredictCounts) -> None:
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f"{counts.written / elapsed:,.0f} texts/s" if elapsed > 0 else ""
            bar.update(task, completed=counts.read, rate=rate)

        counts = predict_into(
            model, records, output=output, format=to_format, to_db=to_db, db=db,
            to_sql=to_sql, table=table, overwrite=overwrite, batch_size=batch_size,
            processes=processes, on_batch=update, thresholds=threshold or [],
        )  # fmt: skip
    skipped = f", {counts.skipped:,} skipped (written before)" if counts.skipped else ""
    console.print(
        f"Predicted {counts.written:,} texts ({counts.entities:,} entities){skipped} into {where}",
        highlight=False,
    )


def _on_dask(
    model: Path, source: str | None, url: str | None, query: str | None,
    id_column: str | None, text_column: str | None, from_format: str | None, split: str,
    output: Path | None, to_format: str | None, to_db: str | None, db: str | None,
    to_sql: str | None, table: str | None, overwrite: bool, batch_size: int,
    scheduler: str | None, processes: int, partition_rows: int, console: Console,
    thresholds: list[str],
) -> PredictCounts:  # fmt: skip
    import time

    from ..predict.partitions import plan_partitions
    from ..predict.run import predict_on_dask

    if partition_rows < 1:
        raise ConfigError("E309", f"--partition-rows must be 1 or more, got {partition_rows}")
    parts = plan_partitions(
        source, rows=partition_rows, format=from_format, split=split, db=db,  # type: ignore[arg-type]
        url=url, query=query, id_column=id_column, text_column=text_column,
    )  # fmt: skip
    started = time.perf_counter()
    shown = {"dashboard": False}

    def progress(p: DaskProgress) -> None:
        done, total = p.done, p.partitions
        texts = p.texts
        if not shown["dashboard"]:
            shown["dashboard"] = True
            link = p.dashboard
            console.print(f"Dask: {total} partitions; dashboard {link or '(not running)'}",
                          highlight=False)  # fmt: skip
            return
        rate = texts / max(1e-9, time.perf_counter() - started)
        console.print(f"  {done}/{total} partitions, {texts:,} texts, {rate:,.0f} texts/s",
                      highlight=False)  # fmt: skip

    return predict_on_dask(
        model, parts, output=output, format=to_format, to_db=to_db, db=db, to_sql=to_sql,
        table=table, overwrite=overwrite, batch_size=batch_size, scheduler=scheduler,
        processes=max(processes, 1), on_progress=progress, thresholds=thresholds,
    )  # fmt: skip

"""Batch prediction from any source into any destination: what ``nerkit predict`` runs.

Records stream from a source (``sources.py``) in batches through the model (on this process,
or on ``processes`` worker processes, ``parallel.py``) into a file (JSONL with every record's
fields, or any format nerkit writes; atomic), the store (``--to-db``: suggestions) or a SQL
table (``--to-sql``), ``sinks.py``. Store and SQL runs resume: the ids a model version has
written are skipped.

Example:
    >>> import pathlib, tempfile
    >>> import nerkit
    >>> from nerkit.predict import read_source
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.txt").write_text("first post\\nsecond post\\n")
    >>> predict_into(nerkit.blank("en"), read_source(folder / "in.txt"), output=folder / "out.jsonl").written
    2
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus.files import atomic_write_lines, dumps
from ..errors import ConfigError, check_interrupted
from .parallel import tag, tag_in_processes
from .sinks import Record, Sink, make_sink, sink_spec
from .sources import Split, read_source

if TYPE_CHECKING:
    from ..pipeline import Pipeline
    from ..store import ImportCounts


@dataclass
class PredictCounts:
    """What a run did: records read, skipped (written before by this model version),
    predicted and written, and the entities found."""

    read: int = 0
    skipped: int = 0
    written: int = 0
    entities: int = 0


def model_identity(path: str | Path | None, nlp: Pipeline) -> tuple[str, str]:
    """``(name, version)`` of a model: its directory's name, and the first 12 hex digits of a
    hash of the checksums of its files (meta.json), so retraining gives a new version."""
    name = Path(path).resolve().name if path is not None else str(nlp.meta.get("model") or "model")
    files = nlp.meta.get("files")
    basis = json.dumps(files if isinstance(files, dict) else nlp.meta, sort_keys=True, default=str)
    return name, hashlib.sha256(basis.encode()).hexdigest()[:12]


def predict_stream(
    nlp: Pipeline,
    records: Iterable[Record],
    *,
    batch_size: int = 256,
    processes: int = 1,
    model_path: str | Path | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    counts: PredictCounts | None = None,
) -> Iterator[list[Record]]:
    """Batches of ``records`` with ``spans`` set (scored entities), leaving out those whose
    id (as a string) is in ``skip``. ``processes`` > 1 needs ``model_path``."""
    if batch_size < 1:
        raise ConfigError(
            "E309", f"--batch-size must be 1 or more, got {batch_size}", hint="e.g. 256"
        )
    if processes < 1:
        raise ConfigError("E309", f"--processes must be 1 or more, got {processes}")
    counts = counts if counts is not None else PredictCounts()

    def wanted() -> Iterator[Record]:
        for record in records:
            counts.read += 1
            if skip and str(record.get("id")) in skip:
                counts.skipped += 1
                continue
            yield record

    def batches() -> Iterator[list[Record]]:
        it = wanted()
        while batch := list(islice(it, batch_size)):
            yield batch

    if processes == 1 or model_path is None:
        for batch in batches():
            yield _joined(batch, tag(nlp, [r["text"] for r in batch]), counts)
        return
    # The records of the batches in flight wait here; their texts go to the workers.
    held: list[list[Record]] = []

    def texts() -> Iterator[list[str]]:
        for batch in batches():
            held.append(batch)
            yield [r["text"] for r in batch]

    for spans in tag_in_processes(model_path, texts(), processes, nlp.thresholds):
        yield _joined(held.pop(0), spans, counts)


def _joined(
    batch: list[Record], spans: list[list[dict[str, Any]]], counts: PredictCounts
) -> list[Record]:
    out = [{**r, "spans": s} for r, s in zip(batch, spans)]
    counts.written += len(out)
    counts.entities += sum(len(s) for s in spans)
    return out


def check_destination(
    output: str | Path | None, to_db: str | None, to_sql: str | None, table: str | None
) -> None:
    """E334 unless exactly one destination is given (and ``to_sql`` with its ``table``)."""
    chosen = [x for x in (output, to_db, to_sql) if x is not None]
    if len(chosen) != 1:
        raise ConfigError(
            "E334",
            "Give one destination: --output FILE, --to-db DATASET or --to-sql URL --table T",
        )
    if to_sql is not None and not table:
        raise ConfigError("E334", "--to-sql needs --table NAME", hint="e.g. --table entities")


def predict_into(
    model: str | Path | Pipeline,
    records: Iterable[Record],
    *,
    output: str | Path | None = None,
    format: str | None = None,
    to_db: str | None = None,
    db: str | None = None,
    to_sql: str | None = None,
    table: str | None = None,
    overwrite: bool = False,
    batch_size: int = 256,
    processes: int = 1,
    on_batch: Callable[[PredictCounts], None] | None = None,
    thresholds: Sequence[str] = (),
) -> PredictCounts:
    """Predict ``records`` with ``model`` into one destination: ``output`` (a file, written
    atomically: JSONL keeps every field of each record and adds ``spans``; another format
    (``format``, else by extension) gets the texts with their entities), ``to_db`` (a dataset
    of the store ``db``: the records' ids are its example ids) or ``to_sql`` + ``table``.
    ``on_batch`` is called with the counts after each batch (progress). ``thresholds``
    (``["0.8"]``, ``["PRODUCT=0.7"]``) drop entities scored below them, over the model's own
    (set on ``model`` when it is a Pipeline)."""
    from ..pipeline import Pipeline as _Pipeline
    from ..pipeline import load

    check_destination(output, to_db, to_sql, table)
    path = None if isinstance(model, _Pipeline) else Path(model)
    nlp = model if isinstance(model, _Pipeline) else load(model)
    if thresholds:
        nlp.set_thresholds(thresholds)
    name, version = model_identity(path, nlp)
    counts = PredictCounts()
    spec = sink_spec(name, version, to_db=to_db, db=db, to_sql=to_sql, table=table)
    sink: Sink | None = make_sink(spec, overwrite=overwrite) if spec is not None else None
    stream = predict_stream(
        nlp,
        records,
        batch_size=batch_size,
        processes=processes,
        model_path=path,
        skip=sink.done() if sink is not None else frozenset(),
        counts=counts,
    )
    if sink is None:
        assert output is not None
        _write_file(Path(output), format, stream, counts, on_batch, nlp)
        return counts
    completed = False
    try:
        for batch in stream:
            check_interrupted()  # the KeyboardInterrupt may have been swallowed
            sink.write(batch)
            if on_batch is not None:
                on_batch(counts)
        completed = True
    finally:
        sink.close(completed)
    return counts


def predict_on_dask(
    model: str | Path,
    partitions: list[Any],
    *,
    output: str | Path | None = None,
    format: str | None = None,
    to_db: str | None = None,
    db: str | None = None,
    to_sql: str | None = None,
    table: str | None = None,
    overwrite: bool = False,
    batch_size: int = 256,
    scheduler: str | None = None,
    processes: int = 2,
    on_progress: Callable[[Any], None] | None = None,
    thresholds: Sequence[str] = (),
) -> PredictCounts:
    """``predict_into`` on a Dask cluster (``dask_engine.py``): the same destinations and
    outputs, the partitions (``partitions.plan_partitions``) predicted on the workers. A rerun
    replaces what this model version wrote for each id rather than skipping it."""
    from ..pipeline import load
    from .dask_engine import run_on_dask

    check_destination(output, to_db, to_sql, table)
    path = Path(model)
    nlp = load(path)  # a damaged model fails here, before any worker starts
    if thresholds:
        nlp.set_thresholds(thresholds)
    name, version = model_identity(path, nlp)
    sink = sink_spec(name, version, to_db=to_db, db=db, to_sql=to_sql, table=table)
    if sink is not None:  # checks the dataset, makes the table, --overwrite: once, here
        make_sink(sink, overwrite=overwrite).close(True)
    counts = PredictCounts()

    def progress(p: Any) -> None:
        counts.read = counts.written = p.texts
        counts.entities = p.entities
        if on_progress is not None:
            on_progress(p)

    assert sink is not None or output is not None
    lines = sink is None and is_jsonl(Path(output), format)  # type: ignore[arg-type]
    results = run_on_dask(path, partitions, version=version, sink=sink, scheduler=scheduler,
                          processes=processes, batch_size=batch_size, on_progress=progress,
                          as_lines=lines, thresholds=nlp.thresholds)  # fmt: skip
    if sink is not None:
        for _ in results:
            pass
        return counts
    assert output is not None
    if lines:  # the workers wrote each partition's JSONL lines: the client only copies them
        atomic_write_lines(Path(output), (b for b in results if b))  # type: ignore[misc]
        return counts
    _write_file(Path(output), format, results, counts, None, nlp)  # type: ignore[arg-type]
    return counts


def add_to_store(
    dataset: str,
    source: str | Path | None,
    *,
    url: str | None = None,
    query: str | None = None,
    text_column: str | None = None,
    format: str | None = None,
    split: Split = "line",
    db: str | None = None,
) -> tuple[str, ImportCounts]:
    """Add the texts of ``source`` (or of ``query`` on ``url``) to ``dataset`` of the store
    ``db`` (texts it holds are skipped), so that their predictions can be stored as its
    suggestions; returns ``("db:DATASET", counts)``, the source to predict."""
    from ..corpus import Example
    from ..corpus.readwrite import db_dataset
    from ..store import ImportCounts, Store, import_sql
    from ..store.importers import untokenized

    if source is not None and db_dataset(source) == dataset:
        return str(source), ImportCounts()
    with Store(db) as store:
        if query is not None:
            if url is None:
                raise ConfigError("E334", "--query needs --url, the database to run it on")
            counts = import_sql(store, dataset, url, query, text_column=text_column or "text")
        elif source is not None:
            texts = read_source(source, format=format, split=split, db=db)
            counts = store.add_examples(dataset, (Example(untokenized(r["text"])) for r in texts))
        else:
            raise ConfigError("E334", "Give SOURCE or --query (with --url)")
    return f"db:{dataset}", counts


def is_jsonl(path: Path, format: str | None) -> bool:
    """Whether ``path`` is written as JSONL records (the default for ``.jsonl`` and no suffix)."""
    return (format or "jsonl").lower() == "jsonl" and bool(
        format or path.suffix.lower() in ("", ".jsonl")
    )


def _write_file(
    path: Path,
    format: str | None,
    stream: Iterator[list[Record]],
    counts: PredictCounts,
    on_batch: Callable[[PredictCounts], None] | None,
    nlp: Pipeline,
) -> None:
    def records() -> Iterator[Record]:
        for batch in stream:
            yield from batch
            if on_batch is not None:
                on_batch(counts)

    if is_jsonl(path, format):
        atomic_write_lines(path, (dumps(r) for r in records()))
        return
    from ..corpus import Example, write

    tokenizer = nlp.make_doc

    def examples() -> Iterator[Example]:
        for r in records():
            doc = tokenizer(r["text"])
            yield Example(doc, [(s["start"], s["end"], s["label"]) for s in r["spans"]])

    write(examples(), path, format)

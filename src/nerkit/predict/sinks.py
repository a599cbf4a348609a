"""Where predictions go besides a file (``run.py`` writes files): the store (suggestions of a
dataset's examples), or a table in any SQL database (one row per entity).

A sink takes batches of predicted records (``{"id", "text", "spans": [{start, end, label,
text, score}], ...}``). The store and SQL sinks commit each batch in one transaction and know
which ids a model version has written (``done``), so a rerun after an interruption skips them
and duplicates nothing; ``overwrite`` first deletes that version's earlier rows.

The SQL table (made when missing; an existing one must have these columns):

======================  =========================================================
``id``                  row number (primary key)
``source_id``           the record's id (the query's id column, the example id)
``start_char``          first character of the entity in the text
``end_char``            one past its last character
``label``               entity type
``text``                the entity's text
``score``               the model's confidence, 0..1
``model``               the model's name (its directory name)
``model_version``       the model's version (a hash of its files' checksums)
``created``             when the row was written (UTC)
======================  =========================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import ConfigError, StoreError

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

    from ..store import Store

Record = dict[str, Any]
TABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
COLUMNS = (
    "id", "source_id", "start_char", "end_char", "label", "text", "score", "model",
    "model_version", "created",
)  # fmt: skip


class Sink(Protocol):
    """What :func:`nerkit.predict.run.predict_into` writes to."""

    def done(self) -> set[str]:
        """The ids (as strings) written before by this model version (resuming)."""
        ...

    def write(self, batch: Sequence[Record]) -> None: ...

    def close(self, completed: bool) -> None: ...


class StoreSink:
    """Suggestions of the examples of ``dataset`` (records' ids are example ids)."""

    def __init__(
        self, store: Store, dataset: str, model: str, version: str, *, overwrite: bool = False
    ) -> None:
        self.store, self.dataset, self.model, self.version = store, dataset, model, version
        store.dataset(dataset)
        if overwrite:
            store.drop_suggestions(dataset, model, version)

    def done(self) -> set[str]:
        return {str(i) for i in self.store.suggested_ids(self.dataset, self.model, self.version)}

    def write(self, batch: Sequence[Record]) -> None:
        items = [
            (
                int(r["id"]),
                [{k: s[k] for k in ("start", "end", "label", "score")} for s in r["spans"]],
            )
            for r in batch
        ]
        self.store.add_suggestions(self.dataset, items, model=self.model, version=self.version)

    def close(self, completed: bool) -> None:
        self.store.close()


class SqlSink:
    """Entities as rows of ``table`` in the database at ``url`` (see the module doc)."""

    def __init__(
        self, url: str, table: str, model: str, version: str, *, overwrite: bool = False
    ) -> None:
        from sqlalchemy import create_engine, delete

        from ..store.url import resolve_url, safe_url

        if not TABLE_RE.fullmatch(table):
            raise ConfigError(
                "E309",
                f"--table {table!r} is not a plain table name",
                hint="Use 1-63 letters, digits and _, starting with a letter or _.",
            )
        self.model, self.version = model, version
        resolved = resolve_url(url)
        sqlite = resolved.startswith("sqlite")
        # SQLite: wait for another writer (the app adding posts) rather than fail at once.
        self.engine: Engine = create_engine(
            resolved, connect_args={"timeout": 30} if sqlite else {}
        )
        self.where = safe_url(resolved)
        with self._guard():
            self.table = _entity_table(self.engine, table)
            if overwrite:
                with self.engine.begin() as conn:
                    conn.execute(
                        delete(self.table).where(
                            self.table.c.model == model, self.table.c.model_version == version
                        )
                    )

    @contextmanager
    def _guard(self) -> Iterator[None]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            yield
        except SQLAlchemyError as err:
            raise StoreError(
                "E414",
                f"Writing entities to {self.where} failed: {getattr(err, 'orig', None) or err}",
                path=self.where,
                hint="Check --to-sql and --table: the database must be reachable and "
                "writable. Rerun the same command to resume; what was committed stays.",
            ) from None

    def done(self) -> set[str]:
        from sqlalchemy import select

        query = (
            select(self.table.c.source_id)
            .where(self.table.c.model == self.model, self.table.c.model_version == self.version)
            .distinct()
        )
        with self._guard(), self.engine.connect() as conn:
            return {str(v) for v in conn.execute(query).scalars()}

    def write(self, batch: Sequence[Record]) -> None:
        """Replace the rows of the batch's source ids (of this model version) with its
        entities, in one transaction: a batch written twice (a retried task) is there once."""
        from sqlalchemy import delete, insert

        now = datetime.now(UTC)
        rows = [
            {
                "source_id": str(r["id"]),
                "start_char": s["start"],
                "end_char": s["end"],
                "label": s["label"],
                "text": s["text"],
                "score": s.get("score"),
                "model": self.model,
                "model_version": self.version,
                "created": now,
            }
            for r in batch
            for s in r["spans"]
        ]
        ids = [str(r["id"]) for r in batch]
        with self._guard(), self.engine.begin() as conn:
            c = self.table.c
            for start in range(0, len(ids), 500):
                conn.execute(
                    delete(self.table).where(
                        c.model == self.model,
                        c.model_version == self.version,
                        c.source_id.in_(ids[start : start + 500]),
                    )
                )
            if rows:
                conn.execute(insert(self.table), rows)

    def close(self, completed: bool) -> None:
        self.engine.dispose()


def sink_spec(
    model: str,
    version: str,
    *,
    to_db: str | None,
    db: str | None,
    to_sql: str | None,
    table: str | None,
) -> dict[str, Any] | None:
    """The JSON-ready description of a run's sink (None: the run writes a file)."""
    if to_db is not None:
        return {"kind": "db", "dataset": to_db, "db": db, "model": model, "version": version}
    if to_sql is not None:
        return {"kind": "sql", "url": to_sql, "table": table, "model": model, "version": version}
    return None


def make_sink(spec: dict[str, Any], *, overwrite: bool = False) -> Sink:
    """A sink from its description (what an engine sends its workers); ``overwrite`` first
    deletes that model version's earlier rows."""
    if spec["kind"] == "sql":
        return SqlSink(
            spec["url"], spec["table"], spec["model"], spec["version"], overwrite=overwrite
        )
    from ..store import Store

    return StoreSink(
        Store(spec["db"]), spec["dataset"], spec["model"], spec["version"], overwrite=overwrite
    )


def _entity_table(engine: Engine, name: str) -> Table:
    from sqlalchemy import (
        Column,
        DateTime,
        Float,
        Index,
        Integer,
        MetaData,
        String,
        Table,
        Text,
        inspect,
    )
    from sqlalchemy.exc import SQLAlchemyError

    from ..store.url import safe_url

    md = MetaData()
    table = Table(
        name,
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("source_id", String(200), nullable=False),
        Column("start_char", Integer, nullable=False),
        Column("end_char", Integer, nullable=False),
        Column("label", String(200), nullable=False),
        Column("text", Text, nullable=False),
        Column("score", Float, nullable=True),
        Column("model", String(200), nullable=False),
        Column("model_version", String(64), nullable=False),
        Column("created", DateTime(timezone=True), nullable=False),
        Index(f"ix_{name}_model_source", "model", "model_version", "source_id"),
    )
    where = safe_url(str(engine.url))
    try:
        if inspect(engine).has_table(name):
            have = {c["name"] for c in inspect(engine).get_columns(name)}
            missing = [c for c in COLUMNS if c not in have]
            if missing:
                raise StoreError(
                    "E413",
                    f"Table {name} exists without the columns {', '.join(missing)}",
                    path=where,
                    hint="Name a new table (--table): nerkit creates it.",
                )
        else:
            md.create_all(engine)
    except SQLAlchemyError as err:
        raise StoreError(
            "E406",
            f"Cannot open the database {where}: {getattr(err, 'orig', None) or err}",
            hint="Check --to-sql: the server must be running, a SQLite file's folder writable.",
        ) from None
    return table

"""Schema migrations: an ordered list of steps, applied in one transaction when a store opens.

The database records its version in ``schema_version``. Opening a store applies every step
after that version, in order, inside one write transaction (on PostgreSQL under an advisory
lock, so two processes opening the same database at once do not both migrate). A database
written by a newer nerkit (a version past the last step here) is refused rather than guessed
at. Each step is written against the schema as it was then (its own table definitions), not
against ``schema.py``, so old steps keep meaning the same thing as the schema moves on.

To change the schema: change ``schema.py`` and append a step here; never edit an old step.

Example:
    >>> [m.version for m in MIGRATIONS]
    [1, 2, 3, 4, 5, 6]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine

from ..errors import StoreError
from .schema import (
    CLIENT_ID_LENGTH,
    HASH_LENGTH,
    LEASE_SCOPE_LENGTH,
    MODEL_VERSION_LENGTH,
    NAME_LENGTH,
    JSONType,
    SchemaVersionRow,
)
from .url import WRITE_OPTION

_PG_LOCK_KEY = 0x6E65726B  # "nerk": the advisory lock that serializes migrations


@dataclass(frozen=True)
class Migration:
    """One step: brings the database from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_initial(conn: Connection) -> None:
    md = MetaData()
    Table(
        "datasets",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String(NAME_LENGTH), nullable=False, unique=True),
        Column("created", DateTime(timezone=True), nullable=False),
        Column("meta", JSONType, nullable=False),
    )
    Table(
        "examples",
        md,
        Column("id", Integer, primary_key=True),
        Column(
            "dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
        ),
        Column("hash", String(HASH_LENGTH), nullable=False),
        Column("text", Text, nullable=False),
        Column("meta", JSONType, nullable=False),
        Column("extra", JSONType, nullable=False),
        Column("tokens", JSONType, nullable=True),
        Column("spans", JSONType, nullable=False),
        Column("created", DateTime(timezone=True), nullable=False),
        UniqueConstraint("dataset_id", "hash", name="uq_examples_dataset_hash"),
    )
    Table(
        "sessions",
        md,
        Column("id", Integer, primary_key=True),
        Column(
            "dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
        ),
        Column("name", String(NAME_LENGTH), nullable=False),
        Column("started", DateTime(timezone=True), nullable=False),
        UniqueConstraint("dataset_id", "name", name="uq_sessions_dataset_name"),
    )
    annotations = Table(
        "annotations",
        md,
        Column("id", Integer, primary_key=True),
        Column(
            "example_id", Integer, ForeignKey("examples.id", ondelete="CASCADE"), nullable=False
        ),
        Column(
            "session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False
        ),
        Column("answer", String(10), nullable=False),
        Column("spans", JSONType, nullable=False),
        Column("meta", JSONType, nullable=False),
        Column("created", DateTime(timezone=True), nullable=False),
        CheckConstraint("answer IN ('accept', 'reject', 'ignore')", name="ck_annotations_answer"),
    )
    Index("ix_annotations_example_id", annotations.c.example_id)
    Index("ix_annotations_session_id", annotations.c.session_id)
    Table(
        "schema_version",
        md,
        Column("version", Integer, primary_key=True, autoincrement=False),
    )
    md.create_all(conn)


def _v2_teach_fields(conn: Connection) -> None:
    # ALTER TABLE ... ADD COLUMN of a nullable column works the same on SQLite and PostgreSQL.
    dialect = conn.dialect
    json_sql = JSONType.compile(dialect=dialect)
    float_sql = Float().compile(dialect=dialect)
    conn.execute(text(f"ALTER TABLE annotations ADD COLUMN suggestion {json_sql}"))
    conn.execute(text(f"ALTER TABLE annotations ADD COLUMN score {float_sql}"))


def _v3_client_ids(conn: Connection) -> None:
    # A unique index, not a constraint: SQLite cannot add constraints to an existing table,
    # and both databases let any number of rows hold NULL in a unique index.
    conn.execute(text(f"ALTER TABLE annotations ADD COLUMN client_id VARCHAR({CLIENT_ID_LENGTH})"))
    conn.execute(text("CREATE UNIQUE INDEX uq_annotations_client_id ON annotations (client_id)"))


def _v4_answer_kind(conn: Connection) -> None:
    # A NOT NULL column needs its default in the same statement on SQLite; an inline named
    # CHECK is allowed in ADD COLUMN by both SQLite and PostgreSQL.
    conn.execute(
        text(
            "ALTER TABLE annotations ADD COLUMN kind VARCHAR(10) NOT NULL DEFAULT 'complete' "
            "CONSTRAINT ck_annotations_kind CHECK (kind IN ('complete', 'binary'))"
        )
    )
    # Until now only teach stored a suggestion, and a teach answer is about that span alone.
    conn.execute(text("UPDATE annotations SET kind = 'binary' WHERE suggestion IS NOT NULL"))


def _v5_leases(conn: Connection) -> None:
    md = MetaData()
    Table("examples", md, Column("id", Integer, primary_key=True))  # for the foreign key
    Table(
        "leases",
        md,
        Column(
            "example_id",
            Integer,
            ForeignKey("examples.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("scope", String(LEASE_SCOPE_LENGTH), primary_key=True),
        Column("session", String(NAME_LENGTH), nullable=False),
        Column("expires", Float, nullable=True),
    ).create(conn)  # only this table: examples exists


def _v6_suggestions(conn: Connection) -> None:
    md = MetaData()
    Table("examples", md, Column("id", Integer, primary_key=True))  # for the foreign key
    suggestions = Table(
        "suggestions",
        md,
        Column("id", Integer, primary_key=True),
        Column(
            "example_id", Integer, ForeignKey("examples.id", ondelete="CASCADE"), nullable=False
        ),
        Column("model", String(NAME_LENGTH), nullable=False),
        Column("version", String(MODEL_VERSION_LENGTH), nullable=False),
        Column("spans", JSONType, nullable=False),
        Column("created", DateTime(timezone=True), nullable=False),
        UniqueConstraint("example_id", "model", "version", name="uq_suggestions_example_model"),
    )
    Index("ix_suggestions_example_id", suggestions.c.example_id)
    suggestions.create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "datasets, examples, sessions, annotations", _v1_initial),
    Migration(2, "annotations: the suggested span and model score of teach", _v2_teach_fields),
    Migration(
        3, "annotations: the client id that makes resubmitting an answer idempotent", _v3_client_ids
    ),
    Migration(
        4,
        "annotations: kind, complete or binary (teach answers, backfilled from suggestion)",
        _v4_answer_kind,
    ),
    Migration(5, "leases: which annotator an example is handed to, until when", _v5_leases),
    Migration(6, "suggestions: spans a model predicted for an example", _v6_suggestions),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    """The schema version of the database behind ``conn`` (0 when it has no store tables)."""
    if not inspect(conn).has_table(SchemaVersionRow.__tablename__):
        return 0
    version = conn.execute(select(SchemaVersionRow.version)).scalar()
    return int(version or 0)


def migrate(engine: Engine, target: int | None = None) -> tuple[int, int]:
    """Bring the database up to ``target`` (the latest when None); returns (before, after).

    Raises:
        StoreError: E405 when the database is newer than this nerkit knows.
    """
    target = LATEST if target is None else target
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        before = current_version(conn)
        if before > LATEST:
            raise StoreError(
                "E405",
                f"The database is at schema version {before}, newer than this nerkit knows "
                f"(up to {LATEST})",
                hint="Upgrade nerkit (pip install -U nerkit) to open it.",
            )
        if before >= target:
            return before, before
        for step in MIGRATIONS[before:target]:
            step.apply(conn)
        conn.execute(delete(SchemaVersionRow))
        conn.execute(insert(SchemaVersionRow).values(version=target))
        return before, target

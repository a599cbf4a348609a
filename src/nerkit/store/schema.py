"""The tables of the store, as typed ORM classes (the latest schema version).

- ``datasets``: a named collection of examples.
- ``examples``: the texts to annotate (the task source), unique per dataset by content hash.
- ``sessions``: who annotated, per dataset (an annotator name, or ``import``).
- ``annotations``: the answers; an example can have several (annotators, review). Each is
  ``complete`` (its spans are all the text's entities) or ``binary`` (about its spans alone).
- ``leases``: which session an example is handed to, until when (annotation without overlap).
- ``suggestions``: a model's predicted spans for an example (``predict --to-db``), not answers.
- ``schema_version``: one row, the version ``migrations.py`` brought the database to.

The tables are created and changed only by ``migrations.py``; a test checks that migrating
an empty database gives exactly these columns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# JSONB on PostgreSQL (indexable, compact); JSON text elsewhere. Python None is SQL NULL.
JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
NAME_LENGTH = 200
HASH_LENGTH = 32
CLIENT_ID_LENGTH = 64
LEASE_SCOPE_LENGTH = 20
MODEL_VERSION_LENGTH = 64


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        datetime: DateTime(timezone=True),
    }


class DatasetRow(Base):
    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ExampleRow(Base):
    __tablename__ = "examples"
    __table_args__ = (UniqueConstraint("dataset_id", "hash", name="uq_examples_dataset_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tokens: Mapped[list[Any] | None] = mapped_column(default=None)
    spans: Mapped[list[Any]] = mapped_column(default=list)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("dataset_id", "name", name="uq_sessions_dataset_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    started: Mapped[datetime] = mapped_column(default=utcnow)


class AnnotationRow(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        CheckConstraint("answer IN ('accept', 'reject', 'ignore')", name="ck_annotations_answer"),
        CheckConstraint("kind IN ('complete', 'binary')", name="ck_annotations_kind"),
        Index("uq_annotations_client_id", "client_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    example_id: Mapped[int] = mapped_column(
        ForeignKey("examples.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[str] = mapped_column(String(10))
    spans: Mapped[list[Any]] = mapped_column(default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    # Added in schema version 2, for teach: the span the model suggested and its score.
    suggestion: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    # Added in schema version 3: the id the annotation app's page gave the answer, so that a
    # retried submission is stored once (unique; NULL for answers from elsewhere).
    client_id: Mapped[str | None] = mapped_column(String(CLIENT_ID_LENGTH), default=None)
    # Added in schema version 4: whether the spans are all the text's entities ("complete":
    # manual, correct, review, imports) or an answer about those spans alone ("binary": teach).
    kind: Mapped[str] = mapped_column(String(10), default="complete")


class LeaseRow(Base):
    """Added in schema version 5: which session an example is handed to (``annotate``
    without overlap), until ``expires`` (wall-clock seconds); NULL once it is answered."""

    __tablename__ = "leases"

    example_id: Mapped[int] = mapped_column(
        ForeignKey("examples.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(LEASE_SCOPE_LENGTH), primary_key=True)
    session: Mapped[str] = mapped_column(String(NAME_LENGTH))
    expires: Mapped[float | None] = mapped_column(Float, default=None)


class SuggestionRow(Base):
    """Added in schema version 6: what a model predicted for an example (``nerkit predict
    --to-db``), per model name and version: spans with scores, shown by ``annotate correct``
    and ``review``; never an answer (training and exports read annotations only)."""

    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("example_id", "model", "version", name="uq_suggestions_example_model"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    example_id: Mapped[int] = mapped_column(
        ForeignKey("examples.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(NAME_LENGTH))
    version: Mapped[str] = mapped_column(String(MODEL_VERSION_LENGTH))
    spans: Mapped[list[Any]] = mapped_column(default=list)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class SchemaVersionRow(Base):
    __tablename__ = "schema_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)

"""The store's connection: the engine, its read and write sessions, schema migration, and the
lookups every part of the store shares. :class:`nerkit.store.Store` is this plus the methods
of ``datasets.py``, ``examples.py``, ``leases.py``, ``suggestions.py`` and ``annotations.py``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Self, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import StoreError
from .migrations import current_version, migrate
from .schema import NAME_LENGTH, DatasetRow, SessionRow
from .url import WRITE_OPTION, make_engine, resolve_url, safe_url

T = TypeVar("T")


class Connection:
    """The database at ``url``: engine, sessions, migrations.

    ``url`` is any SQLAlchemy URL (``postgresql+psycopg://user@host/db``) or a SQLite file
    path; None means ``$NERKIT_DB``, else ``./nerkit.db``. Opening applies pending schema
    migrations.
    """

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = resolve_url(url)
        try:
            self._engine = make_engine(self.url, echo=echo)
        except ArgumentError as err:  # an unknown dialect or driver, a malformed URL
            raise StoreError(
                "E406",
                f"Cannot open the database {safe_url(self.url)}: {err}",
                hint="--db / NERKIT_DB is a SQLite file path or a SQLAlchemy URL such as "
                "postgresql+psycopg://user@host/db.",
            ) from None
        writer = self._engine.execution_options(**{WRITE_OPTION: True})
        self._read = sessionmaker(self._engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)
        try:
            migrate(self._engine)
        except DatabaseError as err:  # unreachable server, unwritable folder, not a database
            self._engine.dispose()
            raise StoreError(
                "E406",
                f"Cannot open the database {safe_url(self.url)}: {err.orig}",
                hint="Check --db / NERKIT_DB: the server must be running and reachable, a "
                "SQLite file's folder writable.",
            ) from None

    @classmethod
    def open(cls, url: str | None = None) -> Self:
        """Open (and migrate) the store at ``url``; same as ``Store(url)``."""
        return cls(url)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({safe_url(self.url)!r})"

    @property
    def schema_version(self) -> int:
        """The schema version of the database (``migrations.LATEST`` once open)."""
        with self._engine.connect() as conn:
            return current_version(conn)

    @property
    def dialect(self) -> str:
        """The database kind: ``sqlite``, ``postgresql``, ..."""
        return self._engine.dialect.name

    def _dataset_row(self, s: Session, name: str) -> DatasetRow:
        row = s.scalar(select(DatasetRow).where(DatasetRow.name == name))
        if row is None:
            known = s.scalars(select(DatasetRow.name).order_by(DatasetRow.name).limit(20)).all()
            raise StoreError(
                "E401",
                f"No dataset '{name}' in {safe_url(self.url)}",
                hint=f"Known datasets: {', '.join(known)}."
                if known
                else "The database has no datasets yet: nerkit db import NAME FILE makes one.",
            )
        return row

    def _session_id(self, s: Session, dataset_id: int, name: str) -> int:
        if not name or len(name) > NAME_LENGTH or not name.isprintable():
            raise StoreError(
                "E411",
                f"Session name {name!r} should be 1-{NAME_LENGTH} printable characters",
                hint="Use the annotator's name, e.g. 'alice'.",
            )
        query = select(SessionRow.id).where(
            SessionRow.dataset_id == dataset_id, SessionRow.name == name
        )
        sid = s.scalar(query)
        if sid is not None:
            return sid
        try:
            with s.begin_nested():  # another process may make the same session meanwhile
                row = SessionRow(dataset_id=dataset_id, name=name)
                s.add(row)
            return row.id
        except IntegrityError:
            found = s.scalar(query)
            if found is None:
                raise
            return found


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk

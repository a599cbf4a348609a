"""Which database the store uses, and the engine that talks to it.

The URL comes from ``--db``, else the ``NERKIT_DB`` environment variable, else the SQLite
file ``nerkit.db`` in the current folder. A value without ``://`` is a SQLite file path.
SQLite runs in WAL mode (readers never wait for the writer), with foreign keys on and a busy
timeout so that a writer waits for another instead of failing at once.

Example:
    >>> resolve_url("postgresql+psycopg://ner@db.local/ner")
    'postgresql+psycopg://ner@db.local/ner'
    >>> resolve_url("data/team.db").startswith("sqlite:///") and resolve_url("data/team.db").endswith("team.db")
    True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

ENV_VAR = "NERKIT_DB"
DEFAULT_FILE = "nerkit.db"
BUSY_TIMEOUT_MS = 10_000
# Connections that will write ask SQLite for the write lock when their transaction begins
# (BEGIN IMMEDIATE): a deferred transaction that reads first and then writes can fail at
# once with SQLITE_BUSY when another writer got in between, and no busy timeout helps.
WRITE_OPTION = "nerkit_write"


def resolve_url(url: str | os.PathLike[str] | None = None) -> str:
    """The SQLAlchemy URL to open: ``url``, else ``$NERKIT_DB``, else ``./nerkit.db``."""
    value = os.fspath(url) if url is not None else os.environ.get(ENV_VAR) or ""
    if not value.strip():
        value = str(Path.cwd() / DEFAULT_FILE)
    if "://" not in value:
        value = "sqlite:///" + str(Path(value).expanduser().resolve())
    return value


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL is shown as given: it holds no usable password
        return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for the store at ``url`` (SQLite set up for WAL and concurrent writers)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import StaticPool

    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() != "sqlite":
        kwargs["pool_pre_ping"] = True  # a server restart should not break a long-running app
        return create_engine(parsed, **kwargs)

    memory = parsed.database in (None, "", ":memory:")
    if memory:  # one shared connection, or every connection would see its own empty database
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"check_same_thread": False}
    elif parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (the
        # module's own BEGIN handling breaks SAVEPOINT and transactional DDL).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine

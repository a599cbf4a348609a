"""SQLite specifics: WAL mode, foreign keys, busy timeout, where the default database lives."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra (SQLAlchemy)")

from nerkit.corpus import Example  # noqa: E402
from nerkit.errors import StoreError  # noqa: E402
from nerkit.store import Store, resolve_url  # noqa: E402
from nerkit.store.url import BUSY_TIMEOUT_MS  # noqa: E402
from nerkit.tokens import Doc  # noqa: E402


def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    with Store(str(path)) as store:
        store.add_examples("d", [Example(Doc("hello there", [], []))])
        with store._engine.connect() as conn:  # noqa: SLF001 - the pragmas of a pooled connection
            pragma = conn.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
    # WAL is a property of the file: a plain sqlite3 connection sees it too.
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT count(*) FROM examples").fetchone()[0] == 1
    finally:
        raw.close()


def test_default_is_nerkit_db_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NERKIT_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_url() == f"sqlite:///{tmp_path.resolve() / 'nerkit.db'}"
    with Store() as store:
        store.create_dataset("x")
    assert (tmp_path / "nerkit.db").is_file()


def test_nerkit_db_and_plain_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NERKIT_DB", "postgresql+psycopg://u@h/db")
    assert resolve_url() == "postgresql+psycopg://u@h/db"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"  # --db wins over the variable
    monkeypatch.chdir(tmp_path)
    assert resolve_url("sub/team.db") == f"sqlite:///{tmp_path.resolve() / 'sub' / 'team.db'}"
    with Store("sub/team.db") as store:  # the folder is made
        store.create_dataset("x")
    assert (tmp_path / "sub" / "team.db").is_file()


def test_in_memory_store_works_for_examples() -> None:
    with Store("sqlite://") as store:
        store.add_examples("d", [Example(Doc("hi", [], []))])
        assert store.dataset("d").examples == 1


def test_an_unreachable_server_is_a_clear_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as err:
        Store("postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    assert err.value.code == "E406"
    assert "secret" not in str(err.value) and "127.0.0.1:1" in str(err.value)


def test_import_nerkit_does_not_import_sqlalchemy(imported_by) -> None:
    assert (
        imported_by("import nerkit, nerkit.corpus, nerkit.cli", ["sqlalchemy", "psycopg"]) == set()
    )

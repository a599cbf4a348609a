"""Schema migrations: a database made at version 1 is upgraded on open, data kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra (SQLAlchemy)")

from sqlalchemy import inspect, text  # noqa: E402

from nerkit.errors import StoreError  # noqa: E402
from nerkit.store import Store  # noqa: E402
from nerkit.store.migrations import LATEST, MIGRATIONS, current_version, migrate  # noqa: E402
from nerkit.store.schema import Base  # noqa: E402
from nerkit.store.url import make_engine  # noqa: E402


def test_migrations_are_numbered_in_order() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert LATEST == len(MIGRATIONS) >= 2


def test_migrating_an_empty_database_gives_the_orm_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert migrate(engine) == (0, LATEST)
        assert migrate(engine) == (LATEST, LATEST)  # a second open changes nothing
        insp = inspect(engine)
        for table in Base.metadata.sorted_tables:
            reflected = {c["name"]: c for c in insp.get_columns(table.name)}
            assert set(reflected) == set(table.columns.keys()), table.name
            for column in table.columns:
                assert reflected[column.name]["nullable"] == column.nullable, (
                    table.name,
                    column.name,
                )
            ours = {tuple(u["column_names"]) for u in insp.get_unique_constraints(table.name)}
            wanted = {
                tuple(c.name for c in con.columns)
                for con in table.constraints
                if con.__class__.__name__ == "UniqueConstraint"
            }
            wanted |= {(c.name,) for c in table.columns if c.unique}
            assert wanted <= ours, table.name
    finally:
        engine.dispose()


def test_a_version_1_database_is_upgraded_on_open(db_url: str) -> None:
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    try:
        assert migrate(engine, target=1) == (0, 1)
        with engine.begin() as conn:
            assert current_version(conn) == 1
            columns = {c["name"] for c in inspect(conn).get_columns("annotations")}
            assert "score" not in columns and "suggestion" not in columns
            conn.execute(
                text("INSERT INTO datasets (name, created, meta) VALUES ('old', :t, '{}')"),
                {"t": now},
            )
            ds = conn.execute(text("SELECT id FROM datasets")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO examples (dataset_id, hash, text, meta, extra, spans, created) "
                    "VALUES (:d, 'h1', 'Ann met Bob.', '{}', '{}', '[]', :t)"
                ),
                {"d": ds, "t": now},
            )
            conn.execute(
                text("INSERT INTO sessions (dataset_id, name, started) VALUES (:d, 'alice', :t)"),
                {"d": ds, "t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO annotations (example_id, session_id, answer, spans, meta, created) "
                    "SELECT e.id, s.id, 'accept', "
                    """'[{"start": 0, "end": 3, "label": "PER"}]', '{}', :t """
                    "FROM examples e, sessions s"
                ),
                {"t": now},
            )
    finally:
        engine.dispose()

    with Store(db_url) as store:
        assert store.schema_version == LATEST
        (old,) = store.examples("old")
        (ann,) = store.annotations(old.id)
        assert ann.spans == [{"start": 0, "end": 3, "label": "PER"}] and ann.score is None
        new = store.add_annotation(old.id, [], "reject", session="bob", score=0.25)
        assert store.annotations(old.id)[-1].score == 0.25 == new.score
        assert [m.spans for m in store.merged("old", answer=None)] == [[]]


def test_a_database_from_a_newer_nerkit_is_refused(db_url: str) -> None:
    with Store(db_url):
        pass
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE schema_version SET version = :v"), {"v": LATEST + 1})
    finally:
        engine.dispose()
    with pytest.raises(StoreError) as err:
        Store(db_url)
    assert err.value.code == "E405" and "Upgrade nerkit" in str(err.value)

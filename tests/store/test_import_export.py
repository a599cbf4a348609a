"""Importing files and SQL queries into the store, and exporting merged examples back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra (SQLAlchemy)")

from nerkit.corpus import read, write  # noqa: E402
from nerkit.errors import FormatError, StoreError  # noqa: E402
from nerkit.store import Store, import_files, import_sql, read_items  # noqa: E402

RESOURCES = Path(__file__).parents[1] / "resources"


@pytest.fixture
def sqlite_store(tmp_path: Path):
    with Store(str(tmp_path / "store.db")) as store:
        yield store


def test_txt_one_text_per_line(tmp_path: Path, sqlite_store: Store) -> None:
    p = tmp_path / "posts.txt"
    p.write_text("Ann met Bob.\n\n  \nBob left.\nAnn met Bob.\n", encoding="utf-8")
    ((path, name, counts),) = import_files(sqlite_store, "posts", [p])
    assert (path, name) == (p, "txt")
    assert (counts.added, counts.duplicates, counts.annotations) == (2, 1, 0)
    assert [e.text for e in sqlite_store.examples("posts")] == ["Ann met Bob.", "Bob left."]


def test_csv_text_column_and_meta(tmp_path: Path, sqlite_store: Store) -> None:
    p = tmp_path / "posts.csv"
    p.write_text('id,body,author\n1,"Ann, Bob and Carl met.",ann\n2,Bob left.,bob\n')
    (_, name, counts), = import_files(sqlite_store, "posts", [p], text_column="body")  # fmt: skip
    assert name == "csv" and counts.added == 2
    first = next(sqlite_store.examples("posts"))
    assert first.text == "Ann, Bob and Carl met."
    assert first.meta == {"id": "1", "author": "ann"}

    semi = tmp_path / "semi.csv"
    semi.write_text("text;lang\nHallo Welt, wie geht's?;de\n")
    import_files(sqlite_store, "de", [semi])
    assert [(e.text, e.meta) for e in sqlite_store.examples("de")] == [
        ("Hallo Welt, wie geht's?", {"lang": "de"})
    ]
    with pytest.raises(StoreError) as err:
        import_files(sqlite_store, "posts", [p])  # no 'text' column
    assert err.value.code == "E408" and "id, body, author" in str(err.value)


def test_jsonl_records_with_and_without_spans(tmp_path: Path, sqlite_store: Store) -> None:
    p = tmp_path / "mixed.jsonl"
    records = [
        {"text": "Ann met Bob.", "meta": {"src": "a"}},
        {"text": "Bob left.", "spans": [{"start": 0, "end": 3, "label": "PER"}]},
        {"text": "Nothing here.", "spans": []},
        {"text": "Maybe Ann.", "answer": "reject"},
    ]
    p.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    name, items = read_items(p)
    assert name == "jsonl"
    assert [flag for _, flag in items] == [False, True, True, True]
    (_, _, counts), = import_files(sqlite_store, "d", [p])  # fmt: skip
    assert (counts.added, counts.annotations) == (4, 3)
    stats = sqlite_store.stats("d")
    assert stats.unanswered == 1 and stats.answers == {"accept": 2, "reject": 1}
    assert next(sqlite_store.examples("d")).meta == {"src": "a"}


def test_conll_keeps_its_tokens(sqlite_store: Store) -> None:
    (_, name, counts), = import_files(sqlite_store, "c", [RESOURCES / "conll_iob2.txt"])  # fmt: skip
    assert name == "conll" and counts.added == counts.annotations > 0
    originals = read(RESOURCES / "conll_iob2.txt")
    stored = list(sqlite_store.examples("c"))
    assert [s.doc().words for s in stored] == [o.doc.words for o in originals]
    merged = list(sqlite_store.merged("c"))
    assert [m.spans for m in merged] == [o.spans for o in originals]


@pytest.mark.parametrize(
    "resource", ["jsonl_plain.jsonl", "prodigy_brands.jsonl", "ner_tiny_train.jsonl"]
)
def test_export_round_trip_equals_import(
    resource: str, tmp_path: Path, sqlite_store: Store
) -> None:
    source = RESOURCES / resource
    import_files(sqlite_store, "rt", [source])
    out = tmp_path / "out.jsonl"
    fmt = "prodigy" if resource.startswith("prodigy") else "jsonl"
    write(sqlite_store.merged("rt", answer=None), out, fmt)
    before, after = read(source), read(out)
    assert len(after) == len(before)
    for a, b in zip(before, after):
        assert (b.text, b.spans, b.answer, b.meta) == (a.text, a.spans, a.answer, a.meta)
        assert b.extra == a.extra
        if fmt == "prodigy":
            assert b.doc.words == a.doc.words


def test_import_refuses_unknown_and_broken_files(tmp_path: Path, sqlite_store: Store) -> None:
    with pytest.raises(FormatError):
        import_files(sqlite_store, "d", [tmp_path / "missing.txt"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": broken\n')
    with pytest.raises(FormatError) as err:
        import_files(sqlite_store, "d", [bad])
    assert err.value.line == 2
    with pytest.raises(FormatError):
        import_files(sqlite_store, "d", [bad], format="nonsense")


# import-sql: the source is a real SQLite database file, or a database on the PostgreSQL server


@pytest.fixture(params=["sqlite", "postgresql"])
def source_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    from sqlalchemy import create_engine, text

    url = (
        f"sqlite:///{tmp_path / 'forum.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("pg_database"))
    )
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT, posted DATE, "
                "price NUMERIC(8, 2))"
            )
        )
        conn.execute(
            text("INSERT INTO posts VALUES (:i, :b, :d, :p)"),
            [
                {"i": i, "b": body, "d": "2024-05-0" + str(i), "p": price}
                for i, body, price in [
                    (1, "Selling my RTX 3080 for $650.", 650),
                    (2, "WTB a GTX 1060.", None),
                    (3, "Selling my RTX 3080 for $650.", 600.5),
                    (4, None, None),
                ]
            ],
        )
    engine.dispose()
    return url


def test_import_sql_streams_rows_with_meta(source_url: str, sqlite_store: Store) -> None:
    counts = import_sql(
        sqlite_store,
        "forum",
        source_url,
        "SELECT id, body, posted, price FROM posts ORDER BY id",
        text_column="body",
        batch_size=2,
    )
    assert (counts.added, counts.duplicates, counts.empty) == (2, 1, 1)
    first, second = sqlite_store.examples("forum")
    assert first.text == "Selling my RTX 3080 for $650."
    assert first.meta["id"] == 1 and first.meta["price"] == 650
    assert first.meta["posted"] == "2024-05-01"
    assert second.meta == {"id": 2, "posted": "2024-05-02", "price": None}


def test_import_sql_errors(source_url: str, sqlite_store: Store) -> None:
    with pytest.raises(StoreError) as err:
        import_sql(sqlite_store, "forum", source_url, "SELECT id FROM posts")
    assert err.value.code == "E408" and "no column 'text'" in str(err.value)
    with pytest.raises(StoreError) as err:
        import_sql(sqlite_store, "forum", source_url, "SELECT nope FROM nowhere")
    assert err.value.code == "E412" and "query failed" in str(err.value)


def test_import_sql_leaves_a_sqlite_source_as_it_was(tmp_path: Path, sqlite_store: Store) -> None:
    path = tmp_path / "plain.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE t (text TEXT)")
    raw.execute("INSERT INTO t VALUES ('hello there')")
    raw.commit()
    raw.close()
    assert import_sql(sqlite_store, "p", str(path), "SELECT text FROM t").added == 1
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
    finally:
        raw.close()

"""Batch prediction from and into the places data lives (issue #11), on a SQLite file and a
real PostgreSQL server: a SQL query in, a table of entities or the store's suggestions out,
resumed after an interruption without a duplicate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra (SQLAlchemy)")

from sqlalchemy import create_engine, text  # noqa: E402

import nerkit  # noqa: E402
from nerkit.errors import ConfigError, StoreError  # noqa: E402
from nerkit.predict import predict_into, read_source, sql_records  # noqa: E402
from nerkit.store import Store  # noqa: E402

RESOURCES = Path(__file__).parents[1] / "resources"
POSTS = [
    "Alice Smith flew to Berlin on Friday.",
    "Globex opened an office in Paris.",
    "Nothing happened today.",
    "Bob Jones met Alice Smith in London.",
] * 5  # 20 posts


@pytest.fixture
def posts_url(db_url: str) -> str:
    """``db_url`` (SQLite or PostgreSQL) with a ``posts`` table of 20 texts."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, body TEXT)"))
        for i, post in enumerate(POSTS, 1):
            conn.execute(
                text("INSERT INTO posts (id, title, body) VALUES (:i, :t, :b)"),
                {"i": i, "t": f"post {i}", "b": post},
            )
    engine.dispose()
    return db_url


def entity_rows(url: str, table: str = "entities") -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT source_id, start_char, end_char, label, text, score, model, "
                f"model_version FROM {table} ORDER BY id"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_query_into_a_table_of_the_same_database(model: Path, posts_url: str) -> None:
    """The SQLite case reads and writes one file: pages of the query, a transaction each."""
    records = sql_records(posts_url, "SELECT id, body FROM posts", batch_size=3)
    counts = predict_into(model, records, to_sql=posts_url, table="entities", batch_size=3)
    assert (counts.read, counts.written) == (20, 20)
    rows = entity_rows(posts_url)
    assert len(rows) == counts.entities > 0
    nlp = nerkit.load(model)
    expected = []
    for i, post in enumerate(POSTS, 1):
        for e in nlp(post).ents:
            expected.append((str(i), e.start_char, e.end_char, e.label, e.text))
    assert [r[:5] for r in rows] == expected
    assert {r[6] for r in rows} == {"tiny"} and re.fullmatch(r"[0-9a-f]{12}", rows[0][7])
    assert all(0.0 <= r[5] <= 1.0 for r in rows)


def test_an_interrupted_run_resumes_without_a_duplicate(model: Path, posts_url: str) -> None:
    seen = []

    def stop_after_two(counts) -> None:
        seen.append(counts.written)
        if len(seen) == 2:
            raise KeyboardInterrupt

    query = "SELECT id, body FROM posts"
    with pytest.raises(KeyboardInterrupt):
        predict_into(model, sql_records(posts_url, query), to_sql=posts_url, table="entities",
                     batch_size=4, on_batch=stop_after_two)  # fmt: skip
    partial = entity_rows(posts_url)
    assert 0 < len({r[0] for r in partial}) <= 8  # two batches committed, no more
    again = predict_into(model, sql_records(posts_url, query), to_sql=posts_url, table="entities")
    assert again.skipped == len({r[0] for r in partial}) and again.written == 20 - again.skipped
    rows = entity_rows(posts_url)
    assert len(rows) == len(set(rows))  # no entity twice
    full = predict_into(model, sql_records(posts_url, query), to_sql=posts_url,
                        table="fresh", batch_size=50)  # fmt: skip
    assert sorted(r[:5] for r in rows) == sorted(r[:5] for r in entity_rows(posts_url, "fresh"))
    assert full.entities == len(rows)
    # --overwrite replaces this model version's rows instead of resuming after them.
    redo = predict_into(model, sql_records(posts_url, query), to_sql=posts_url,
                        table="entities", overwrite=True)  # fmt: skip
    assert redo.skipped == 0 and len(entity_rows(posts_url)) == len(rows)


def test_query_columns(model: Path, posts_url: str) -> None:
    one = list(sql_records(posts_url, "SELECT body FROM posts ORDER BY id"))
    assert [r["id"] for r in one[:3]] == [1, 2, 3] and one[0]["text"] == POSTS[0]
    named = list(sql_records(posts_url, "SELECT id, title, body FROM posts", text_column="body"))
    assert len(named) == 20 and named[0]["id"] == 1
    with pytest.raises(StoreError) as err:
        list(sql_records(posts_url, "SELECT id, title, body FROM posts"))
    assert err.value.code == "E408" and "--text-column" in str(err.value)
    with pytest.raises(StoreError) as err:
        list(sql_records(posts_url, "SELECT nope FROM posts"))
    assert err.value.code == "E412"


def test_bad_destinations_are_coded(model: Path, posts_url: str, tmp_path: Path) -> None:
    engine = create_engine(posts_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE other (id INTEGER PRIMARY KEY, body TEXT)"))
    engine.dispose()
    records = [{"id": 1, "text": POSTS[0]}]
    with pytest.raises(StoreError) as err:
        predict_into(model, records, to_sql=posts_url, table="other")
    assert err.value.code == "E413" and "source_id" in str(err.value)
    with pytest.raises(ConfigError) as cerr:
        predict_into(model, records, to_sql=posts_url, table="x; DROP TABLE posts")
    assert cerr.value.code == "E309"
    with pytest.raises(ConfigError) as cerr:
        predict_into(model, records, output=tmp_path / "a.jsonl", to_sql=posts_url, table="t")
    assert cerr.value.code == "E334"
    with pytest.raises(ConfigError) as cerr:
        predict_into(model, records)
    assert cerr.value.code == "E334"


def test_predictions_into_the_store_as_suggestions(model: Path, store: Store) -> None:
    from nerkit.corpus import Example
    from nerkit.store.importers import untokenized

    store.add_examples("posts", [Example(untokenized(p)) for p in POSTS[:4]])
    counts = predict_into(model, read_source("db:posts", db=store.url), to_db="posts",
                          db=store.url)  # fmt: skip
    assert counts.written == 4 and store.suggestion_count("posts") == 4
    ids = [e.id for e in store.examples("posts")]
    hints = store.suggestions(ids)
    nlp = nerkit.load(model)
    assert [(s["start"], s["end"], s["label"]) for s in hints[ids[0]].spans] == [
        (e.start_char, e.end_char, e.label) for e in nlp(POSTS[0]).ents
    ]
    assert hints[ids[0]].model == "tiny"
    again = predict_into(model, read_source("db:posts", db=store.url), to_db="posts",
                         db=store.url)  # fmt: skip
    assert (again.skipped, again.written) == (4, 0) and store.suggestion_count("posts") == 4
    # Suggestions are not answers: the feed still hands every example out, training sees none.
    assert len(list(store.unanswered("posts"))) == 4 and list(store.merged("posts")) == []

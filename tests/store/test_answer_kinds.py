"""Every stored answer knows its kind: complete (all the text's entities) or binary (teach:
about its spans alone). Migration, validation, merging, db:NAME, import/export round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra (SQLAlchemy)")

from sqlalchemy import inspect, text  # noqa: E402
from sqlalchemy.exc import IntegrityError  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from nerkit.cli import app  # noqa: E402
from nerkit.corpus import Example, accepted, read, trainable, write  # noqa: E402
from nerkit.errors import StoreError  # noqa: E402
from nerkit.store import Store, import_files  # noqa: E402
from nerkit.store.migrations import LATEST, migrate  # noqa: E402
from nerkit.store.url import make_engine  # noqa: E402
from nerkit.tokens import Doc  # noqa: E402

TEXTS = ["Ann met Bob.", "Bob left Paris.", "Nothing here.", "Carl saw Dan."]
ANN, BOB, PARIS = (0, 3, "PER"), (0, 3, "PER"), (9, 14, "LOC")


def add_texts(store: Store, name: str = "news") -> list[int]:
    store.add_examples(name, [Example(Doc(t, [], [], check=False)) for t in TEXTS])
    return [e.id for e in store.examples(name)]


def said(examples: list[Example]) -> list[tuple]:
    return [(e.text, e.spans, e.answer, e.kind) for e in examples]


def test_a_version_3_database_gets_kinds_backfilled_from_teach_suggestions(db_url: str) -> None:
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    try:
        assert migrate(engine, target=3) == (0, 3)
        with engine.begin() as conn:
            assert "kind" not in {c["name"] for c in inspect(conn).get_columns("annotations")}
            conn.execute(
                text("INSERT INTO datasets (name, created, meta) VALUES ('old', :t, '{}')"),
                {"t": now},
            )
            ds = conn.execute(text("SELECT id FROM datasets")).scalar_one()
            for h, body in (("h1", TEXTS[0]), ("h2", TEXTS[1])):
                conn.execute(
                    text(
                        "INSERT INTO examples (dataset_id, hash, text, meta, extra, spans, created)"
                        " VALUES (:d, :h, :x, '{}', '{}', '[]', :t)"
                    ),
                    {"d": ds, "h": h, "x": body, "t": now},
                )
            conn.execute(
                text("INSERT INTO sessions (dataset_id, name, started) VALUES (:d, 'alice', :t)"),
                {"d": ds, "t": now},
            )
            span = '[{"start": 0, "end": 3, "label": "PER"}]'
            # h1: a manual answer (no suggestion); h2: a teach answer (suggestion and score).
            conn.execute(
                text(
                    "INSERT INTO annotations (example_id, session_id, answer, spans, meta, "
                    f"created) SELECT e.id, s.id, 'accept', '{span}', '{{}}', :t "
                    "FROM examples e, sessions s WHERE e.hash = 'h1'"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO annotations (example_id, session_id, answer, spans, meta, "
                    "created, suggestion, score) SELECT e.id, s.id, 'reject', "
                    f"""'{span}', '{{}}', :t, '{{"start": 0, "end": 3, "label": "PER"}}', 0.4 """
                    "FROM examples e, sessions s WHERE e.hash = 'h2'"
                ),
                {"t": now},
            )
    finally:
        engine.dispose()

    with Store(db_url) as store:
        assert store.schema_version == LATEST >= 4
        first, second = store.examples("old")
        assert [a.kind for a in store.annotations(first.id)] == ["complete"]
        assert [(a.kind, a.answer) for a in store.annotations(second.id)] == [("binary", "reject")]
        assert said(list(store.merged("old", answer=None))) == [
            (TEXTS[0], [ANN], "accept", "complete"),
            (TEXTS[1], [BOB], "reject", "binary"),
        ]
        assert store.stats("old").binary == 1
    engine = make_engine(db_url)
    try:  # the database itself refuses a kind it does not know
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE annotations SET kind = 'gold'"))
    finally:
        engine.dispose()


def test_add_annotation_stores_and_checks_the_kind(store: Store) -> None:
    a, *_ = add_texts(store)
    saved = store.add_annotation(a, [ANN], "accept", session="teach", kind="binary")
    assert saved.kind == "binary" and store.annotations(a)[0].kind == "binary"
    assert store.add_annotation(a, [ANN], session="alice").kind == "complete"  # the default
    with pytest.raises(StoreError) as err:
        store.add_annotation(a, [ANN], session="alice", kind="partial")
    assert err.value.code == "E404" and "'partial'" in str(err.value) and err.value.hint
    assert len(store.annotations(a)) == 2  # nothing stored


def test_merged_complete_answers_decide_else_each_binary_answer(store: Store) -> None:
    a, b, c, d = add_texts(store)
    # a: teach answers only -> each accept/reject is an example; the ignore says nothing.
    store.add_annotation(a, [ANN], "accept", session="alice", kind="binary")
    store.add_annotation(a, [(8, 11, "LOC")], "reject", session="bob", kind="binary")
    store.add_annotation(a, [(4, 7, "PER")], "ignore", session="bob", kind="binary")
    # b: teach answers, then a complete answer: the complete one decides alone.
    store.add_annotation(b, [(9, 14, "ORG")], "reject", session="alice", kind="binary")
    store.add_annotation(b, [BOB, PARIS], "accept", session="carol")
    # c: a complete ignore does not hide a binary answer.
    store.add_annotation(c, [], "ignore", session="carol")
    store.add_annotation(c, [(0, 7, "PER")], "accept", session="alice", kind="binary")
    # d: only a complete reject.
    store.add_annotation(d, [], "reject", session="carol")

    everything = said(list(store.merged("news", answer=None)))
    assert everything == [
        (TEXTS[0], [ANN], "accept", "binary"),
        (TEXTS[0], [(8, 11, "LOC")], "reject", "binary"),
        (TEXTS[1], [BOB, PARIS], "accept", "complete"),
        (TEXTS[2], [(0, 7, "PER")], "accept", "binary"),
        (TEXTS[3], [], "reject", "complete"),
    ]
    # answer= keeps the examples with that answer, of either kind.
    assert said(list(store.merged("news"))) == [everything[i] for i in (0, 2, 3)]
    assert said(list(store.merged("news", answer="reject"))) == [everything[i] for i in (1, 4)]
    # A session's view: bob only rejected a span of a and ignored another.
    assert said(list(store.merged("news", answer=None, session="bob"))) == [everything[1]]


def test_a_binary_ignore_alone_is_kept_as_an_ignore(store: Store) -> None:
    a, *_ = add_texts(store)
    store.add_annotation(a, [ANN], "ignore", session="alice", kind="binary")
    assert said(list(store.merged("news", answer="ignore"))) == [
        (TEXTS[0], [ANN], "ignore", "binary")
    ]


def test_db_path_reads_what_training_learns_from(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NERKIT_DB", db_url)
    with Store(db_url) as store:
        a, b, c, d = add_texts(store)
        store.add_annotation(a, [ANN], "accept", session="alice", kind="binary")
        store.add_annotation(a, [(8, 11, "LOC")], "reject", session="alice", kind="binary")
        store.add_annotation(b, [BOB, PARIS], "accept", session="carol")
        store.add_annotation(c, [], "ignore", session="carol")
        store.add_annotation(d, [], "reject", session="carol")
    got = read("db:news")
    assert said(got) == [
        (TEXTS[0], [ANN], "accept", "binary"),
        (TEXTS[0], [(8, 11, "LOC")], "reject", "binary"),
        (TEXTS[1], [BOB, PARIS], "accept", "complete"),
    ]
    assert len(trainable(got)) == 3
    assert [e.text for e in accepted(got)] == [TEXTS[1]]  # the gold evaluation uses


def teach_file(path: Path) -> Path:
    rows = [
        {"text": TEXTS[0], "spans": [{"start": 0, "end": 3, "label": "PER"}],
         "_view_id": "ner", "answer": "accept"},
        {"text": TEXTS[0], "spans": [{"start": 8, "end": 11, "label": "LOC"}],
         "_view_id": "ner", "answer": "reject"},
        {"text": TEXTS[1], "spans": [{"start": 0, "end": 3, "label": "PER"},
                                     {"start": 9, "end": 14, "label": "LOC"}],
         "_view_id": "ner_manual", "answer": "accept"},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("fmt", ["prodigy", "jsonl"])
def test_import_and_export_keep_the_kind(fmt: str, store: Store, tmp_path: Path) -> None:
    src = teach_file(tmp_path / "teach.jsonl")
    ((_, name, counts),) = import_files(store, "t", [src])
    assert (name, counts.added, counts.annotations) == ("prodigy", 2, 3)
    first = next(store.examples("t"))
    assert [(a.kind, a.answer) for a in store.annotations(first.id)] == [
        ("binary", "accept"),
        ("binary", "reject"),
    ]
    assert "_view_id" not in first.extra  # the kind is a column, not a kept field
    ((_, _, again),) = import_files(store, "t", [src])
    assert again.annotations == 0  # the same answers imported again

    out = tmp_path / "out.jsonl"
    write(store.merged("t", answer=None), out, fmt)
    before, after = read(src), read(out)
    assert said(after) == said(before)


def test_db_stats_and_export_say_what_is_binary(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("NERKIT_DB", raising=False)
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    src = teach_file(tmp_path / "teach.jsonl")
    assert runner.invoke(app, ["db", "import", "t", str(src), "--db", db]).exit_code == 0
    stats = runner.invoke(app, ["db", "stats", "t", "--db", db])
    assert "annotations 3 (2 binary)" in stats.output, stats.output

    conll = tmp_path / "out.conll"
    result = runner.invoke(app, ["db", "export", "t", str(conll), "--answer", "all", "--db", db])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 examples" in result.output
    assert "Left out 2 binary answers (teach)" in result.output
    assert [e.spans for e in read(conll)] == [[BOB, PARIS]]
    kept = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["db", "export", "t", str(kept), "--answer", "all", "--db", db])
    assert "Wrote 3 examples" in result.output and "Left out" not in result.output
    assert [e.kind for e in read(kept)] == ["binary", "binary", "complete"]

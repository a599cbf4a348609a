"""`nerkit db ...` commands, and `db:NAME` as training data for `nerkit train`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra (SQLAlchemy)")

from typer.testing import CliRunner  # noqa: E402

from nerkit.cli import app  # noqa: E402
from nerkit.cli import db as db_cli  # noqa: E402
from nerkit.corpus import read  # noqa: E402
from nerkit.errors import StoreError  # noqa: E402
from nerkit.store import Store  # noqa: E402

RESOURCES = Path(__file__).parents[1] / "resources"
TRAIN = RESOURCES / "ner_tiny_train.jsonl"
DEV = RESOURCES / "ner_tiny_dev.jsonl"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, ["db", *args], input=input)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("NERKIT_DB", raising=False)
    return str(tmp_path / "cli.db")


def test_import_list_stats_export(db: str, tmp_path: Path) -> None:
    texts = tmp_path / "t.txt"
    texts.write_text("Ann met Bob.\nAnn met Bob.\nBob left.\n")
    result = run("import", "news", str(texts), str(TRAIN), "--db", db)
    assert result.exit_code == 0, result.output
    assert "(txt): 2 added, 1 duplicates skipped, 0 annotations added" in result.output
    assert "(jsonl): 8 added, 0 duplicates skipped, 8 annotations added" in result.output
    assert "Total: 10 added" in result.output

    again = run("import", "news", str(texts), "--db", db)
    assert "0 added, 3 duplicates skipped" in again.output

    listed = run("list", "--db", db)
    assert listed.exit_code == 0 and "news" in listed.output and "10" in listed.output

    stats = run("stats", "news", "--db", db)
    assert stats.exit_code == 0, stats.output
    assert "examples 10  unanswered 2  annotations 8" in stats.output
    assert "import 8" in stats.output and "PER" in stats.output

    out = tmp_path / "out.conll"
    exported = run("export", "news", str(out), "--db", db)
    assert exported.exit_code == 0, exported.output
    assert "Wrote 8 examples" in exported.output
    assert [e.spans for e in read(out)] == [e.spans for e in read(TRAIN)]


def test_nerkit_db_variable_picks_the_database(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NERKIT_DB", db)
    assert run("import", "viaenv", str(TRAIN)).exit_code == 0
    with Store(db) as store:
        assert store.dataset("viaenv").examples == 8


def test_export_by_session_and_answer(db: str, tmp_path: Path) -> None:
    with Store(db) as store:
        store.add_examples("d", read(TRAIN)[:3], annotated=True)
        first = next(store.examples("d"))
        store.add_annotation(first.id, [], "reject", session="alice")
    out = tmp_path / "rejected.jsonl"
    result = run("export", "d", str(out), "--answer", "reject", "--db", db)
    assert result.exit_code == 0 and "Wrote 1 examples" in result.output
    assert [json.loads(line)["answer"] for line in out.read_text().splitlines()] == ["reject"]
    run("export", "d", str(out), "--session", "import", "--db", db)
    assert len(read(out)) == 3
    run("export", "d", str(out), "--answer", "all", "--db", db)
    assert len(out.read_text().splitlines()) == 3


def test_import_sql_command(db: str, tmp_path: Path) -> None:
    source = tmp_path / "src.db"
    raw = sqlite3.connect(source)
    raw.execute("CREATE TABLE posts (id INTEGER, body TEXT)")
    raw.executemany("INSERT INTO posts VALUES (?, ?)", [(1, "Ann met Bob."), (2, "Bob left.")])
    raw.commit()
    raw.close()
    result = run(
        "import-sql", "forum", "--url", f"sqlite:///{source}",
        "--query", "SELECT id, body FROM posts", "--text-column", "body", "--db", db,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "forum: 2 added, 0 duplicates skipped" in result.output
    with Store(db) as store:
        assert [e.meta for e in store.examples("forum")] == [{"id": 1}, {"id": 2}]


def test_drop_asks_and_yes_skips(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("import", "a", str(TRAIN), "--db", db).exit_code == 0
    # Without a terminal and without --yes it refuses, saying how to go on.
    refused = run("drop", "a", "--db", db)
    assert isinstance(refused.exception, StoreError) and refused.exception.code == "E409"
    assert "--yes" in str(refused.exception)

    monkeypatch.setattr(db_cli, "_interactive", lambda: True)
    said_no = run("drop", "a", "--db", db, input="n\n")
    assert said_no.exit_code == 1 and "Drop dataset 'a' with 8 examples" in said_no.output
    with Store(db) as store:
        assert store.dataset("a").examples == 8

    said_yes = run("drop", "a", "--db", db, input="y\n")
    assert said_yes.exit_code == 0 and "Dropped a" in said_yes.output

    assert run("import", "b", str(TRAIN), "--db", db).exit_code == 0
    monkeypatch.setattr(db_cli, "_interactive", lambda: False)
    forced = run("drop", "b", "--yes", "--db", db)
    assert forced.exit_code == 0, forced.output
    with Store(db) as store:
        assert store.datasets() == []


def test_missing_dataset_is_a_clear_error(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NERKIT_DB", db)  # or db:NAME would make ./nerkit.db
    result = run("export", "nope", str(tmp_path / "x.jsonl"), "--db", db)
    assert isinstance(result.exception, StoreError) and result.exception.code == "E401"
    with pytest.raises(StoreError, match="No dataset 'nope'"):
        read("db:nope")


def test_train_reads_db_datasets(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NERKIT_DB", db)  # restored after the test, whatever --db sets
    assert run("import", "train", str(TRAIN)).exit_code == 0
    assert run("import", "dev", str(DEV)).exit_code == 0
    texts = tmp_path / "raw.txt"
    texts.write_text("An unanswered text is not training data.\n")
    assert run("import", "train", str(texts)).exit_code == 0
    assert len(read("db:train")) == 8  # accepted, merged examples only

    monkeypatch.setenv("NERKIT_DB", str(tmp_path / "elsewhere.db"))  # --db must win
    out = tmp_path / "model"
    result = CliRunner().invoke(
        app,
        [
            "train", "db:train", "db:dev", "--output", str(out), "--model", "perceptron",
            "--seed", "1", "--set", "train.max_epochs=3", "--set", "model.hash_rows=4096",
            "--db", db,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Trained on 8 examples" in result.output
    meta = json.loads((out / "meta.json").read_text())
    assert set(meta["labels"]) == {"LOC", "ORG", "PER"}


def test_the_database_is_an_argument_not_an_environment_variable(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import nerkit

    assert run("import", "train", str(TRAIN), "--db", db).exit_code == 0
    other = str(tmp_path / "other.db")
    monkeypatch.setenv("NERKIT_DB", other)  # the default; an explicit db must win
    assert len(read("db:train", db=db)) == 8
    result = nerkit.train(
        "db:train", None, model="perceptron", dev_split=0.25, seed=1, db=db,
        overrides=["train.max_epochs=2", "model.hash_rows=4096"],
    )  # fmt: skip
    assert result.n_train + result.n_dev == 8
    out = tmp_path / "m"
    cli = CliRunner().invoke(
        app,
        [
            "train", "db:train", "--dev-split", "0.25", "--output", str(out), "--model",
            "perceptron", "--set", "train.max_epochs=2", "--db", db,
        ],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    assert os.environ["NERKIT_DB"] == other  # --db did not leak into the environment
    assert not Path(other).exists()  # nothing read or created the default database


def test_corpus_reads_db_paths_only_once_the_store_registered_them(db: str) -> None:
    import subprocess
    import sys

    code = (
        "from nerkit.corpus import read\n"
        "from nerkit.errors import FormatError\n"
        "try:\n    read('db:train')\nexcept FormatError as e:\n    print(e.code, 'nerkit.store' in str(e))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["E014", "True"]


def test_every_command_that_reads_data_reads_db_paths(db: str, tmp_path: Path) -> None:
    """The CLI loads the store for db:NAME wherever it takes data (convert, data check,
    vectors oov), with --db or $NERKIT_DB naming the database."""
    assert run("import", "train", str(TRAIN), "--db", db).exit_code == 0
    vecs = tmp_path / "v"
    made = CliRunner().invoke(
        app, ["vectors", "import", str(RESOURCES / "vectors_tiny.vec"), "-o", str(vecs)]
    )
    assert made.exit_code == 0, made.output
    env = {"NERKIT_DB": db}
    for args in (
        ["vectors", "oov", str(vecs), "db:train"],
        ["data", "check", "db:train"],
        ["convert", "db:train", str(tmp_path / "out.jsonl")],
    ):
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, (args, result.output)
        assert "E014" not in result.output


def test_predict_reads_a_store_dataset(db: str, tmp_path: Path) -> None:
    """nerkit predict MODEL db:NAME predicts every example of the dataset, answered or not,
    keeping its id; a dataset that does not exist is E401."""
    import json as _json

    assert run("import", "train", str(TRAIN), "--db", db).exit_code == 0
    model = tmp_path / "m"
    trained = CliRunner().invoke(
        app,
        ["train", str(TRAIN), str(DEV), "-o", str(model), "--model", "perceptron",
         "--set", "train.max_epochs=2", "--set", "model.hash_rows=4096"],
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(
        app, ["predict", str(model), "db:train", "-o", str(out), "--db", db]
    )
    assert result.exit_code == 0, result.output
    records = [_json.loads(line) for line in out.read_text().splitlines()]
    with Store(db) as store:
        stored = list(store.examples("train"))
    assert [r["id"] for r in records] == [ex.id for ex in stored]
    assert [r["text"] for r in records] == [ex.text for ex in stored]
    assert all("spans" in r for r in records) and any(r["spans"] for r in records)
    missing = CliRunner().invoke(
        app, ["predict", str(model), "db:nope", "-o", str(out), "--db", db]
    )
    assert isinstance(missing.exception, StoreError) and missing.exception.code == "E401"

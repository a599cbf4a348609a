"""`nerkit predict` from every source into every destination, as a user types it (issue #11)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nerkit
from nerkit.cli import app
from nerkit.errors import NerkitError

RESOURCES = Path(__file__).parents[1] / "resources"
POSTS = ["Alice Smith flew to Berlin.\nShe met Bob Jones there.", "Globex opened in Paris."]


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def code_of(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert isinstance(result.exception, NerkitError), repr(result.exception)
    return result.exception.code


def test_multi_line_posts_split_by_blank_lines(model: Path, tmp_path: Path) -> None:
    src = tmp_path / "posts.txt"
    src.write_text("\n\n".join(POSTS) + "\n")
    run("predict", str(model), str(src), "--split", "blank", "-o", str(tmp_path / "o.jsonl"))
    records = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert [r["text"] for r in records] == POSTS and [r["id"] for r in records] == [1, 2]
    nlp = nerkit.load(model)
    assert [[(s["start"], s["label"]) for s in r["spans"]] for r in records] == [
        [(e.start_char, e.label) for e in nlp(p).ents] for p in POSTS
    ]


def test_any_format_in_and_out(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.conll"
    run("predict", str(model), str(RESOURCES / "conll_iob2.txt"), "-o", str(out))
    from nerkit.corpus import read

    examples = read(out)
    assert examples and all(ex.text for ex in examples)


def test_a_query_to_a_table_and_back_again(model: Path, tmp_path: Path) -> None:
    db = tmp_path / "posts.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE posts (post_id INTEGER PRIMARY KEY, body TEXT)")
        con.executemany("INSERT INTO posts (body) VALUES (?)", [(p,) for p in POSTS * 10])
    args = ["predict", str(model), "--url", str(db), "--query", "SELECT post_id, body FROM posts",
            "--id-column", "post_id", "--to-sql", str(db), "--table", "entities"]  # fmt: skip
    assert "Predicted 20 texts" in run(*args)
    with sqlite3.connect(db) as con:
        n, ids = con.execute("SELECT count(*), count(DISTINCT source_id) FROM entities").fetchone()
    assert n > 0 and ids == 20
    assert "20 skipped (written before)" in run(*args)
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM entities").fetchone()[0] == n


def test_several_processes_give_what_one_gives(model: Path, tmp_path: Path) -> None:
    src = tmp_path / "posts.txt"
    src.write_text("\n".join(POSTS[1:] * 30 + ["Alice Smith flew to Berlin."] * 30) + "\n")
    run("predict", str(model), str(src), "-o", str(tmp_path / "one.jsonl"))
    run("predict", str(model), str(src), "-o", str(tmp_path / "two.jsonl"), "--processes", "2",
        "--batch-size", "7")  # fmt: skip
    assert (tmp_path / "one.jsonl").read_text() == (tmp_path / "two.jsonl").read_text()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], "E334"),  # neither SOURCE nor --query
        (["SRC", "--query", "SELECT 1", "--url", "x.db", "-o", "o.jsonl"], "E334"),  # both
        (["--query", "SELECT 1", "-o", "o.jsonl"], "E334"),  # --query without --url
        (["SRC"], "E334"),  # no destination
        (["SRC", "-o", "o.jsonl", "--to-sql", "x.db", "--table", "t"], "E334"),  # two
        (["SRC", "--to-sql", "x.db"], "E334"),  # no --table
        (["SRC", "-o", "o.jsonl", "--split", "para"], "E309"),
        (["SRC", "-o", "o.jsonl", "--processes", "0"], "E309"),
        (["SRC", "-o", "SRC"], "E019"),
    ],
)
def test_bad_combinations_are_coded(model: Path, tmp_path: Path, args: list[str], code: str):
    src = tmp_path / "posts.txt"
    src.write_text("Alice Smith flew to Berlin.\n")
    args = [str(src) if a == "SRC" else str(tmp_path / a) if a.endswith((".jsonl", ".db")) else a
            for a in args]  # fmt: skip
    assert code_of("predict", str(model), *args) == code

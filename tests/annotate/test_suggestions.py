"""Predictions stored with `nerkit predict --to-db` are what `annotate correct` pre-fills (no
model needed) and what `review` shows next to the annotators' answers (issue #11)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from annotate_helpers import TOKEN, write_texts
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.errors import ConfigError

H = {"Authorization": f"Bearer {TOKEN}"}
TEXTS = ["Alice Smith flew to Berlin.", "Globex opened an office in Paris.", "Nothing here."]


def predict_to_db(model: Path, source: Path, db_url: str) -> None:
    result = CliRunner().invoke(
        app, ["predict", str(model), str(source), "--to-db", "posts", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "3 texts added" in result.output and "Predicted 3 texts" in result.output


def test_correct_prefills_the_stored_suggestions_without_a_model(
    live, store, db_url: str, tiny_model: Path, tmp_path: Path
) -> None:
    import nerkit

    source = write_texts(tmp_path / "posts.jsonl", TEXTS)
    predict_to_db(tiny_model, source, db_url)
    srv = live("correct", "posts", "db:posts", labels=["PER", "ORG", "LOC"])
    r = httpx.get(f"{srv.base}/api/tasks", params={"session": "alice", "n": 5}, headers=H)
    got = {t["text"]: [(s["start"], s["end"], s["label"], s["source"]) for s in t["spans"]]
           for t in r.json()["tasks"]}  # fmt: skip
    nlp = nerkit.load(tiny_model)
    for text in TEXTS:
        assert got[text] == [(e.start_char, e.end_char, e.label, "model") for e in nlp(text).ents]
    assert any(got.values())


def test_correct_without_a_model_or_suggestions_says_what_to_do(store, tmp_path: Path) -> None:
    from nerkit.annotate.launch import prepare

    source = write_texts(tmp_path / "posts.jsonl", TEXTS)
    with pytest.raises(ConfigError, match="--to-db posts"):
        prepare(store, "correct", "posts", str(source), labels=["PER"], token=TOKEN)


def test_review_shows_the_models_version_next_to_the_answers(
    live, store, db_url: str, tiny_model: Path, tmp_path: Path
) -> None:
    source = write_texts(tmp_path / "posts.jsonl", TEXTS)
    predict_to_db(tiny_model, source, db_url)
    first = next(store.examples("posts"))
    store.add_annotation(first.id, [(0, 5, "PER")], session="alice")
    srv = live("review", "posts", "db:posts", labels=["PER", "ORG", "LOC"])
    r = httpx.get(f"{srv.base}/api/tasks", params={"session": "carol"}, headers=H)
    (task,) = r.json()["tasks"]
    sessions = [v["session"] for v in task["versions"]]
    assert sessions == ["alice", "model:tiny"]
    assert task["spans"] == [{"start": 0, "end": 5, "label": "PER", "source": "review"}]

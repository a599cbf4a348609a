"""`nerkit evaluate`: raw text by default or the data's tokens, recall on seen and unseen
entities (from --train or the model's recorded training data), in the table and the JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nerkit.cli import app

RESOURCES = Path(__file__).parents[1] / "resources"
TRAIN = RESOURCES / "ner_tiny_train.jsonl"
DEV = RESOURCES / "ner_tiny_dev.jsonl"

# Seen in TRAIN: "Alice Smith", "Globex"; unseen: "Lisbon", "Dave Brown".
TEST_RECORDS = [
    {
        "text": "Alice Smith flew to Lisbon.",
        "spans": [
            {"start": 0, "end": 11, "label": "PER"},
            {"start": 20, "end": 26, "label": "LOC"},
        ],
    },
    {
        "text": "Dave Brown works for Globex.",
        "spans": [
            {"start": 0, "end": 10, "label": "PER"},
            {"start": 21, "end": 27, "label": "ORG"},
        ],
    },
]
# CoNLL keeps "Berlin-based" as one token; our tokenizer makes three of it.
TEST_CONLL = "Alice B-PER\nSmith I-PER\nis O\nBerlin-based O\n. O\n"


def train_model(out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(
        app,
        ["train", str(TRAIN), str(DEV), "--output", str(out), "--model", "perceptron"]
        + ["--seed", "7", "--set", "model.hash_rows=16384", "--set", "train.max_epochs=10"]
        + list(extra),
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_model(tmp_path_factory.mktemp("model"))


@pytest.fixture
def test_file(tmp_path: Path) -> Path:
    path = tmp_path / "test.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in TEST_RECORDS))
    return path


def evaluate(*args: str | Path) -> tuple[str, dict]:
    out = Path(str(args[1])).with_name("scores.json")
    result = CliRunner().invoke(app, ["evaluate", *map(str, args), "--json", str(out)])
    assert result.exit_code == 0, result.output
    return result.output, json.loads(out.read_text())


def test_seen_and_unseen_from_the_models_training_data(model_dir: Path, test_file: Path) -> None:
    output, scores = evaluate(model_dir, test_file)
    assert "Recall on entities seen / unseen in training" in output
    assert f"'{TRAIN}', the model's training data (meta.json)" in output
    split = scores["seen_unseen"]
    assert split["seen"]["total"] == 2 and split["unseen"]["total"] == 2
    assert split["seen"]["found"] + split["unseen"]["found"] == scores["tp"]
    assert split["per_label"]["PER"]["seen"]["total"] == 1
    assert split["per_label"]["LOC"]["unseen"]["total"] == 1
    assert split["per_label"]["ORG"]["unseen"]["total"] == 0
    assert split["train_entities"] == 8  # distinct entity texts of the tiny training file
    seen, unseen = split["seen"], split["unseen"]
    # The "all" row of the table shows both recalls with their counts.
    row = next(line for line in output.splitlines() if line.startswith("│ all "))
    assert f"{seen['found']}/2" in row and f"{unseen['found']}/2" in row
    assert f"{100 * seen['recall']:.2f}" in row and f"{100 * unseen['recall']:.2f}" in row


def test_train_option_replaces_the_recorded_data(model_dir: Path, test_file: Path) -> None:
    output, scores = evaluate(model_dir, test_file, "--train", DEV)
    assert f"'{DEV}' (--train)" in output and "meta.json" not in output
    split = scores["seen_unseen"]
    # None of the test entities is annotated in the dev file.
    assert split["seen"]["total"] == 0 and split["unseen"]["total"] == 4
    assert split["train_entities"] == 4


def test_a_changed_or_missing_training_file_is_not_used(
    model_dir: Path, test_file: Path, tmp_path: Path
) -> None:
    copy = shutil.copytree(model_dir, tmp_path / "model")
    meta_path = copy / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["train_data"]["sha256"] = "0" * 64
    meta_path.write_text(json.dumps(meta))
    output, scores = evaluate(copy, test_file)
    assert "No recall on seen/unseen entities" in output and "has changed" in output
    assert "--train TRAIN" in output and "seen_unseen" not in scores
    meta["train_data"]["path"] = str(tmp_path / "gone.jsonl")
    meta_path.write_text(json.dumps(meta))
    output, scores = evaluate(copy, test_file)
    assert "is not a file here" in output and "seen_unseen" not in scores


def test_raw_text_by_default_gold_tokens_on_request(model_dir: Path, tmp_path: Path) -> None:
    conll = tmp_path / "test.conll"
    conll.write_text(TEST_CONLL)
    output, raw = evaluate(model_dir, conll)
    assert "tokenization + prediction of the raw texts" in output
    assert raw["tokens"] == "raw" and raw["timed"] == "tokenization + prediction"
    assert raw["words"] == 7  # Alice Smith is Berlin - based .
    output, gold = evaluate(model_dir, conll, "--gold-tokens")
    assert "prediction on the data's own tokens, --gold-tokens" in output
    assert gold["tokens"] == "gold" and gold["timed"] == "prediction"
    assert gold["words"] == 5


def test_a_model_trained_on_gold_tokens_gets_a_hint(tmp_path: Path, test_file: Path) -> None:
    model = train_model(tmp_path / "gold-model", "--set", "train.gold_tokens=true")
    output, _ = evaluate(model, test_file)
    assert "trained on its data's own tokens" in output
    output, _ = evaluate(model, test_file, "--gold-tokens")
    assert "trained on its data's own tokens" not in output


def test_only_complete_accepted_examples_are_scored(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    records = [
        {**TEST_RECORDS[0], "answer": "accept"},
        {**TEST_RECORDS[1], "answer": "reject"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    _, scores = evaluate(model_dir, path)
    assert scores["examples"] == 1 and scores["tp"] + scores["fn"] == 2


def test_the_report_and_its_numbers(model_dir: Path, test_file: Path, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    output, scores = evaluate(model_dir, test_file, "--html", html, "--seed", "5")
    assert "micro F1 95% interval [" in output and f"Report written to {html}" in output
    report = scores["report"]
    assert report["intervals"]["resamples"] == 1000 and report["intervals"]["seed"] == 5
    micro = report["intervals"]["micro"]["f1"]
    assert micro["value"] == scores["f1"] and micro["low"] <= micro["value"] <= micro["high"]
    types = report["error_types"]["all"]
    gold = sum(s["support"] for s in scores["per_label"].values())
    assert gold == sum(types[t] for t in types if t != "spurious")
    assert types["correct"] == scores["tp"]
    assert sum(b["count"] for b in report["calibration"]["bins"]) == scores["tp"] + scores["fp"]
    assert sum(v["support"] for v in report["by_entity_length"].values()) == gold
    page = html.read_text()
    assert page.startswith("<!doctype html>") and "Errors in context" in page
    _, again = evaluate(model_dir, test_file, "--seed", "5")
    assert again["report"]["intervals"] == report["intervals"]

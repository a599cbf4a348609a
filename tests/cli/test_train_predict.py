"""`nerkit train` -> `nerkit evaluate` -> `nerkit predict` on a tiny fixture, and the Python API."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nerkit
from nerkit.cli import app
from nerkit.corpus import accepted, read

RESOURCES = Path(__file__).parents[1] / "resources"
TRAIN = RESOURCES / "ner_tiny_train.jsonl"
DEV = RESOURCES / "ner_tiny_dev.jsonl"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model")
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(TRAIN),
            str(DEV),
            "--output",
            str(out),
            "--model",
            "perceptron",
            "--seed",
            "7",
            "--set",
            "model.hash_rows=16384",
            "--set",
            "train.max_epochs=10",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "dev" in result.output
    return out


def test_train_writes_a_model_directory(model_dir: Path) -> None:
    for name in (
        "config.toml",
        "labels.json",
        "weights.safetensors",
        "meta.json",
        "tokenizer.json",
    ):
        assert (model_dir / name).is_file(), name
    config = tomllib.loads((model_dir / "config.toml").read_text())
    assert config["model"]["name"] == "perceptron.v1"
    assert config["model"]["hash_rows"] == 16384
    assert config["train"]["max_epochs"] == 10 and config["train"]["seed"] == 7
    meta = json.loads((model_dir / "meta.json").read_text())
    assert set(meta["labels"]) == {"LOC", "ORG", "PER"}
    # the dev score recorded is the kept model's score on DEV, predicted from its raw texts
    dev_f1 = nerkit.evaluate(nerkit.load(model_dir), accepted(read(DEV))).scores.f1
    assert meta["scores"]["f1"] == pytest.approx(dev_f1) and dev_f1 > 0.5


def test_python_api(model_dir: Path) -> None:
    nlp = nerkit.load(model_dir)
    doc = nlp("Alice Smith flew to Berlin on Friday.")
    assert [(e.text, e.label) for e in doc.ents] == [("Alice Smith", "PER"), ("Berlin", "LOC")]
    assert [(e.start_char, e.end_char) for e in doc.ents] == [(0, 11), (20, 26)]
    docs = list(nlp.pipe(["Globex opened an office in Berlin.", ""], batch_size=1))
    assert [(e.text, e.label) for e in docs[0].ents] == [("Globex", "ORG"), ("Berlin", "LOC")]
    assert docs[1].ents == ()


def test_evaluate_command(model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(app, ["evaluate", str(model_dir), str(TRAIN), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "words/s" in result.output and "PER" in result.output
    scores = json.loads(out.read_text())
    assert scores["f1"] == 1.0  # the training data itself: the perceptron fits it
    assert set(scores["per_label"]) == {"LOC", "ORG", "PER"}


def test_predict_command_on_text_and_jsonl(model_dir: Path, tmp_path: Path) -> None:
    text_in = tmp_path / "in.txt"
    text_in.write_text("Alice Smith flew to Berlin on Friday.\n\nNothing happened today.\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["predict", str(model_dir), str(text_in), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 2
    span = records[0]["spans"][0]
    assert 0.0 <= span.pop("score") <= 1.0
    assert span == {"start": 0, "end": 11, "label": "PER", "text": "Alice Smith"}
    assert records[1]["spans"] == []

    jsonl_in = tmp_path / "in.jsonl"
    jsonl_in.write_text(
        json.dumps({"text": "Bob Jones works for Globex in Madrid.", "id": 3}) + "\n"
    )
    result = CliRunner().invoke(app, ["predict", str(model_dir), str(jsonl_in), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["id"] == 3
    assert [(s["text"], s["label"]) for s in record["spans"]] == [
        ("Bob Jones", "PER"),
        ("Globex", "ORG"),
        ("Madrid", "LOC"),
    ]


def test_bad_override_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(TRAIN),
            str(DEV),
            "-o",
            str(tmp_path / "m"),
            "--set",
            "train.max_epochs=many",
        ],
    )
    assert result.exit_code != 0
    assert "E308" in str(result.exception)


def test_train_says_scores_are_calibrated_and_predict_threshold(
    model_dir: Path, tmp_path: Path
) -> None:
    assert (model_dir / "calibration.json").is_file()
    text_in = tmp_path / "in.txt"
    text_in.write_text(
        "Alice Smith flew to Berlin on Friday.\nBob Jones works for Globex in Madrid.\n"
        "Zorblax Quux met Fnord in Wibble.\n"
    )

    def scores(*extra: str) -> list[float]:
        out = tmp_path / "out.jsonl"
        result = CliRunner().invoke(
            app, ["predict", str(model_dir), str(text_in), "-o", str(out), *extra]
        )
        assert result.exit_code == 0, result.output
        return [
            s["score"] for line in out.read_text().splitlines() for s in json.loads(line)["spans"]
        ]

    every = scores()
    assert len(every) >= 3 and len(set(every)) > 1  # not all 1.00
    low, high = sorted(set(every))[:2]
    cut = (low + high) / 2  # between two scores: rounding in the output cannot move one over
    assert scores("--threshold", str(cut)) == [s for s in every if s > cut]
    assert scores("--threshold", "PER=1", "--threshold", "0") == scores("--threshold", "PER=1")
    result = CliRunner().invoke(
        app, ["predict", str(model_dir), str(text_in), "-o", str(tmp_path / "x.jsonl"),
              "--threshold", "PER=high"],
    )  # fmt: skip
    assert getattr(result.exception, "code", None) == "E381"
    assert not (tmp_path / "x.jsonl").exists()

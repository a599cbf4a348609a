"""`nerkit train` with the neural model (the default): model dir, training log, plot, loss."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nerkit
from nerkit.cli import app

pytest.importorskip("torch", reason="the neural model needs torch")

RESOURCES = Path(__file__).parents[1] / "resources"
TRAIN = RESOURCES / "ner_tiny_train.jsonl"
DEV = RESOURCES / "ner_tiny_dev.jsonl"
TINY_SETS = [
    "model.hash_rows=4096",
    "model.affix_rows=1024",
    "model.word_dim=32",
    "model.hidden=32",
    "model.char_filters=16",
    "model.dropout=0.1",
    "train.learning_rate=0.02",
    "train.max_epochs=25",
    "train.patience=25",
    "train.threads=1",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("neural")
    args = ["train", str(TRAIN), str(DEV), "-o", str(out), "--seed", "1"]
    for item in TINY_SETS:
        args += ["--set", item]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_neural_is_the_default_and_shows_loss(trained: tuple[Path, str]) -> None:
    out, output = trained
    assert "Training neural" in output and "loss" in output
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["model"]["name"] == "neural.v1"
    assert config["model"]["hidden"] == 32 and config["train"]["seed"] == 1
    assert config["vectors"]["mode"] == "none"
    for name in ("weights.safetensors", "labels.json", "tokenizer.json", "meta.json"):
        assert (out / name).is_file(), name
    assert not list(out.glob("*.pt")) and not list(out.glob("*.pkl"))


def test_training_log_and_plot(trained: tuple[Path, str]) -> None:
    out, _ = trained
    lines = [json.loads(x) for x in (out / "training_log.jsonl").read_text().splitlines()]
    assert len(lines) >= 2
    for line in lines:
        assert {"epoch", "step", "loss", "dev_precision", "dev_recall", "dev_f1", "seconds"} <= set(
            line
        )
    assert lines[-1]["step"] > lines[0]["step"]
    pytest.importorskip("matplotlib", reason="the dev F1 plot needs matplotlib")
    assert (out / "dev_f1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_loaded_model_predicts(trained: tuple[Path, str]) -> None:
    out, _ = trained
    nlp = nerkit.load(out)
    doc = nlp("Alice Smith flew to Berlin on Friday.")
    assert [(e.text, e.label) for e in doc.ents] == [("Alice Smith", "PER"), ("Berlin", "LOC")]


def test_device_without_gpu_is_a_clear_error(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    args = ["train", str(TRAIN), str(DEV), "-o", str(tmp_path / "m"), "--device", "cuda"]
    result = CliRunner().invoke(app, [*args, "--set", "train.max_epochs=1"])
    assert result.exit_code != 0 and "E313" in str(result.exception)

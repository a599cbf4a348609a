"""Bad input to train, predict and convert stops with a coded error before anything is
written, never a traceback or a silent empty result (issue #10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.errors import NerkitError

RESOURCES = Path(__file__).parents[1] / "resources"
TRAIN = RESOURCES / "ner_tiny_train.jsonl"
DEV = RESOURCES / "ner_tiny_dev.jsonl"


def code_of(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, NerkitError), repr(result.exception)
    return result.exception.code


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("m") / "model"
    result = CliRunner().invoke(
        app,
        ["train", str(TRAIN), str(DEV), "-o", str(out), "--model", "perceptron",
         "--set", "train.max_epochs=2", "--set", "model.hash_rows=4096"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return str(out)


@pytest.mark.parametrize(
    ("setting", "model_name"),
    [
        ("train.max_epochs=-1", "perceptron"),
        ("train.max_epochs=0", "neural"),
        ("train.batch_size=0", "neural"),
        ("model.hidden=0", "neural"),
        ("train.ensemble=0", "perceptron"),
    ],
)
def test_counts_below_their_minimum_are_e309(setting: str, model_name: str, tmp_path: Path):
    assert code_of(
        "train", str(TRAIN), str(DEV), "-o", str(tmp_path / "m"), "--model", model_name,
        "--set", setting,
    ) == "E309"  # fmt: skip
    assert not (tmp_path / "m").exists()


def test_train_output_that_is_a_file_is_e333(tmp_path: Path) -> None:
    file = tmp_path / "afile"
    file.write_text("keep me")
    assert (
        code_of("train", str(TRAIN), str(DEV), "-o", str(file), "--model", "perceptron") == "E333"
    )
    assert file.read_text() == "keep me"


def test_predict_input_errors(model: str, tmp_path: Path) -> None:
    out = str(tmp_path / "out.jsonl")
    assert code_of("predict", model, str(tmp_path / "missing.txt"), "-o", out) == "E008"
    assert code_of("predict", model, str(tmp_path), "-o", out) == "E009"
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02 not text")
    assert code_of("predict", model, str(binary), "-o", out) == "E006"
    texts = tmp_path / "posts.txt"
    texts.write_text("Alice flew to Berlin.\n")
    assert code_of("predict", model, str(texts), "-o", out, "--batch-size", "0") == "E309"
    assert not Path(out).exists()


def test_writing_over_the_input_is_e019_and_keeps_it(model: str, tmp_path: Path) -> None:
    texts = tmp_path / "posts.txt"
    texts.write_text("Alice flew to Berlin.\n")
    assert code_of("predict", model, str(texts), "-o", str(texts)) == "E019"
    assert texts.read_text() == "Alice flew to Berlin.\n"
    data = tmp_path / "train.jsonl"
    data.write_bytes(TRAIN.read_bytes())
    assert code_of("convert", str(data), str(data)) == "E019"
    assert data.read_bytes() == TRAIN.read_bytes()


def test_convert_refuses_overlaps_a_format_cannot_hold(tmp_path: Path) -> None:
    data = tmp_path / "ov.jsonl"
    data.write_text(
        '{"text": "Ann Lee left", "spans": [{"start": 0, "end": 7, "label": "PER"}, '
        '{"start": 4, "end": 12, "label": "ORG"}]}\n'
    )
    assert code_of("convert", str(data), str(tmp_path / "ov.conll")) == "E103"
    assert not (tmp_path / "ov.conll").exists()  # no half-written file either
    kept = CliRunner().invoke(app, ["convert", str(data), str(tmp_path / "ov2.jsonl")])
    assert kept.exit_code == 0 and "2 spans" in kept.output  # JSONL holds both


def test_a_one_column_conll_file_is_e022_in_check_and_convert(tmp_path: Path) -> None:
    """A CoNLL file of words without tags is not a file of sentences without entities."""
    path = tmp_path / "one.conll"
    path.write_text("EU\nrejects\nGerman\n\nPeter\n", encoding="utf8")
    assert code_of("data", "check", str(path)) == "E022"
    assert code_of("convert", str(path), str(tmp_path / "o.jsonl")) == "E022"
    assert not (tmp_path / "o.jsonl").exists()

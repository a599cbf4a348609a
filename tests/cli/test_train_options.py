"""The entry point prints nerkit warnings as `Warning [W2xx] ...` on stderr."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

from nerkit.cli import _show_warning, main
from nerkit.errors import NerkitWarning

RESOURCES = Path(__file__).parents[1] / "resources"
TRAIN = RESOURCES / "ner_tiny_train.jsonl"
DEV = RESOURCES / "ner_tiny_dev.jsonl"
PERCEPTRON = ["--set", "model.hash_rows=4096", "--set", "train.ensemble=1"]
NEURAL = [
    "--set",
    "model.hash_rows=4096",
    "--set",
    "model.affix_rows=1024",
    "--set",
    "model.word_dim=16",
    "--set",
    "model.hidden=16",
    "--set",
    "model.char_filters=8",
    "--set",
    "train.threads=1",
]


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str):
    """Run the real entry point (what the `nerkit` script calls); its exit code and output."""
    monkeypatch.setattr(sys, "argv", ["nerkit", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def _flat(text: str) -> str:
    return " ".join(text.split())  # rich wraps long lines at the terminal width


def test_entry_point_prints_w201_when_dev_is_the_training_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    args = ["train", str(TRAIN), str(TRAIN), "-o", str(tmp_path / "m"), "-m", "perceptron"]
    code, out, err = _main(monkeypatch, capsys, *args, "--set", "train.max_epochs=2", *PERCEPTRON)
    assert code == 0, err
    assert "Warning [W201] 8 of the 8 dev texts are training texts too" in _flat(err)
    assert "W201" not in out  # on stderr only, once
    assert _flat(err).count("[W201]") == 1


def test_entry_point_prints_w202_when_dev_f1_stays_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    pytest.importorskip("torch", reason="the neural model needs torch")
    # One epoch of 8 sentences is one batch, one update: the default network predicts no
    # entities yet (9 of seeds 0-9 predict none on the dev texts, the 10th two wrong ones).
    args = ["train", str(TRAIN), str(DEV), "-o", str(tmp_path / "m"), "--seed", "0"]
    args += ["--set", "train.max_epochs=1", "--set", "train.threads=1"]
    code, out, err = _main(monkeypatch, capsys, *args)
    assert code == 0, err
    assert "Warning [W202] The model found none of the 4 dev entities" in _flat(err)
    assert "F 0.00" in out


def test_show_warning_leaves_other_warnings_to_python() -> None:
    seen: list[object] = []
    show = _show_warning(lambda message, *rest: seen.append(message))
    other = UserWarning("not ours")
    show(other, UserWarning, "x.py", 1)
    assert seen == [other]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a nerkit warning is printed, not handed on or raised
        show(NerkitWarning("W201", "dev is train"), NerkitWarning, "x.py", 1)
    assert seen == [other]

"""`nerkit train` without a DEV file, with --dev-split, with packaged configs; the entry point
prints nerkit warnings as `Warning [W2xx] ...` on stderr."""

from __future__ import annotations

import json
import sys
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nerkit.cli import _show_warning, app, main
from nerkit.errors import ConfigError, NerkitWarning
from nerkit.vectors import Vectors

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


def test_no_dev_trains_the_last_epoch_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "m"
    args = ["train", str(TRAIN), "-o", str(out), "-m", "perceptron"]
    result = CliRunner().invoke(app, [*args, "--set", "train.max_epochs=3", *PERCEPTRON])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "number of epochs was not chosen on held-out data" in text
    assert "train.max_epochs = 3" in text and "--dev-split 0.2" in text
    assert "model written to" in text and "best model" not in text and "Dev data" not in text
    rows = [line.split() for line in result.output.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) >= 1 and all("*" not in row for row in rows)  # nothing was "best"
    meta = json.loads((out / "meta.json").read_text())
    assert meta["dev_data"] is None and meta["scores"] is None
    assert meta["train_data"]["examples"] == 8


def test_dev_split_holds_out_a_seeded_share(tmp_path: Path) -> None:
    out = tmp_path / "m"
    args = ["train", str(TRAIN), "-o", str(out), "-m", "perceptron", "--dev-split", "0.25"]
    args += ["--seed", "7", "--set", "train.max_epochs=3", *PERCEPTRON]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "Trained on 6 examples" in text
    assert "Dev data: 25% split of the training texts, seed 7 (2 examples)" in text
    assert "held-out" not in text  # no note: the epoch was picked on held-out texts
    meta = json.loads((out / "meta.json").read_text())
    assert meta["dev_data"]["split"] == 0.25 and meta["dev_data"]["examples"] == 2


def test_dev_file_and_dev_split_together_is_an_error(tmp_path: Path) -> None:
    args = ["train", str(TRAIN), str(DEV), "-o", str(tmp_path / "m"), "--dev-split", "0.2"]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, ConfigError)
    assert result.exception.code == "E330" and "ner_tiny_dev.jsonl" in str(result.exception)
    assert not (tmp_path / "m").exists()


def test_summary_reports_misaligned_gold_spans(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    lines = TRAIN.read_text().splitlines()
    # "Berl" of "Berlin": not on a token boundary.
    bad = {"text": "Dave met Bob in Berlin.", "spans": [{"start": 16, "end": 20, "label": "LOC"}]}
    data.write_text("\n".join([*lines, json.dumps(bad)]) + "\n")
    args = ["train", str(data), str(DEV), "-o", str(tmp_path / "m"), "-m", "perceptron"]
    result = CliRunner().invoke(app, [*args, "--set", "train.max_epochs=2", *PERCEPTRON])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "Alignment: 1 of 17 gold spans do not fall on token boundaries" in text
    assert "'Berl'" in text
    assert "Dev data: " + str(DEV) + " (2 examples)" in text
    clean = CliRunner().invoke(
        app,
        ["train", str(TRAIN), str(DEV), "-o", str(tmp_path / "m2"), "-m", "perceptron"]
        + ["--set", "train.max_epochs=2", *PERCEPTRON],
    )
    assert clean.exit_code == 0 and "Alignment" not in clean.output


def _tiny_vectors(path: Path) -> Path:
    words = sorted({w.lower() for line in TRAIN.read_text().splitlines() for w in line.split()})
    rng = np.random.default_rng(0)
    table = rng.normal(size=(len(words), 8)).astype(np.float32)
    Vectors(words, table, {"lowercase": True}).to_disk(path)
    return path


@pytest.mark.filterwarnings("ignore::nerkit.errors.NerkitWarning")  # two tiny epochs: W202
@pytest.mark.parametrize(
    ("config", "model", "mode"),
    [
        ("blank", "neural.v1", "none"),
        ("word2vec-static", "neural.v1", "static"),
        ("word2vec-fine-tune", "neural.v1", "fine-tune"),
        ("fasttext-fine-tune", "neural.v1", "fine-tune"),
        ("perceptron", "perceptron.v1", None),
        ("perceptron-word2vec", "perceptron.v1", "clusters"),
        ("FILE:word2vec-static", "neural.v1", "static"),
        ("FILE:perceptron", "perceptron.v1", None),
    ],
)
def test_train_with_each_packaged_config(
    config: str, model: str, mode: str | None, tmp_path: Path
) -> None:
    if model.startswith("neural"):
        pytest.importorskip("torch", reason="the neural configs need torch")
    if config.startswith("FILE:"):  # the file itself, [experiment] section and all
        config = str(Path(__file__).parents[2] / "src/nerkit/configs" / f"{config[5:]}.toml")
    out = tmp_path / "m"
    args = ["train", str(TRAIN), str(DEV), "-o", str(out), "--config", config]
    args += ["--set", "train.max_epochs=2", *(NEURAL if model == "neural.v1" else PERCEPTRON)]
    if mode not in (None, "none"):
        args += ["--set", f"vectors.path={_tiny_vectors(tmp_path / 'vecs')}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # The config's model type, not --model's default (neural), names the run and its columns.
    assert f"Training {model}" in result.output
    assert ("errors" if model == "perceptron.v1" else "loss") in result.output
    written = tomllib.loads((out / "config.toml").read_text())
    assert written["model"]["name"] == model and "experiment" not in written
    assert written["train"]["max_epochs"] == 2
    if mode == "clusters":  # the perceptron keeps the word clusters, not the vectors
        assert written["vectors"]["path"] and (out / "clusters.safetensors").is_file()
    elif mode is not None:
        assert written["vectors"]["mode"] == mode
    if mode not in (None, "none", "clusters"):
        assert (out / "vectors").is_dir()  # the table was copied into the model


@pytest.mark.parametrize(
    ("config", "kind"),
    [
        ("word2vec-static", "word2vec"),
        ("fasttext-fine-tune", "fasttext"),
        ("perceptron-word2vec", "word2vec"),
    ],
)
def test_vector_config_without_vectors_says_how_to_make_them(
    config: str, kind: str, tmp_path: Path
) -> None:
    args = ["train", str(TRAIN), str(DEV), "-o", str(tmp_path / "m"), "--config", config]
    result = CliRunner().invoke(app, args)
    err = result.exception
    assert isinstance(err, ConfigError) and err.code == "E326"
    assert f"nerkit vectors train RAW.txt TRAIN --algo {kind} --dim 100" in str(err)
    assert f"--set vectors.path=vectors/{kind}" in str(err) and config in str(err)
    assert not (tmp_path / "m").exists()  # stopped before training


def test_unknown_packaged_config_lists_the_known_ones(tmp_path: Path) -> None:
    args = ["train", str(TRAIN), "-o", str(tmp_path / "m"), "--config", "word2vec"]
    result = CliRunner().invoke(app, args)
    err = result.exception
    assert isinstance(err, ConfigError) and err.code == "E320"
    assert "word2vec-static" in str(err) and "perceptron" in str(err)


def test_base_and_rehearse_continue_a_model_and_say_what_was_rehearsed(tmp_path: Path) -> None:
    fast = ["--set", "train.max_epochs=3", *PERCEPTRON]
    base = tmp_path / "base"
    result = CliRunner().invoke(
        app, ["train", str(TRAIN), "-o", str(base), "-m", "perceptron", *fast]
    )
    assert result.exit_code == 0, result.output
    brands = tmp_path / "brands.jsonl"
    brands.write_text(
        json.dumps(
            {
                "text": "Alice Smith wore Gucci.",
                "spans": [{"start": 17, "end": 22, "label": "BRAND"}],
            }
        )
        + "\n"
    )
    texts = tmp_path / "old.txt"
    texts.write_text("Bob Jones flew to Paris.\nCarol White works for Globex.\n")
    args = [
        "train",
        str(brands),
        "-o",
        str(tmp_path / "m"),
        "-m",
        "perceptron",
        "--base",
        str(base),
    ]
    ratio = ["--set", "train.rehearsal_ratio=2"]  # one brand example: two texts at most
    result = CliRunner().invoke(app, [*args, "--rehearse", str(texts), *ratio, *fast])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert f"Continued from {base} (LOC, ORG, PER)" in text
    assert "2 rehearsal texts from" in text and "old.txt" in text
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["labels"] == ["BRAND", "LOC", "ORG", "PER"]
    assert meta["base"]["rehearsal_examples"] == 2
    result = CliRunner().invoke(app, [*args, *fast])  # no --rehearse: the default is said
    assert "no --rehearse: only the new texts themselves" in _flat(result.output)

"""`nerkit curve`: nested seeded subsets, example counts, a real PNG, the table, clear errors."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import nerkit.training.curve as curve_module
from nerkit.cli import app
from nerkit.corpus import read
from nerkit.errors import ConfigError
from nerkit.training.curve import learning_curve, step_sizes

DATA = Path(__file__).parents[2] / "examples" / "hardwareswap"
TRAIN, DEV, TEST = DATA / "train.jsonl", DATA / "dev.jsonl", DATA / "test.jsonl"
FAST = ["train.max_epochs=2", "model.hash_rows=4096", "train.ensemble=1"]
PNG = b"\x89PNG\r\n\x1a\n"


def _check_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (640, 420)  # 6.4 x 4.2 inches at 100 dpi: matplotlib drew it
    assert b"matplotlib" in data.lower() and len(data) > 10_000  # its tEXt chunk and real content


def test_step_sizes() -> None:
    assert step_sizes([10, 25, 50, 100], "percent", 84) == [8, 21, 42, 84]
    assert step_sizes([100, 0.5], "percent", 84) == [1, 84]  # at least one example
    assert step_sizes([200, 50], "examples", 300) == [50, 200]
    for steps, unit in (
        ([0], "percent"),
        ([120], "percent"),
        ([301], "examples"),
        ([2.5], "examples"),
    ):
        with pytest.raises(ConfigError) as err:
            step_sizes(steps, unit, 300)
        assert err.value.code == "E327"
    with pytest.raises(ConfigError):
        step_sizes([10], "fraction", 300)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory):
    """A curve whose training calls are recorded, to see exactly what each step trained on."""
    calls: list[list[str]] = []
    real = curve_module.train
    patch = pytest.MonkeyPatch()

    def spy(train_data: Any, *args: Any, **kw: Any) -> Any:
        calls.append([ex.text for ex in train_data])
        return real(train_data, *args, **kw)

    patch.setattr(curve_module, "train", spy)
    out = tmp_path_factory.mktemp("curve")
    try:
        result = learning_curve(
            "perceptron", TRAIN, DEV, TEST, [50, 10, 25, 100], output=out, seed=7, overrides=FAST
        )
    finally:
        patch.undo()
    return result, calls


def test_steps_are_nested_subsets_of_one_seeded_shuffle(recorded) -> None:
    result, calls = recorded
    texts = [ex.text for ex in read(TRAIN)]
    assert [len(c) for c in calls] == [8, 21, 42, 84]
    assert [s.n_examples for s in result.steps] == [8, 21, 42, 84]
    assert [s.step for s in result.steps] == [10, 25, 50, 100]
    for small, big in zip(calls, calls[1:]):
        assert big[: len(small)] == small  # each step holds the one before
    assert sorted(calls[-1]) == sorted(texts)
    assert calls[0] != texts[:8]  # shuffled, not the head of the file
    assert [texts[i] for i in result.indices(result.steps[1])] == calls[1]


def test_curve_files(recorded) -> None:
    result, _ = recorded
    _check_png(result.output / "curve.png")
    data = json.loads((result.output / "curve.json").read_text())
    assert [s["n_examples"] for s in data["steps"]] == [8, 21, 42, 84]
    assert all(s["status"] == "ok" and 0 <= s["f1"] <= 1 for s in data["steps"])
    assert data["steps"][-1]["f1"] > 0.3  # all the data: a perceptron finds many entities
    assert sorted(data["order"]) == list(range(84))
    words = [s["n_words"] for s in data["steps"]]
    assert words == sorted(words) and words[0] > 0
    md = (result.output / "curve.md").read_text()
    assert md.count("\n| ") == 2 + 4 and "curve.png" in md


def test_same_seed_same_order_other_seed_other_order(tmp_path: Path) -> None:
    kw: dict[str, Any] = dict(steps=[5], unit="examples", overrides=FAST)
    a = learning_curve("perceptron", TRAIN, DEV, TEST, output=tmp_path / "a", seed=1, **kw)
    b = learning_curve("perceptron", TRAIN, DEV, TEST, output=tmp_path / "b", seed=1, **kw)
    c = learning_curve("perceptron", TRAIN, DEV, TEST, output=tmp_path / "c", seed=2, **kw)
    assert a.order == b.order != c.order
    assert a.steps[0].f1 == b.steps[0].f1


def test_cli_examples_unit(tmp_path: Path) -> None:
    args = ["curve", "perceptron", "--train", str(TRAIN), "--dev", str(DEV), "--test", str(TEST)]
    args += ["--steps", "20,5,60", "--unit", "examples", "-o", str(tmp_path / "c")]
    for item in FAST:
        args += ["--set", item]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "c" / "curve.json").read_text())
    assert [s["n_examples"] for s in data["steps"]] == [5, 20, 60] and data["unit"] == "examples"
    _check_png(tmp_path / "c" / "curve.png")
    too_many = CliRunner().invoke(app, [*args[:-8], "--steps", "3000", "--unit", "examples"])
    assert isinstance(too_many.exception, ConfigError) and "84" in str(too_many.exception)


def test_bad_config_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        learning_curve(tmp_path / "nope.toml", TRAIN, DEV, TEST, output=tmp_path / "o")
    assert err.value.code == "E320" and "nope.toml" in str(err.value)
    assert "init-config" in str(err.value)
    bad = tmp_path / "bad.toml"
    bad.write_text("[model\nname = 1", encoding="utf8")
    with pytest.raises(ConfigError) as err:
        learning_curve(bad, TRAIN, DEV, TEST, output=tmp_path / "o")
    assert err.value.code == "E304" and "bad.toml" in str(err.value)
    nameless = tmp_path / "nameless.toml"
    nameless.write_text("[train]\nmax_epochs = 2\n", encoding="utf8")
    with pytest.raises(ConfigError) as err:
        learning_curve(nameless, TRAIN, DEV, TEST, output=tmp_path / "o")
    assert err.value.code == "E323"


def test_dev_in_training_data_is_said_once_not_per_step(tmp_path: Path) -> None:
    import warnings

    from nerkit.errors import NerkitWarning

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = learning_curve(
            "perceptron",
            TRAIN,
            TRAIN,
            TEST,
            [5, 10],
            unit="examples",
            output=tmp_path / "c",
            overrides=FAST,
        )
    said = [w.message for w in record if isinstance(w.message, NerkitWarning)]
    assert [w.code for w in said] == ["W201"]
    assert "84 of the 84 dev texts are training texts too" in str(said[0])
    assert [s.status for s in result.steps] == ["ok", "ok"]

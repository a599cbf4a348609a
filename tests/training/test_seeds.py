"""`--seeds N` of `nerkit experiment` and `nerkit curve` (issue #13): N runs per config with
distinct seeds, mean ± sample sd, and the paired bootstrap over test documents marking the
differences it does not support (≈)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import nerkit.training.curve as curve_module
from nerkit.cli import app
from nerkit.errors import ConfigError
from nerkit.scoring.bootstrap import doc_counts
from nerkit.training.curve import CurveResult, CurveRun, curve_point, learning_curve
from nerkit.training.data import read_splits
from nerkit.training.events import RunFinished, RunStarted
from nerkit.training.experiment import run_experiment
from nerkit.training.seeds import doc_micro_counts, pooled_test, run_seeds, seed_step
from nerkit.training.specs import load_spec

DATA = Path(__file__).parents[2] / "examples" / "hardwareswap"
TRAIN, DEV, TEST = DATA / "train.jsonl", DATA / "dev.jsonl", DATA / "test.jsonl"
FAST = ["train.max_epochs=2", "model.hash_rows=4096", "train.ensemble=1"]


def _f1(counts: np.ndarray) -> float:
    tp, fp, fn = counts.sum(axis=0)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    """The perceptron, an identical twin of it, and a crippled one (two weight rows: every
    feature collides), each trained with 3 seeds."""
    tmp = tmp_path_factory.mktemp("seeds")
    twin = tmp / "twin.toml"
    twin.write_text('[experiment]\nname = "twin"\n[model]\nname = "perceptron.v1"\n', "utf8")
    crippled = tmp / "crippled.toml"
    crippled.write_text(
        '[experiment]\nname = "crippled"\n[model]\nname = "perceptron.v1"\n', "utf8"
    )
    events: list[object] = []
    result = run_experiment(
        ["perceptron", twin, crippled],
        TRAIN,
        DEV,
        TEST,
        tmp / "out",
        seeds=3,
        overrides=[*FAST, "crippled:model.hash_rows=2"],
        progress=events.append,
    )
    return result, events


def test_each_config_trains_once_per_seed_with_distinct_seeds(seeded) -> None:
    result, events = seeded
    assert [r.name for r in result.runs] == ["perceptron", "twin", "crippled"]
    for row in result.runs:
        assert row.status == "ok" and row.seeds == [0, 1, 2]  # each config's own seed 0, +1, +2
        assert [r.seed for r in row.per_seed] == [0, 1, 2]
        assert all(r.status == "ok" and r.counts is not None for r in row.per_seed)
    out = result.output
    weights = [
        (out / "models" / "perceptron" / f"seed-{s}" / "weights.safetensors").read_bytes()
        for s in (0, 1, 2)
    ]
    assert len(set(weights)) == 3  # three different models, not one trained thrice
    assert "seed = 2" in (out / "configs" / "perceptron" / "seed-2.toml").read_text()
    started = [e for e in events if isinstance(e, RunStarted)]
    assert [(e.name, e.seed, e.index, e.total) for e in started[:4]] == [
        ("perceptron", 0, 1, 9), ("perceptron", 1, 2, 9), ("perceptron", 2, 3, 9), ("twin", 0, 4, 9)
    ]  # fmt: skip
    assert sum(isinstance(e, RunFinished) and e.error is None for e in events) == 9


def test_mean_and_sample_sd_over_the_seeds(seeded) -> None:
    result, _ = seeded
    data = json.loads((result.output / "results.json").read_text())
    assert data["seeds"] == 3
    headers, rows = result.table()
    for row, stored, cells in zip(result.runs, data["runs"], rows):
        f1s = [r["f1"] for r in stored["per_seed"]]
        assert len(f1s) == 3 and f1s == [r.f1 for r in row.per_seed]
        assert row.f1 == pytest.approx(statistics.mean(f1s)) == stored["f1"]
        assert row.f1_sd == pytest.approx(np.std(f1s, ddof=1)) == stored["f1_sd"]
        assert row.precision == pytest.approx(np.mean([r["precision"] for r in stored["per_seed"]]))
        assert row.train_seconds == pytest.approx(
            statistics.median(r["train_seconds"] for r in stored["per_seed"])
        )
        assert cells[headers.index("F1")] == f"{100 * row.f1:.2f} ± {100 * row.f1_sd:.2f}"
        # The counts kept for the test are those of the predictions that gave each F1.
        for run in row.per_seed:
            assert _f1(run.counts) == pytest.approx(run.f1)
        assert "counts" not in stored["per_seed"][0]  # kept in memory, not in the JSON


def test_an_identical_config_is_not_supported_a_crippled_one_is(seeded) -> None:
    result, _ = seeded
    perceptron, twin, crippled = result.runs
    assert perceptron.best and perceptron.vs_best is None
    # Same settings and seeds: the same predictions, a difference of exactly 0.
    assert twin.f1 == perceptron.f1 and twin.vs_best is not None
    assert twin.vs_best.difference.value == 0 and not twin.vs_best.supported
    assert crippled.f1 < perceptron.f1 - 0.2  # the fixture is crippled indeed
    assert crippled.vs_best is not None and crippled.vs_best.supported
    assert crippled.vs_best.difference.high < 0
    headers, rows = result.table()
    marks = [r[headers.index("vs best")] for r in rows]
    assert marks[0] == "best" and marks[1] == "+0.00 ≈"
    assert "≈" not in marks[2] and float(marks[2]) < -20
    md = (result.output / "results.md").read_text()
    assert "seeds 0, 1, 2" in md and "≈: the paired bootstrap" in md
    assert "95% interval" in md and "not supported" in md
    data = json.loads((result.output / "results.json").read_text())
    assert data["runs"][1]["vs_best"]["supported"] is False
    assert data["runs"][2]["vs_best"]["supported"] is True


def test_seeds_from_seed_and_apart_by_the_perceptron_ensemble() -> None:
    assert run_seeds(None, 1, 7) == [None]  # one seed: the config's own, as before
    assert run_seeds(4, 1, 7) == [4] and run_seeds(4, 3, 7) == [4, 5, 6]
    assert run_seeds(None, 2, 7) == [7, 8]
    # The perceptron's members take seeds seed .. seed + ensemble - 1: runs must not share them.
    perceptron = load_spec("perceptron").resolve().sections["train"]
    assert perceptron.ensemble == 3 and seed_step(perceptron) == 3
    assert run_seeds(0, 3, 0, seed_step(perceptron)) == [0, 3, 6]
    assert seed_step(load_spec("blank").resolve().sections["train"]) == 1


def test_pooled_test_sums_the_seeds_per_document() -> None:
    gold = [[(0, 3, "PER")], [(0, 4, "LOC")], [], [(2, 5, "PER")]]
    good = [[(0, 3, "PER")], [(0, 4, "LOC")], [], [(2, 5, "PER")]]
    bad = [[(0, 3, "LOC")], [], [(1, 2, "PER")], [(2, 5, "PER")]]
    a = [doc_micro_counts(gold, good), doc_micro_counts(gold, bad)]
    assert a[1].tolist() == doc_counts(gold, bad)[1].sum(axis=1).tolist()
    test = pooled_test(a, a[::-1])
    assert test.difference.value == 0 and not test.supported  # the same runs, other order
    pooled = a[0] + a[1]
    assert test.f1_a == pytest.approx(_f1(pooled))


def test_zero_seeds_is_a_clear_error(tmp_path: Path) -> None:
    for call in (
        lambda: run_experiment(["perceptron"], TRAIN, DEV, TEST, tmp_path / "e", seeds=0),
        lambda: learning_curve("perceptron", TRAIN, DEV, TEST, output=tmp_path / "c", seeds=0),
    ):
        with pytest.raises(ConfigError) as err:
            call()
        assert err.value.code == "E360" and "--seeds" in str(err.value)
    assert not (tmp_path / "e").exists() and not (tmp_path / "c").exists()
    args = ["experiment", "perceptron", "--train", str(TRAIN), "--dev", str(DEV)]
    bad = CliRunner().invoke(app, [*args, "--test", str(TEST), "--seeds", "0"])
    assert bad.exit_code == 2 and "--seeds" in bad.output  # typer's usage error


def test_cli_experiment_with_two_seeds(tmp_path: Path) -> None:
    args = ["experiment", "perceptron", "--train", str(TRAIN), "--dev", str(DEV)]
    args += ["--test", str(TEST), "-o", str(tmp_path / "out"), "--seeds", "2", "--seed", "5"]
    for item in FAST:
        args += ["--set", item]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "±" in result.output and "vs best" in result.output and "best" in result.output
    assert "[1/2] perceptron seed 5" in result.output
    assert "[2/2] perceptron seed 6" in result.output
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["runs"][0]["seeds"] == [5, 6] and data["seed"] == 5


@pytest.fixture(scope="module")
def curve(tmp_path_factory: pytest.TempPathFactory):
    """A 2-seed curve whose trainings are recorded: the texts and the seed of each."""
    calls: list[tuple[int, list[str]]] = []
    real = curve_module.train
    patch = pytest.MonkeyPatch()

    def spy(train_data: Any, *args: Any, **kw: Any) -> Any:
        calls.append((kw["seed"], [ex.text for ex in train_data]))
        return real(train_data, *args, **kw)

    patch.setattr(curve_module, "train", spy)
    try:
        result = learning_curve(
            "perceptron", TRAIN, DEV, TEST, [1, 84], unit="examples",
            output=tmp_path_factory.mktemp("curve"), seed=3, seeds=2, overrides=FAST,
        )  # fmt: skip
    finally:
        patch.undo()
    return result, calls


def test_curve_seeds_shuffle_and_train_their_own_way(curve) -> None:
    result, calls = curve
    assert result.seeds == [3, 4] and [s.seeds for s in result.steps] == [[3, 4], [3, 4]]
    assert [(seed, len(texts)) for seed, texts in calls] == [(3, 1), (4, 1), (3, 84), (4, 84)]
    assert result.orders[0] != result.orders[1] and result.order == result.orders[0]
    assert calls[0][1] != calls[1][1]  # another seed, another one-example subset
    one, full = result.steps
    train_ex = read_splits(TRAIN, DEV, TEST)[0]
    for run, (seed, texts) in zip((0, 1), calls[2:]):  # each seed's steps are nested
        assert seed == result.seeds[run] and texts[:1] == calls[run][1]
        assert [train_ex[i].text for i in result.indices(full, run)] == texts
    assert full.f1 == pytest.approx(statistics.mean(r.f1 for r in full.per_seed))
    assert full.f1_sd == pytest.approx(np.std([r.f1 for r in full.per_seed], ddof=1))


def test_curve_gain_over_the_step_before(curve) -> None:
    result, _ = curve
    one, full = result.steps
    assert one.gain is None and full.gain is not None
    assert full.gain.supported and full.gain.difference.low > 0  # 1 example vs all 84
    headers, rows = result.table()
    assert headers[3:5] == ["test F1", "gain"] and rows[0][4] == "-"
    assert "±" in rows[1][3] and rows[1][4].startswith("+") and "≈" not in rows[1][4]
    data = json.loads((result.output / "curve.json").read_text())
    assert data["seeds"] == [3, 4] and data["steps"][1]["gain"]["supported"] is True
    assert [r["f1"] for r in data["steps"][1]["per_seed"]] == [r.f1 for r in full.per_seed]
    assert "each its own shuffle" in (result.output / "curve.md").read_text()


def test_an_unsupported_gain_is_marked() -> None:
    counts = np.array([[2, 0, 1], [1, 1, 0], [0, 0, 2], [3, 1, 0]])
    runs = [CurveRun(seed, 10, f1=_f1(counts), counts=counts) for seed in (0, 1)]
    result = CurveResult("p", "packaged:p", "examples", 40, [], seeds=[0, 1])
    result.write = lambda: None  # type: ignore[method-assign]  # no files here
    result.add(curve_point(10, 10, runs))
    result.add(curve_point(20, 20, [CurveRun(r.seed, 20, r.f1, counts=counts) for r in runs]))
    gain = result.steps[1].gain
    assert gain is not None and gain.difference.value == 0 and not gain.supported
    assert result.table()[1][1][4] == "+0.00 ≈"
    assert result.steps[1].f1_sd == 0.0

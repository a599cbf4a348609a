"""`nerkit compare A B DATA`: both models' scores and the paired bootstrap test; a model
against itself differs by nothing; the bootstrap is seeded."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from nerkit.cli import app

DATA = Path(__file__).parents[1] / "resources" / "ner_tiny_dev.jsonl"


def compare(tmp_path: Path, *args: str | Path) -> tuple[str, dict]:
    out = tmp_path / "compare.json"
    result = CliRunner().invoke(app, ["compare", *map(str, args), "--json", str(out)])
    assert result.exit_code == 0, result.output
    return result.output, json.loads(out.read_text())


def test_a_model_against_itself(model: Path, tmp_path: Path) -> None:
    output, result = compare(tmp_path, model, model, DATA, "--resamples", "200")
    test = result["paired_test"]
    assert test["difference"] == {"value": 0.0, "low": 0.0, "high": 0.0}
    assert test["a_wins"] == test["b_wins"] == 0 and not test["supported"]
    assert result["a"]["f1"] == result["b"]["f1"]
    assert "F1 difference B - A: +0.00 points" in output
    assert "Both models score the same" in output


def test_an_empty_model_against_a_trained_one(model: Path, tmp_path: Path) -> None:
    import nerkit

    blank = tmp_path / "blank"
    nerkit.blank().to_disk(blank)
    output, result = compare(tmp_path, blank, model, DATA, "--seed", "3")
    test = result["paired_test"]
    assert result["a"]["f1"] == 0.0 and test["f1_b"] == result["b"]["f1"] > 0
    assert test["difference"]["value"] == test["f1_b"] > 0
    assert test["b_wins"] > 0.9 and test["supported"]
    assert "The data supports the difference: B is better" in output
    _, again = compare(tmp_path, blank, model, DATA, "--seed", "3")
    assert again["paired_test"] == test

"""Typed training config: defaults, TOML file, --set overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerkit.errors import ConfigError
from nerkit.training import resolve_config


def test_defaults_come_from_the_model_type() -> None:
    cfg = resolve_config("perceptron")
    assert cfg.name == "perceptron.v1"
    assert cfg.sections["model"].hash_rows & (cfg.sections["model"].hash_rows - 1) == 0
    assert cfg.to_dict()["model"]["name"] == "perceptron.v1"


def test_file_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[model]\nname = "perceptron.v1"\nhash_rows = 1024\n[train]\nmax_epochs = 7\nseed = 1\n'
    )
    cfg = resolve_config("perceptron", path, ["train.seed=5", 'model.labels=["A", "B"]'])
    assert cfg.sections["model"].hash_rows == 1024
    assert cfg.sections["train"].max_epochs == 7
    assert cfg.sections["train"].seed == 5
    assert cfg.sections["model"].labels == ["A", "B"]
    assert cfg.settings()["seed"] == 5


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ("train.max_epochs=ten", "E308"),
        ("train.max_epochs=true", "E308"),
        ("nosection.x=1", "E306"),
        ("train.epochz=3", "E307"),
        ("max_epochs=3", "E305"),
    ],
)
def test_bad_overrides(override: str, code: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_config("perceptron", overrides=[override])
    assert info.value.code == code


def test_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[train\n")
    with pytest.raises(ConfigError, match="E304"):
        resolve_config("perceptron", path)

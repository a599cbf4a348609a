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


@pytest.mark.parametrize(
    ("name", "model", "mode"),
    [
        ("blank", "neural.v1", "none"),
        ("word2vec-static", "neural.v1", "static"),
        ("word2vec-fine-tune", "neural.v1", "fine-tune"),
        ("fasttext-fine-tune", "neural.v1", "fine-tune"),
        ("perceptron", "perceptron.v1", None),
        ("perceptron-word2vec", "perceptron.v1", None),
        ("transformer-minilm", "neural.v1", "none"),
        ("transformer-minilm-word2vec", "neural.v1", "static"),
    ],
)
def test_packaged_configs_resolve_by_name_and_by_file(
    name: str, model: str, mode: str | None
) -> None:
    from nerkit.training.config import packaged_configs

    assert set(packaged_configs()) == {
        "blank",
        "word2vec-static",
        "word2vec-fine-tune",
        "fasttext-fine-tune",
        "perceptron",
        "perceptron-word2vec",
        "transformer-minilm",
        "transformer-minilm-word2vec",
    }
    # The [model] name of the file wins over the default model type; [experiment] is set aside.
    by_name = resolve_config("neural" if model == "perceptron.v1" else "perceptron", name)
    assert by_name.name == model and "experiment" not in by_name.to_dict()
    if mode is not None:
        assert by_name.sections["vectors"].mode == mode
    file = Path(__file__).parents[2] / "src" / "nerkit" / "configs" / f"{name}.toml"
    assert resolve_config("perceptron", file).to_dict() == by_name.to_dict()


def test_packaged_config_keeps_its_settings_under_overrides() -> None:
    cfg = resolve_config("neural", "word2vec-static", ["train.max_epochs=3"])
    assert cfg.sections["model"].hidden == 256 and cfg.sections["model"].char_filters == 100
    assert cfg.sections["train"].max_epochs == 3


def test_missing_config_names_the_packaged_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_config("neural", "word2vec-statc")
    assert info.value.code == "E320" and "word2vec-static" in str(info.value)
    with pytest.raises(ConfigError) as info:
        resolve_config("neural", tmp_path / "nope.toml")
    assert info.value.code == "E320" and "nope.toml" in str(info.value)


def test_experiment_section_must_be_a_table(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('experiment = "blank"\n[model]\nname = "perceptron.v1"\n')
    with pytest.raises(ConfigError) as info:
        resolve_config("perceptron", path)
    assert info.value.code == "E304" and "experiment" in str(info.value)

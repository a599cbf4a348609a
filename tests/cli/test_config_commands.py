"""`nerkit init-config` writes a commented default that reads back as the defaults;
`nerkit config show` prints the resolved config."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nerkit
from nerkit.cli import app
from nerkit.training import resolve_config
from nerkit.training.commented import commented_config, field_comments


@pytest.mark.parametrize("model", ["neural", "perceptron"])
def test_init_config_reads_back_as_the_defaults(model: str, tmp_path: Path) -> None:
    out = tmp_path / "config.toml"
    result = CliRunner().invoke(app, ["init-config", str(out), "--model", model])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert resolve_config(model, out).to_dict() == resolve_config(model).to_dict()
    commented = [line for line in text.splitlines() if "=" in line and "#" in line]
    assert len(commented) >= 5


def test_neural_config_comments_every_model_setting() -> None:
    from nerkit.models.neural.settings import NeuralSettings, VectorSettings

    for cls in (NeuralSettings, VectorSettings):
        comments = field_comments(cls)
        assert all(comments[f] for f in cls.__dataclass_fields__), comments
    text = commented_config("neural")
    assert 'mode = "none"  # "none", "static" (frozen) or "fine-tune"' in text
    assert tomllib.loads(text)["model"]["encoder"] == "bilstm"


def test_init_config_does_not_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "c.toml"
    out.write_text("keep")
    result = CliRunner().invoke(app, ["init-config", str(out)])
    assert result.exit_code != 0 and "E314" in str(result.exception)
    assert out.read_text() == "keep"


def test_config_show_applies_file_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[model]\nname = "neural.v1"\nencoder = "cnn"\n[train]\nmax_epochs = 7\n')
    result = CliRunner().invoke(
        app,
        ["config", "show", str(path), "--set", "train.max_epochs=30", "--set", "vectors.mode=none"],
    )
    assert result.exit_code == 0, result.output
    shown = tomllib.loads(result.output)
    assert shown["model"]["encoder"] == "cnn"
    assert shown["train"]["max_epochs"] == 30
    assert shown["vectors"]["mode"] == "none"


@pytest.mark.parametrize("how", ["name", "file"])
def test_config_show_reads_packaged_configs(how: str) -> None:
    name = "word2vec-static"
    arg = name if how == "name" else str(Path(nerkit.__file__).parent / "configs" / f"{name}.toml")
    result = CliRunner().invoke(app, ["config", "show", arg, "--set", "train.max_epochs=3"])
    assert result.exit_code == 0, result.output
    shown = tomllib.loads(result.output)
    assert "experiment" not in shown
    assert shown["model"]["name"] == "neural.v1" and shown["model"]["hidden"] == 256
    assert shown["vectors"]["mode"] == "static" and shown["train"]["max_epochs"] == 3

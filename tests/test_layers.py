"""The layer rules hold: each package imports only from the layers below it (import-linter
checks the contract in pyproject.toml), and docs/architecture.md lists the same layers."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = config["tool"]["importlinter"]["contracts"]
    return [layer.removeprefix("nerkit.") for layer in contract["layers"]]


def test_no_package_imports_a_layer_above_it() -> None:
    cli = pytest.importorskip("importlinter.cli", reason="needs the test extra (import-linter)")
    code = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert code == 0, "a layer rule is broken; run lint-imports to see which import"


def test_architecture_doc_lists_the_layers_bottom_up() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    table = doc[doc.index("## Packages") : doc.index("## A model directory")]
    rows = re.findall(r"^\| `([a-z_]+)(?:/|\.py)` \|", table, flags=re.M)
    layers = [row for row in rows if row != "configs"]  # packaged TOML files, no code
    assert layers == list(reversed(_layers()))

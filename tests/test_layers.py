"""The layer rules hold: each package imports only from the layers below it (import-linter
checks the contract in pyproject.toml), and docs/architecture.md lists the same layers."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _layers() -> list[set[str]]:
    """The contract's layers, top first; each a set of independent sibling packages."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = config["tool"]["importlinter"]["contracts"]
    return [
        {name.strip().removeprefix("nerkit.") for name in layer.split("|")}
        for layer in contract["layers"]
    ]


def test_no_package_imports_a_layer_above_it() -> None:
    cli = pytest.importorskip("importlinter.cli", reason="needs the test extra (import-linter)")
    code = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert code == 0, "a layer rule is broken; run lint-imports to see which import"


def test_architecture_doc_lists_the_layers_bottom_up() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    table = doc[doc.index("## Packages") : doc.index("## A model directory")]
    rows = re.findall(r"^\| `([a-z_]+)(?:/|\.py)` \|", table, flags=re.M)
    listed = [row for row in rows if row != "configs"]  # packaged TOML files, no code
    grouped = []
    for layer in reversed(_layers()):  # siblings of one layer may come in any order
        grouped.append(set(listed[: len(layer)]))
        listed = listed[len(layer) :]
    assert grouped == list(reversed(_layers())) and not listed

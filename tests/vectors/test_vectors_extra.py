"""Without gensim, training vectors says which extra to install; nothing else needs gensim."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nerkit.errors import OptionalDependencyError
from nerkit.vectors.train import train_vectors


def test_missing_gensim_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "gensim", None)
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    text = tmp_path / "t.txt"
    text.write_text("some text\n")
    with pytest.raises(OptionalDependencyError, match=r"E301.*gensim.*nerkit\[vectors\]"):
        train_vectors([text], tmp_path / "out")


def test_loading_vectors_and_the_cli_do_not_import_gensim(imported_by) -> None:
    code = (
        "import nerkit, nerkit.cli, nerkit.vectors, nerkit.vectors.train, nerkit.vectors.clusters"
    )
    assert imported_by(code, ["gensim"]) == set()

"""The examples in the corpus modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "checks",
    "conll",
    "docbin",
    "doccano",
    "formats",
    "jsonl",
    "labelstudio",
    "prodigy",
    "readwrite",
    "spacy_json",
    "__init__",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name == "docbin":
        pytest.importorskip("spacy")
    module = importlib.import_module(
        "nerkit.corpus" if name == "__init__" else f"nerkit.corpus.{name}"
    )
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no docstring example"

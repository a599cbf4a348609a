"""One runner for every example in the package's docstrings and in docs/*.md: each runs and
gives what it shows.

Modules are found by the ``>>>`` in their source, so an example added anywhere is run without
registering it here; a module whose examples need an optional extra is skipped when the extra
is missing.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src"
# The extra each group of modules needs, by module-name prefix (longest prefix wins).
EXTRAS = {
    "nerkit.corpus.docbin": "spacy",
    "nerkit.store": "sqlalchemy",
    "nerkit.annotate": "fastapi",
    "nerkit.annotate.patterns": None,
    "nerkit.annotate.agreement": "sqlalchemy",
    "nerkit.models.neural": "torch",
    "nerkit.vectors.train": "gensim",
    "nerkit.vectors.spacy_pipeline": "spacy",
}


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted((SRC / "nerkit").rglob("*.py")):
        if ">>>" not in path.read_text(encoding="utf8"):
            continue
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def _extra(name: str) -> str | None:
    prefixes = [p for p in EXTRAS if name == p or name.startswith(p + ".")]
    return EXTRAS[max(prefixes, key=len)] if prefixes else None


@pytest.mark.parametrize("name", _modules_with_examples())
def test_module_examples(name: str) -> None:
    extra = _extra(name)
    if extra:
        pytest.importorskip(extra)
    module = importlib.import_module(name)
    examples = [ex for test in doctest.DocTestFinder().find(module) for ex in test.examples]
    if examples and all(ex.options.get(doctest.SKIP) for ex in examples):
        pytest.skip("every example is marked +SKIP (it needs a trained model or files)")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0
    assert result.attempted > 0, f"{name}: its '>>>' lines are not in a docstring doctest finds"


@pytest.mark.parametrize(
    "doc", sorted(p.name for p in (ROOT / "docs").glob("*.md") if ">>>" in p.read_text())
)
def test_docs_examples(doc: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if doc == "store.md":
        pytest.importorskip("sqlalchemy")
    monkeypatch.chdir(ROOT)  # examples name the sample data relative to the repository
    result = doctest.testfile(
        str(ROOT / "docs" / doc), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert result.failed == 0 and result.attempted > 0


def test_the_runner_finds_the_modules_it_should() -> None:
    names = _modules_with_examples()
    assert "nerkit.corpus.answers" in names and "nerkit.store.store" in names
    assert "nerkit.corpus" in names  # a package's __init__ counts as the package

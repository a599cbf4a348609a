"""Fixtures every test folder can use."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest


def _imported_by(code: str, modules: Iterable[str]) -> set[str]:
    """Which of ``modules`` a fresh interpreter has imported after running ``code``."""
    watch = tuple(modules)
    script = f"{code}\nimport sys\nprint(' '.join(m for m in {watch!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, f"the probe failed:\n{out.stderr}"
    return set(out.stdout.split())


@pytest.fixture
def imported_by() -> Callable[[str, Iterable[str]], set[str]]:
    """``imported_by(code, modules)``: the heavy modules that running ``code`` pulls in, for
    the "importing nerkit stays light" checks."""
    return _imported_by


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A perceptron directory named ``tiny``, trained once per test run on
    tests/resources/ner_tiny_*.jsonl (PER, ORG, LOC): what the prediction, server and Dask
    tests run. A test folder or module may define its own ``model`` instead."""
    import nerkit

    resources = Path(__file__).parent / "resources"
    out = tmp_path_factory.mktemp("m") / "tiny"
    nerkit.train(
        resources / "ner_tiny_train.jsonl", resources / "ner_tiny_dev.jsonl", out,
        model="perceptron", overrides=["train.max_epochs=5", "model.hash_rows=4096"],
    )  # fmt: skip
    return out

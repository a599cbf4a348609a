"""Fixtures every test folder can use."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable

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

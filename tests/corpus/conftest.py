"""Shared helpers for the corpus tests: fixture paths and a plain view of examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nerkit.corpus import Example

RESOURCES = Path(__file__).parents[1] / "resources"
SHARED_DATA = Path(__file__).parents[2] / ".." / "shared" / "data"


def plain(ex: Example) -> dict[str, Any]:
    """Everything an example carries, as comparable plain data (the source aside)."""
    return {
        "text": ex.text,
        "tokens": list(zip(ex.doc.starts.tolist(), ex.doc.ends.tolist())),
        "spans": ex.spans,
        "answer": ex.answer,
        "meta": ex.meta,
        "extra": ex.extra,
        "span_attrs": ex.span_attrs,
        "token_attrs": ex.token_attrs,
    }


@pytest.fixture
def as_plain():
    return plain


@pytest.fixture
def resources() -> Path:
    return RESOURCES


def shared(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path} (it lives beside the repository)")
    return path


@pytest.fixture
def shared_data():
    return shared

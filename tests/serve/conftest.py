"""Fixtures of the server tests: the real server (uvicorn in a thread on a free loopback
port) of the tiny model of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server needs the 'web' extra (FastAPI)")
pytest.importorskip("uvicorn", reason="the server needs the 'web' extra (uvicorn)")

from serve_helpers import Running  # noqa: E402


@pytest.fixture
def served(model: Path) -> Iterator[Callable[..., Running]]:
    """``served(**ServeConfig options)`` -> a running server of the tiny model."""
    from nerkit.serve.app import ServeConfig, make_app

    started: list[Running] = []

    def start(**options: object) -> Running:
        running = Running(make_app(ServeConfig.from_path(model, **options)))  # type: ignore[arg-type]
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()

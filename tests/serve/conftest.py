"""Fixtures of the server tests: a tiny trained model and the real server (uvicorn in a
thread on a free loopback port)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server needs the 'web' extra (FastAPI)")
pytest.importorskip("uvicorn", reason="the server needs the 'web' extra (uvicorn)")

RESOURCES = Path(__file__).parents[1] / "resources"

from serve_helpers import Running  # noqa: E402


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import nerkit

    out = tmp_path_factory.mktemp("m") / "tiny"
    nerkit.train(
        RESOURCES / "ner_tiny_train.jsonl", RESOURCES / "ner_tiny_dev.jsonl", out,
        model="perceptron", overrides=["train.max_epochs=5", "model.hash_rows=4096"],
    )  # fmt: skip
    return out


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

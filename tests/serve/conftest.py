"""Fixtures of the server tests: a tiny trained model and the real server (uvicorn in a
thread on a free loopback port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server needs the 'web' extra (FastAPI)")
pytest.importorskip("uvicorn", reason="the server needs the 'web' extra (uvicorn)")

RESOURCES = Path(__file__).parents[1] / "resources"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Running:
    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


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

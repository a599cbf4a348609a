"""Fixtures of the annotation app tests: a SQLite store, a tiny trained model, a live server.

The live server is uvicorn in a thread on a free loopback port (the browser tests and the
HTTP tests talk to it over real sockets); the crash test starts its own in a subprocess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the annotation app needs the 'store' extra")
pytest.importorskip("fastapi", reason="the annotation app needs the 'web' extra (FastAPI)")
pytest.importorskip("uvicorn", reason="the annotation app needs the 'web' extra (uvicorn)")

from annotate_helpers import RESOURCES, TOKEN, LiveServer  # noqa: E402


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'nerkit.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    from nerkit.store import Store

    with Store(db_url) as opened:
        yield opened


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A perceptron trained on tests/resources/ner_tiny_train.jsonl (PER, ORG, LOC)."""
    from nerkit.corpus import read
    from nerkit.models.perceptron.model import PerceptronRecognizer
    from nerkit.pipeline import Pipeline
    from nerkit.tokenizer import get_tokenizer

    train = read(RESOURCES / "ner_tiny_train.jsonl")
    model = PerceptronRecognizer(hash_rows=2**14, ensemble=1, max_epochs=10).fit(train)
    path = tmp_path_factory.mktemp("model") / "tiny"
    Pipeline(get_tokenizer("en"), model).to_disk(path)
    return path


@pytest.fixture
def live(store: object) -> Iterator[Callable[..., LiveServer]]:
    """``live(recipe, dataset, source, **prepare_options)`` -> a running LiveServer."""
    from nerkit.annotate.launch import prepare

    started: list[LiveServer] = []

    def start(recipe: str, dataset: str, source: str, **options: object) -> LiveServer:
        launch = prepare(store, recipe, dataset, source, token=TOKEN, **options)  # type: ignore[arg-type]
        server = LiveServer(launch.app)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()

"""teach with a neural model: each accept/reject updates it, and the buffer is scored again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from annotate_helpers import RESOURCES, TOKEN, LiveServer, write_texts

torch = pytest.importorskip("torch", reason="the neural model needs torch")

H = {"X-Nerkit-Token": TOKEN}
TEXTS = [
    "Alice Smith flew to Berlin on Friday.",
    "Carol Diaz moved to Madrid.",
    "Globex hired Dan Brown in Paris.",
    "Eve Stone visited Rome and Berlin.",
    "Zorblat met Quxville people in Lisbon.",
    "Nothing at all happens here.",
]


@pytest.fixture(scope="module")
def neural_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BiLSTM-CRF pipeline trained on tests/resources/ner_tiny_train.jsonl."""
    from nerkit.corpus import read
    from nerkit.models.neural.recognizer import NeuralRecognizer
    from nerkit.pipeline import Pipeline
    from nerkit.tokenizer import get_tokenizer

    settings: dict[str, Any] = {
        "hash_rows": 2**12,
        "affix_rows": 2**10,
        "word_dim": 32,
        "affix_dim": 8,
        "char_dim": 16,
        "char_filters": 16,
        "hidden": 32,
        "dropout": 0.1,
        "max_epochs": 15,
        "batch_size": 2,
        "learning_rate": 0.01,
        "threads": 1,
    }
    model = NeuralRecognizer(**settings).fit(read(RESOURCES / "ner_tiny_train.jsonl"))
    path = tmp_path_factory.mktemp("neural-teach") / "tiny"
    Pipeline(get_tokenizer("en"), model).to_disk(path)
    return path


@pytest.fixture
def teach_app(store: Any, tmp_path: Path, neural_model: Path) -> Iterator[tuple[LiveServer, Any]]:
    """A live teach server over TEXTS with the neural model, and its task stream."""
    from nerkit.annotate.launch import load_source
    from nerkit.annotate.server import AppConfig, make_app
    from nerkit.annotate.teach import TeachTasks
    from nerkit.pipeline import load

    load_source(store, "news", str(write_texts(tmp_path / "t.jsonl", TEXTS)))
    nlp = load(neural_model)
    config = AppConfig.build(store, "news", "teach", list(nlp.labels), token=TOKEN, nlp=nlp)
    teach = config.tasks
    assert isinstance(teach, TeachTasks)
    server = LiveServer(make_app(config))
    yield server, teach
    server.stop()
    teach.close()


def state(recognizer: Any) -> dict[str, Any]:
    return {k: v.detach().clone() for k, v in recognizer._net.state_dict().items()}


def tasks(srv: LiveServer) -> list[dict[str, Any]]:
    reply = httpx.get(f"{srv.base}/api/tasks", params={"session": "alice", "n": 50}, headers=H)
    assert reply.status_code == 200, reply.text
    return list(reply.json()["tasks"])


def answer(srv: LiveServer, task: dict[str, Any], verdict: str, n: int) -> None:
    span = {k: task["suggestion"][k] for k in ("start", "end", "label")}
    body = {"client_id": f"neural-{n:04d}", "example_id": task["id"], "session": "alice",
            "answer": verdict, "spans": [span], "suggestion": span,
            "score": task["suggestion"]["score"]}  # fmt: skip
    reply = httpx.post(f"{srv.base}/api/answer", json=body, headers=H)
    assert reply.status_code == 200, reply.text


def test_answers_update_the_neural_model_and_rescore(teach_app: tuple[LiveServer, Any]) -> None:
    srv, teach = teach_app
    recognizer = teach.nlp.recognizer
    assert teach.learns
    first = tasks(srv)
    assert len(first) >= 3
    margins = [abs(t["suggestion"]["score"] - 0.5) for t in first]
    assert margins == sorted(margins)
    before = {t["id"]: t["suggestion"]["score"] for t in first}
    weights = state(recognizer)
    answer(srv, first[0], "reject", 1)
    teach.wait()
    assert teach.updates == 1
    moved = state(recognizer)
    assert any(not torch.equal(weights[k], moved[k]) for k in weights)
    second = tasks(srv)
    assert first[0]["id"] not in {t["id"] for t in second}
    # The buffer was scored again with the updated model: the remaining scores moved.
    assert any(t["suggestion"]["score"] != before[t["id"]] for t in second)
    assert [abs(t["suggestion"]["score"] - 0.5) for t in second] == sorted(
        abs(t["suggestion"]["score"] - 0.5) for t in second
    )
    answer(srv, second[0], "accept", 2)
    answer(srv, second[0], "accept", 2)  # a retried post: stored once, learned once
    teach.wait()
    assert teach.updates == 2
    assert recognizer._online is not None and len(recognizer._online.memory) == 2
    accepted, rejected = recognizer._online.memory[1], recognizer._online.memory[0]
    assert accepted.accept and not rejected.accept
    assert accepted.doc.text == second[0]["text"]


def test_rejecting_a_span_lowers_its_score(store: Any, tmp_path: Path, neural_model: Path) -> None:
    from nerkit.annotate.launch import load_source
    from nerkit.annotate.teach import TeachTasks
    from nerkit.pipeline import load

    load_source(store, "news", str(write_texts(tmp_path / "t.jsonl", TEXTS)))
    teach = TeachTasks(store, "news", load(neural_model), ["PER", "LOC", "ORG"])
    try:
        task = teach.next("alice", 1)[0]
        s = task["suggestion"]
        span = {k: s[k] for k in ("start", "end", "label")}
        entry = teach._buffer[task["id"]]
        for _ in range(3):  # the same answer learned a few times moves the score visibly
            teach._learn(entry, "reject", span)
        assert teach.updates == 3
        rescored = teach._buffer[task["id"]]  # still buffered: never answered in the store
        key = (span["start"], span["end"], span["label"])
        now = {(a, b, lab): p for a, b, lab, p in rescored.predicted}
        assert now.get(key, 0.0) < s["score"]
    finally:
        teach.close()


def test_accepting_a_span_raises_its_score(store: Any, tmp_path: Path, neural_model: Path) -> None:
    from nerkit.annotate.launch import load_source
    from nerkit.annotate.teach import TeachTasks
    from nerkit.pipeline import load

    load_source(store, "news", str(write_texts(tmp_path / "t.jsonl", TEXTS)))
    teach = TeachTasks(store, "news", load(neural_model), ["PER", "LOC", "ORG"])
    try:
        task = teach.next("alice", 1)[0]
        s = task["suggestion"]
        span = {k: s[k] for k in ("start", "end", "label")}
        teach._learn(teach._buffer[task["id"]], "accept", span)  # a binary Example, one call
        assert teach.updates == 1
        key = (span["start"], span["end"], span["label"])
        now = {(a, b, lab): p for a, b, lab, p in teach._buffer[task["id"]].predicted}
        assert now[key] > s["score"]
    finally:
        teach.close()


def test_answers_it_cannot_learn_are_passed_over(
    store: Any, tmp_path: Path, neural_model: Path
) -> None:
    from nerkit.annotate.launch import load_source
    from nerkit.annotate.teach import TeachTasks
    from nerkit.pipeline import load

    load_source(store, "news", str(write_texts(tmp_path / "t.jsonl", TEXTS)))
    nlp = load(neural_model)
    teach = TeachTasks(store, "news", nlp, ["PER", "LOC", "ORG"])
    try:
        task = teach.next("alice", 1)[0]
        entry = teach._buffer[task["id"]]
        weights = state(nlp.recognizer)
        teach._learn(entry, "accept", {"start": 0, "end": 5, "label": "DRINK"})  # not a model label
        text = task["text"]
        gap = text.index(" ")
        teach._learn(entry, "accept", {"start": gap, "end": gap + 1, "label": "PER"})  # a space
        assert teach.updates == 0
        assert all(torch.equal(weights[k], v) for k, v in state(nlp.recognizer).items())
    finally:
        teach.close()


def test_the_live_launch_path_teaches_a_neural_model(
    live: Any, tmp_path: Path, neural_model: Path
) -> None:
    srv = live(
        "teach", "news", str(write_texts(tmp_path / "t.jsonl", TEXTS)), model=str(neural_model)
    )
    first = tasks(srv)
    before = {t["id"]: t["suggestion"]["score"] for t in first}
    answer(srv, first[0], "accept", 1)
    # The update runs in the background after the reply; wait for the rescored buffer.
    deadline = time.monotonic() + 30
    while True:
        later = tasks(srv)
        if any(t["suggestion"]["score"] != before[t["id"]] for t in later):
            break
        assert time.monotonic() < deadline, "the scores never changed after an answer"
        time.sleep(0.05)
    assert first[0]["id"] not in {t["id"] for t in later}

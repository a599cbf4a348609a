"""teach answers are binary (about the suggested span alone), stored as such, and teach the
perceptron through the same ``update([Example(..., kind="binary")])`` call as a neural model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from annotate_helpers import TOKEN, write_texts

from nerkit.corpus import read

H = {"X-Nerkit-Token": TOKEN}
# Names the tiny model never saw (its scores on its own training words are saturated).
TEXTS = [
    "Zara Quinn flew to Oslo on Monday.",
    "Umbrella hired Nora Vance in Lisbon.",
    "Ivo Petrov moved to Vienna.",
    "Hooli opened an office in Dublin.",
]


def post(base: str, task: dict, answer: str, spans: list[dict], n: int, **extra: Any) -> None:
    body = {"client_id": f"kinds-{n:04d}", "example_id": task["id"], "session": "alice",
            "answer": answer, "spans": spans, **extra}  # fmt: skip
    reply = httpx.post(f"{base}/api/answer", json=body, headers=H)
    assert reply.status_code == 200, reply.text


def first_task(base: str) -> dict:
    reply = httpx.get(f"{base}/api/tasks", params={"session": "alice", "n": 1}, headers=H)
    return dict(reply.json()["tasks"][0])


def test_teach_stores_binary_answers_and_manual_complete_ones(
    live, tmp_path: Path, tiny_model: Path, store, db_url: str, monkeypatch
) -> None:
    source = str(write_texts(tmp_path / "t.jsonl", TEXTS))
    teach = live("teach", "taught", source, model=str(tiny_model))
    for n, verdict in enumerate(("accept", "reject")):
        task = first_task(teach.base)
        span = {k: task["suggestion"][k] for k in ("start", "end", "label")}
        post(teach.base, task, verdict, [span], n, suggestion=span)
    manual = live("manual", "gold", source, labels=["PER"])
    task = first_task(manual.base)
    post(manual.base, task, "accept", [{"start": 0, "end": 10, "label": "PER"}], 9)

    taught = list(store.dataset_annotations("taught"))
    assert [(a.kind, a.answer) for a in taught] == [("binary", "accept"), ("binary", "reject")]
    assert [a.kind for a in store.dataset_annotations("gold")] == ["complete"]
    assert store.stats("taught").binary == 2 and store.stats("gold").binary == 0
    # Training data read from the store: both teach answers, as binary answers.
    monkeypatch.setenv("NERKIT_DB", db_url)
    assert sorted((e.answer, e.kind) for e in read("db:taught")) == [
        ("accept", "binary"),
        ("reject", "binary"),
    ]


def test_review_and_agreement_leave_binary_answers_out(store) -> None:
    from nerkit.annotate.agreement import dataset_agreement
    from nerkit.annotate.recipes import ReviewTasks
    from nerkit.corpus import Example
    from nerkit.tokenizer import get_tokenizer
    from nerkit.tokens import Doc

    store.add_examples("news", [Example(Doc(t, [], [], check=False)) for t in TEXTS[:2]])
    a, b = (e.id for e in store.examples("news"))
    for session in ("alice", "bob"):  # teach answers on different spans: not a disagreement
        store.add_annotation(a, [(0, 4, "PER")], session=session, kind="binary")
    store.add_annotation(b, [(0, 4, "PER")], session="alice", kind="binary")
    store.add_annotation(b, [(0, 8, "ORG")], session="carol")
    store.add_annotation(b, [(0, 8, "ORG")], session="dave")
    review = ReviewTasks(store, "news", get_tokenizer("en"))
    (task,) = review.next("erin", 10)
    assert task["id"] == b and [v["session"] for v in task["versions"]] == ["carol", "dave"]
    report = dataset_agreement(store, "news")
    assert report.sessions == ["carol", "dave"] and report.pairs[0].scores.f1 == 1.0


def _teach(store, tmp_path: Path, model: Path) -> Any:
    from nerkit.annotate.launch import load_source
    from nerkit.annotate.teach import TeachTasks
    from nerkit.pipeline import load

    load_source(store, "news", str(write_texts(tmp_path / "t.jsonl", TEXTS)))
    return TeachTasks(store, "news", load(model), ["PER", "LOC", "ORG"])


def scores(teach: Any, example_id: int) -> dict[tuple[int, int, str], float]:
    return {(s, e, lab): p for s, e, lab, p in teach._buffer[example_id].predicted}


def test_a_reject_lowers_the_perceptrons_score_of_that_span(store, tmp_path, tiny_model) -> None:
    teach = _teach(store, tmp_path, tiny_model)
    try:
        assert teach.learns
        task = teach.next("alice", 1)[0]
        s = task["suggestion"]
        key = (s["start"], s["end"], s["label"])
        assert scores(teach, task["id"])[key] == pytest.approx(s["score"], abs=1e-4)
        teach._learn(teach._buffer[task["id"]], "reject", dict(zip(("start", "end", "label"), key)))
        assert teach.updates == 1
        assert scores(teach, task["id"]).get(key, 0.0) < s["score"]
    finally:
        teach.close()


def test_an_accept_raises_the_perceptrons_score_of_that_span(store, tmp_path, tiny_model) -> None:
    # The perceptron learns from mistakes only: accepting a span it predicts changes nothing,
    # so accept the suggested span under another label, which it does not predict.
    teach = _teach(store, tmp_path, tiny_model)
    try:
        task = teach.next("alice", 1)[0]
        s = task["suggestion"]
        other = next(lab for lab in ("PER", "LOC", "ORG") if lab != s["label"])
        key = (s["start"], s["end"], other)
        assert key not in scores(teach, task["id"])
        teach._learn(teach._buffer[task["id"]], "accept", dict(zip(("start", "end", "label"), key)))
        assert teach.updates == 1
        assert scores(teach, task["id"]).get(key, 0.0) > 0.5
    finally:
        teach.close()

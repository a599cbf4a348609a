"""teach (least sure first, the model learns from answers) and inter-annotator agreement."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from annotate_helpers import TOKEN, write_texts
from typer.testing import CliRunner

from nerkit.annotate.agreement import agreement_from_answers, dataset_agreement
from nerkit.corpus import Example
from nerkit.tokens import Doc

H = {"X-Nerkit-Token": TOKEN}
# Names the tiny model never saw: on its own training words its scores are ~1.0, and an
# update cannot visibly move a saturated score.
TEXTS = [
    "Zara Quinn flew to Oslo on Monday.",
    "Umbrella hired Nora Vance in Lisbon.",
    "Ivo Petrov moved to Vienna.",
    "Hooli opened an office in Dublin.",
    "Nothing at all happens here.",
]


def test_perceptron_update_learns_a_correction(tiny_model: Path) -> None:
    from nerkit.pipeline import load

    nlp = load(tiny_model)
    doc = nlp.make_doc("Zorblat visited Quxville yesterday.")
    gold = Example(doc, [(0, 7, "PER"), (16, 24, "LOC")])
    for _ in range(5):
        nlp.recognizer.update([gold])
    spans = [(s.start_char, s.end_char, s.label) for s in nlp.recognizer.predict([doc])[0]]
    assert spans == [(0, 7, "PER"), (16, 24, "LOC")]


def test_teach_suggests_the_least_sure_span_and_learns(live, tmp_path, tiny_model, store) -> None:
    srv = live(
        "teach", "news", str(write_texts(tmp_path / "t.jsonl", TEXTS)), model=str(tiny_model)
    )
    first = httpx.get(
        f"{srv.base}/api/tasks", params={"session": "alice", "n": 50}, headers=H
    ).json()
    margins = [abs(t["suggestion"]["score"] - 0.5) for t in first["tasks"]]
    assert margins == sorted(margins) and len(margins) >= 3
    for t in first["tasks"]:
        assert t["spans"] == [t["suggestion"]]
    task = first["tasks"][0]
    s = task["suggestion"]
    body = {"client_id": "teach-0001", "example_id": task["id"], "session": "alice",
            "answer": "reject", "spans": [{k: s[k] for k in ("start", "end", "label")}],
            "suggestion": {k: s[k] for k in ("start", "end", "label")}, "score": s["score"]}  # fmt: skip
    assert httpx.post(f"{srv.base}/api/answer", json=body, headers=H).status_code == 200
    (stored,) = store.annotations(task["id"])
    assert stored.answer == "reject" and stored.score == pytest.approx(s["score"])
    assert stored.suggestion == {k: s[k] for k in ("start", "end", "label")}
    # The rejected example is gone from the stream.
    after = httpx.get(
        f"{srv.base}/api/tasks", params={"session": "alice", "n": 50}, headers=H
    ).json()
    assert task["id"] not in {t["id"] for t in after["tasks"]}


def test_teach_rescores_the_buffer_after_an_update(store, tmp_path, tiny_model) -> None:
    from nerkit.annotate.launch import load_source
    from nerkit.annotate.teach import TeachTasks
    from nerkit.pipeline import load

    load_source(store, "news", str(write_texts(tmp_path / "t.jsonl", TEXTS)))
    teach = TeachTasks(store, "news", load(tiny_model), ["PER", "LOC", "ORG"])
    try:
        teach.next("alice", 50)
        # The buffer's scores, unrounded: a binary answer moves the perceptron's weights only
        # where the answer rules its guess out, which moves the others' scores a little.
        before = {i: e.predicted for i, e in teach._buffer.items()}
        task = teach.next("alice", 1)[0]
        s = task["suggestion"]
        span = {k: s[k] for k in ("start", "end", "label")}
        store.add_annotation(task["id"], [span], "reject", session="alice")
        for _ in range(3):  # the same answer learned a few times moves the scores visibly
            teach._learn(teach._buffer[task["id"]], "reject", span)
        teach.answered(task["id"], "alice", "reject", [span])
        teach.wait()
        assert teach.updates == 4
        after = {t["id"] for t in teach.next("alice", 50)}
        assert task["id"] not in after
        assert any(teach._buffer[i].predicted != before[i] for i in after)
    finally:
        teach.close()


def test_agreement_pairwise_f1_per_label() -> None:
    latest = {
        "alice": {1: ("accept", [(0, 3, "PER"), (5, 9, "LOC")]), 2: ("accept", []), 3: ("reject", [])},
        "bob": {1: ("accept", [(0, 3, "PER"), (5, 9, "ORG")]), 2: ("accept", []), 3: ("accept", [(0, 1, "PER")])},
        "carol": {1: ("accept", [(0, 3, "PER"), (5, 9, "LOC")])},
    }  # fmt: skip
    report = agreement_from_answers(latest)
    pairs = {(p.a, p.b): p for p in report.pairs}
    assert pairs["alice", "bob"].examples == 2  # example 3: alice rejected it
    assert pairs["alice", "bob"].scores.f1 == pytest.approx(0.5)
    assert pairs["alice", "bob"].scores.per_label["PER"].f1 == 1.0
    assert pairs["alice", "carol"].scores.f1 == 1.0
    assert report.pooled.micro.tp == 1 + 2 + 1


def test_db_agreement_command(store, db_url) -> None:
    from nerkit.cli import app

    ids = []
    for text in ("Ann met Bob.", "Bob left."):
        store.add_examples("news", [Example(Doc(text, [], []))])
    ids = [e.id for e in store.examples("news")]
    store.add_annotation(ids[0], [(0, 3, "PER"), (8, 11, "PER")], session="alice")
    store.add_annotation(ids[0], [(0, 3, "PER")], session="bob")
    store.add_annotation(ids[1], [(0, 3, "PER")], session="alice")
    store.add_annotation(ids[1], [(0, 3, "PER")], session="bob")
    store.add_annotation(ids[1], [], session="review:carol")  # not an annotator
    report = dataset_agreement(store, "news")
    assert report.sessions == ["alice", "bob"]
    assert report.pairs[0].scores.f1 == pytest.approx(2 * 2 / (3 + 2))
    result = CliRunner().invoke(app, ["db", "agreement", "news", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "alice / bob" in result.output and "0.800" in result.output and "PER" in result.output

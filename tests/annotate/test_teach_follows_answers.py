"""teach never asks about a span answered in that text again, and its ranking follows the
answers about a phrase at once (``phrases.py``), whatever the model's own update does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from annotate_helpers import TOKEN, write_texts

H = {"X-Nerkit-Token": TOKEN}
LABELS = ["PER", "ORG", "LOC"]
# The tiny model: "Venmo" ORG at ~0.95 in the first three; "Paris" LOC at ~0.5 next to
# "Carol White" PER at ~1.0 in the fourth; the rest one sure span each.
VENMO = ["Venmo works for me.", "Venmo works for us.", "Venmo works for them."]
TWO = "Carol White flew to Paris on Monday."
OTHERS = ["Zara Quinn flew to Oslo on Monday.", "Ivo Petrov moved to Vienna."]


def tasks(base: str, session: str) -> list[dict[str, Any]]:
    reply = httpx.get(f"{base}/api/tasks", params={"session": session, "n": 50}, headers=H)
    assert reply.status_code == 200, reply.text
    return list(reply.json()["tasks"])


def answer(base: str, session: str, task: dict, verdict: str, n: int) -> dict[str, Any]:
    s = {k: task["suggestion"][k] for k in ("start", "end", "label")}
    body = {"client_id": f"{session}-answer-{n:03d}", "example_id": task["id"],
            "session": session, "answer": verdict, "spans": [s], "suggestion": s}  # fmt: skip
    reply = httpx.post(f"{base}/api/answer", json=body, headers=H)
    assert reply.status_code == 200, reply.text
    return s


def key(task: dict) -> tuple[str, int, int, str]:
    s = task["suggestion"]
    return (task["text"], s["start"], s["end"], s["label"])


def phrase(task: dict) -> tuple[str, str]:
    s = task["suggestion"]
    return (task["text"][s["start"] : s["end"]], s["label"])


def test_a_rejected_phrase_drops_and_waits_and_an_accepted_one_rises(
    live, tmp_path: Path, tiny_model: Path
) -> None:
    source = str(write_texts(tmp_path / "t.jsonl", [*VENMO, *OTHERS, "Zelle is fine too."]))
    # Patterns keep the phrases candidates (at 0.5) whatever the model's update does to its
    # own predictions (the tiny perceptron stops predicting Venmo after one reject).
    patterns = tmp_path / "p.jsonl"
    patterns.write_text(
        '{"label": "ORG", "pattern": "Venmo"}\n{"label": "ORG", "pattern": "Zelle"}\n'
    )
    srv = live("teach", "pay", source, model=str(tiny_model), labels=LABELS, patterns=str(patterns))
    before = {t["text"]: t["suggestion"] for t in tasks(srv.base, "alice")}
    assert all(phrase({"text": t, "suggestion": before[t]}) == ("Venmo", "ORG") for t in VENMO)
    first = next(t for t in tasks(srv.base, "alice") if t["text"] == VENMO[0])
    answer(srv.base, "alice", first, "reject", 1)

    after = tasks(srv.base, "alice")
    venmo = [t for t in after if phrase(t) == ("Venmo", "ORG")]
    assert {t["text"] for t in venmo} == set(VENMO[1:])
    for t in venmo:  # the score moved down from the model's, and says why
        assert t["suggestion"]["score"] < before[t["text"]]["score"]
        assert t["suggestion"]["answered"] == {"accept": 0, "reject": 1}
        assert t["suggestion"]["model_score"] >= t["suggestion"]["score"]
    # A phrase answered always the same way waits until everything else was asked.
    order = [phrase(t) == ("Venmo", "ORG") for t in after]
    assert order == sorted(order) and order[0] is False

    zelle = next(t for t in after if phrase(t)[0] == "Zelle")
    assert answer(srv.base, "alice", zelle, "accept", 2)["label"] == "ORG"
    texts = ["Zelle works for me.", "Zelle works for us."]
    srv2 = live("teach", "pay", str(write_texts(tmp_path / "z.jsonl", texts)),
                model=str(tiny_model), labels=LABELS, patterns=str(patterns))  # fmt: skip
    # A new server on the same dataset starts from the answers stored before: an accepted
    # phrase's score rises above the model's.
    zelles = [t for t in tasks(srv2.base, "bob") if phrase(t) == ("Zelle", "ORG")]
    assert {t["text"] for t in zelles} == set(texts)
    for t in zelles:
        assert t["suggestion"]["answered"] == {"accept": 1, "reject": 0}
        assert t["suggestion"]["score"] > t["suggestion"]["model_score"]


def test_a_span_answered_in_a_text_is_never_suggested_there_again(
    live, tmp_path: Path, tiny_model: Path, store
) -> None:
    source = str(write_texts(tmp_path / "t.jsonl", [TWO, *OTHERS]))
    srv = live("teach", "news", source, model=str(tiny_model), labels=LABELS, overlap=True)
    alice = {t["text"]: t for t in tasks(srv.base, "alice")}
    paris = alice[TWO]
    assert phrase(paris) == ("Paris", "LOC")  # the least sure span of that text
    answer(srv.base, "alice", paris, "reject", 1)
    assert TWO not in {t["text"] for t in tasks(srv.base, "alice")}
    # With overlap the text goes to the next annotator, about a span nobody answered there.
    bob = {t["text"]: t for t in tasks(srv.base, "bob")}
    assert phrase(bob[TWO]) == ("Carol White", "PER")
    answer(srv.base, "bob", bob[TWO], "accept", 2)
    # Both spans answered: the text has nothing left to ask anyone.
    assert TWO not in {t["text"] for t in tasks(srv.base, "carol")}

    # Nor after a restart (the answers are read back from the store) ...
    srv2 = live("teach", "news", source, model=str(tiny_model), labels=LABELS, overlap=True)
    assert TWO not in {t["text"] for t in tasks(srv2.base, "dave")}
    assert [a.answer for a in store.dataset_annotations("news")] == ["reject", "accept"]


def test_nor_after_a_new_model_comes_in(store, tmp_path: Path, tiny_model: Path) -> None:
    from nerkit.annotate.launch import load_source
    from nerkit.annotate.teach import TeachTasks
    from nerkit.pipeline import load

    load_source(store, "news", str(write_texts(tmp_path / "t.jsonl", [TWO, *OTHERS])))
    teach = TeachTasks(store, "news", load(tiny_model), LABELS, overlap=True)
    try:
        task = next(t for t in teach.next("alice", 10) if t["text"] == TWO)
        s = task["suggestion"]
        span = {k: s[k] for k in ("start", "end", "label")}
        store.add_annotation(task["id"], [span], "reject", session="alice", kind="binary")
        teach.answered(task["id"], "alice", "reject", [span])
        teach.wait()
        teach.use_model(load(tiny_model))  # a fresh copy: it would suggest Paris again
        again = [t for t in teach.next("bob", 10) if t["text"] == TWO]
        assert [t["suggestion"]["label"] for t in again] == ["PER"]
        assert all((t["suggestion"]["start"], t["suggestion"]["end"]) != (s["start"], s["end"])
                   for t in again)  # fmt: skip
    finally:
        teach.close()


def test_a_complete_answer_in_teach_ends_the_text_and_other_recipes_refuse_the_kind(
    live, tmp_path: Path, tiny_model: Path, store
) -> None:
    source = str(write_texts(tmp_path / "t.jsonl", [TWO, *OTHERS]))
    srv = live("teach", "news", source, model=str(tiny_model), labels=LABELS, overlap=True)
    task = next(t for t in tasks(srv.base, "alice") if t["text"] == TWO)
    spans = [{"start": 0, "end": 11, "label": "PER"}, {"start": 20, "end": 25, "label": "LOC"}]
    body = {"client_id": "complete-0001", "example_id": task["id"], "session": "alice",
            "answer": "accept", "spans": spans, "kind": "complete"}  # fmt: skip
    assert httpx.post(f"{srv.base}/api/answer", json=body, headers=H).status_code == 200
    (stored,) = store.annotations(task["id"])
    assert stored.kind == "complete" and stored.spans == spans
    assert TWO not in {t["text"] for t in tasks(srv.base, "bob")}  # done for everyone

    manual = live("manual", "gold", source, labels=LABELS)
    mtask = tasks(manual.base, "alice")[0]
    body = {"client_id": "binary-00001", "example_id": mtask["id"], "session": "alice",
            "answer": "accept", "spans": [], "kind": "binary"}  # fmt: skip
    reply = httpx.post(f"{manual.base}/api/answer", json=body, headers=H)
    assert reply.status_code == 422 and "stores complete answers" in reply.json()["error"]

"""`annotate correct --order uncertain`: the texts the model expects the most wrong tags in go
out first (the sum of 1 - p over their tokens), ranked per window, scored once per model,
rescored when a retrained model comes in, leased as before."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import numpy as np
import pytest
from annotate_helpers import TOKEN, write_texts
from typer.testing import CliRunner

from nerkit.annotate import feed as feed_module
from nerkit.annotate.feed import Feed, Leases
from nerkit.annotate.recipes import Prefill, StreamTasks
from nerkit.cli import app
from nerkit.corpus import Example
from nerkit.errors import ConfigError, NerkitError
from nerkit.tokenizer import get_tokenizer

H = {"Authorization": f"Bearer {TOKEN}"}
# Each number is the confidence of its token's tag; words are sure (1.0). Expected wrong tags:
# a 0.5, b 0.6 (a long text of fairly sure tokens), c 0.01, d 0.4, e 0.7, f 0.15, g 0, h 1.2
TEXTS = [
    "0.5 a", "0.9 0.9 0.9 0.9 0.9 0.9 b", "0.99 c", "0.8 0.8 d", "0.3 e",
    "0.95 0.95 0.95 f", "g", "0.6 0.6 0.6 h",
]  # fmt: skip


def expected_wrong(text: str, flip: bool = False) -> float:
    return sum((float(w) if flip else 1 - float(w)) for w in text.split() if w[0].isdigit())


class WrittenConfidences:
    """A recognizer whose confidence in each token's tag is the token, when it is a number
    (``flip``: one minus it); it records the texts it scores."""

    labels = ("X",)

    def __init__(self, flip: bool = False) -> None:
        self.flip = flip
        self.scored: list[str] = []

    def token_confidences(self, docs: Any) -> list[np.ndarray]:
        self.scored += [doc.text for doc in docs]
        sure = [[float(w) if w[0].isdigit() else 1.0 for w in doc.words] for doc in docs]
        return [1.0 - np.array(c) if self.flip else np.array(c) for c in sure]

    def predict_with_scores(self, docs: Any) -> list[list]:
        return [[] for _ in docs]


def ranked_stream(store: Any, recognizer: Any, clock: list[float]) -> StreamTasks:
    nlp: Any = SimpleNamespace(recognizer=recognizer)
    tokenizer = get_tokenizer("en")
    prefill = Prefill(["X"], tokenizer, nlp)
    leases = Leases(store, 60, clock=lambda: clock[0])
    feed = Feed(store, "news", leases=leases, rank=prefill.uncertainty)
    return StreamTasks(store, "news", feed, prefill)


def add_texts(store: Any, texts: list[str]) -> None:
    tokenizer = get_tokenizer("en")
    store.add_examples("news", [Example(tokenizer(t)) for t in texts])


def test_the_most_expected_wrong_tags_go_out_first_to_sessions_that_never_share(store) -> None:
    add_texts(store, TEXTS)
    model = WrittenConfidences()
    stream = ranked_stream(store, model, clock=[0.0])
    alice = [t["text"] for t in stream.next("alice", 3)]
    bob = [t["text"] for t in stream.next("bob", 3)]
    alice += [t["text"] for t in stream.next("alice", 5)]  # her first three still leased: mine
    order = sorted(TEXTS, key=lambda t: -expected_wrong(t))
    assert order[:3] == ["0.6 0.6 0.6 h", "0.3 e", "0.9 0.9 0.9 0.9 0.9 0.9 b"]
    assert alice[:3] == order[:3] and bob == order[3:6]
    assert alice[3:] == order[:3] + order[6:]  # a reload gets her leases back, then the rest
    assert not set(alice) & set(bob)
    assert sorted(model.scored) == sorted(TEXTS)  # each text scored once for this model


def test_each_window_is_ranked_before_the_next(store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "ORDER_WINDOW", 4)
    texts = [*TEXTS, "0.1 0.1 i", "0.99 j", "0.2 k", "0.9 l"]
    add_texts(store, texts)
    stream = ranked_stream(store, WrittenConfidences(), clock=[0.0])
    got = [t["text"] for t in stream.next("alice", 6)]

    def ranked(window: list[str]) -> list[str]:
        return sorted(window, key=lambda t: -expected_wrong(t))

    assert got[:4] == ranked(texts[:4])  # the first window, whole
    assert got[4:] == ranked(texts[4:8])[:2]
    # bob's window is the next four examples he could be handed, alice's leased ones left out
    window = [t for t in texts[4:] if t not in got][:4]
    assert window[2:] == ["0.1 0.1 i", "0.99 j"]
    assert [t["text"] for t in stream.next("bob", 2)] == ranked(window)[:2]


def test_overlap_ranks_for_every_session(store) -> None:
    add_texts(store, TEXTS)
    model = WrittenConfidences()
    nlp: Any = SimpleNamespace(recognizer=model)
    prefill = Prefill(["X"], get_tokenizer("en"), nlp)
    feed = Feed(store, "news", overlap=True, rank=prefill.uncertainty)
    order = sorted(TEXTS, key=lambda t: -expected_wrong(t))
    assert [ex.text for ex in feed.next("alice", 3)] == order[:3]
    assert [ex.text for ex in feed.next("bob", 3)] == order[:3]


def test_a_retrained_model_reorders_the_texts_not_handed_out(store) -> None:
    add_texts(store, TEXTS)
    clock = [0.0]
    stream = ranked_stream(store, WrittenConfidences(), clock)
    before = [t["text"] for t in stream.next("alice", 2)]
    retrained = WrittenConfidences(flip=True)
    stream.use_model(SimpleNamespace(recognizer=retrained))  # type: ignore[arg-type]
    after = [t["text"] for t in stream.next("bob", 3)]
    rest = [t for t in TEXTS if t not in before]
    assert after == sorted(rest, key=lambda t: -expected_wrong(t, flip=True))[:3]
    assert after != sorted(rest, key=lambda t: -expected_wrong(t))[:3]
    assert sorted(retrained.scored) == sorted(rest)  # the old model's scores were dropped


def test_uncertain_order_needs_correct_with_a_model(store, db_url: str, tmp_path: Path, tiny_model):
    from nerkit.annotate.launch import prepare

    source = str(write_texts(tmp_path / "t.jsonl", ["Ann met Bob."]))

    def code(recipe: str, **options: Any) -> str:
        with pytest.raises(NerkitError) as err:
            prepare(store, recipe, "d", source, token=TOKEN, labels=["PER"], **options)
        return err.value.code

    assert code("manual", order="uncertain") == "E514"
    assert code("teach", order="uncertain", model=str(tiny_model)) == "E514"
    assert code("correct", order="sideways", model=str(tiny_model)) == "E503"
    assert "d" not in {d.name for d in store.datasets()}  # checked before the texts came in

    result = CliRunner().invoke(
        app, ["annotate", "correct", "d", source, "--order", "uncertain", "--db", db_url,
              "--port", "0"],
    )  # fmt: skip
    assert result.exit_code != 0 and isinstance(result.exception, ConfigError), result.output
    assert result.exception.code == "E514" and "without --model" in str(result.exception)


def test_the_app_hands_out_the_text_the_model_is_least_sure_of_first(
    live, tmp_path: Path, tiny_model: Path
) -> None:
    import nerkit

    texts = [
        "Alice Smith flew to Berlin on Friday.",
        "Zorblat Quenton visited Vreeland Oskarsburg with Plimmo.",
        "Bob Jones works for Globex in Madrid.",
        "The weather was fine.",
        "Umberto Kallas and Dagny Wreford founded Xantheon Brillo in Tarvos.",
    ]
    source = write_texts(tmp_path / "t.jsonl", texts)
    srv = live("correct", "news", str(source), model=str(tiny_model), order="uncertain")
    r = httpx.get(f"{srv.base}/api/tasks", params={"session": "alice", "n": 5}, headers=H)
    got = [t["text"] for t in r.json()["tasks"]]

    nlp = nerkit.load(tiny_model)
    confidences = nlp.recognizer.token_confidences([nlp.tokenizer(t) for t in texts])
    wrong = [float(np.sum(1.0 - c)) for c in confidences]
    expected = [texts[i] for i in sorted(range(len(texts)), key=lambda i: (-wrong[i], i))]
    assert expected[0] != texts[0]  # else id order would pass too
    assert got[0] == expected[0] and got == expected


def test_racing_sessions_never_share_a_ranked_example(store) -> None:
    import threading
    from collections import defaultdict

    texts = [f"0.{i % 9 + 1} 0.{(i * 7) % 9 + 1} text {i}" for i in range(60)]
    add_texts(store, texts)
    stream = ranked_stream(store, WrittenConfidences(), clock=[0.0])
    handed: dict[int, set[str]] = defaultdict(set)
    lock = threading.Lock()

    def work(session: str) -> None:
        while got := stream.next(session, 3):
            with lock:
                for task in got:
                    handed[task["id"]].add(session)
            for task in got:
                store.add_annotation(task["id"], [], "accept", session=session, lease="")

    workers = [threading.Thread(target=work, args=(s,)) for s in ("a", "b", "c", "d")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert not any(w.is_alive() for w in workers)
    assert len(handed) == 60 and all(len(who) == 1 for who in handed.values())

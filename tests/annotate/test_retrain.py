"""--retrain-every: a new model is trained in a background process after every N answers, one
at a time, and used only when it scores better on the dataset's dev split (the real server,
the real training process; a tiny perceptron trained in a few epochs)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from annotate_helpers import TOKEN, write_texts

from nerkit.annotate.retrain import RetrainSettings
from nerkit.errors import ConfigError, NerkitError

H = {"X-Nerkit-Token": TOKEN}
FAST = ("train.max_epochs=3", "train.ensemble=1", "model.hash_rows=16384")
PRODUCTS = ["Zapphone", "Quixpad", "Blorbook", "Vexwatch"]
TEMPLATES = [
    "I sold my {} yesterday.",
    "Selling a used {} for cheap.",
    "Anyone want a {} today?",
    "My {} still works fine.",
    "Looking to trade a {} now.",
    "Got a new {} last week.",
]
# PRODUCT is a label the tiny model (PER, ORG, LOC) has never seen: it scores 0 on it.
SHOP = [t.format(p) for t in TEMPLATES for p in PRODUCTS]
# Names the tiny model knows well: it finds them (dev F1 above 0).
PEOPLE = [
    f"{name} {verb} {place} on {day}."
    for name in ("Alice Smith", "Bob Jones", "Carol White")
    for verb, place in (("flew to", "Berlin"), ("moved to", "Madrid"))
    for day in ("Monday", "Friday")
]


def product_span(text: str) -> dict[str, Any]:
    name = next(p for p in PRODUCTS if p in text)
    start = text.index(name)
    return {"start": start, "end": start + len(name), "label": "PRODUCT"}


def person_span(text: str) -> dict[str, Any]:
    end = text.index(" ", text.index(" ") + 1)
    return {"start": 0, "end": end, "label": "PER"}


class Client:
    """The HTTP API as the page uses it, for one session."""

    def __init__(self, base: str, session: str = "alice") -> None:
        self.base, self.session, self.sent = base, session, 0

    def tasks(self, n: int = 50) -> list[dict[str, Any]]:
        reply = httpx.get(
            f"{self.base}/api/tasks", params={"session": self.session, "n": n}, headers=H
        )
        assert reply.status_code == 200, reply.text
        return list(reply.json()["tasks"])

    def progress(self) -> dict[str, Any]:
        reply = httpx.get(f"{self.base}/api/progress", params={"session": self.session}, headers=H)
        return dict(reply.json())

    def answer(self, task: dict, spans: list[dict], answer: str = "accept", **extra: Any) -> dict:
        self.sent += 1
        body = {"client_id": f"{self.session}-{self.sent:05d}", "example_id": task["id"],
                "session": self.session, "answer": answer, "spans": spans, **extra}  # fmt: skip
        reply = httpx.post(f"{self.base}/api/answer", json=body, headers=H)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def answer_next(self, n: int, gold: Callable[[str], dict]) -> None:
        for task in self.tasks(n)[:n]:
            self.answer(task, [gold(task["text"])])


def wait_for(client: Client, done: Callable[[dict], bool], timeout: float = 120.0) -> dict:
    """Poll the progress until ``done(model)``; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        model = client.progress()["model"]
        if done(model):
            return dict(model)
        if time.monotonic() > deadline:
            pytest.fail(f"retraining did not get there in {timeout:.0f} s: {model}")
        time.sleep(0.2)


def idle(model: dict) -> bool:
    return model["retrain"]["running"] is None


def history(models: Path) -> list[dict[str, Any]]:
    lines = (models / "retrain.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_retrains_every_n_answers_one_at_a_time_and_swaps_a_better_model(
    live, tmp_path: Path, tiny_model: Path
) -> None:
    models = tmp_path / "models"
    settings = RetrainSettings(3, models, dev_split=0.5, overrides=FAST)
    source = str(write_texts(tmp_path / "shop.jsonl", SHOP))
    srv = live("correct", "shop", source, model=str(tiny_model), labels=["PRODUCT"],
               retrain=settings)  # fmt: skip
    alice = Client(srv.base)
    start = alice.progress()["model"]
    assert (start["version"], start["name"], start["dev_f1"]) == (0, tiny_model.name, None)
    assert start["retrain"]["message"] == "next retraining after 3 more answers"

    alice.answer_next(2, product_span)
    assert alice.progress()["model"]["retrain"]["running"] is None  # 2 of 3: not yet
    alice.answer_next(1, product_span)
    first = wait_for(alice, lambda m: m["retrain"]["last"] is not None)
    # 3 complete answers: too few dev texts to compare, so v1 is trained and kept, not used.
    assert first["version"] == 0 and first["retrain"]["last"]["swapped"] is False
    assert "no dev split yet" in first["retrain"]["message"]
    assert (models / "v0001" / "meta.json").is_file()

    # Answers keep coming while a model trains: one retraining at a time, and the next
    # starts when it ends, once 3 more answers have come.
    alice.answer_next(12, product_span)
    final = wait_for(alice, lambda m: idle(m) and m["retrain"]["pending"] < 3)
    runs = history(models)
    assert [r["version"] for r in runs] == list(range(1, len(runs) + 1)) and len(runs) >= 3
    for earlier, later in zip(runs, runs[1:]):
        assert later["started"] >= earlier["finished"]  # never two at once
    assert all(r["train_examples"] for r in runs)

    # With enough dev texts the new model, which learned PRODUCT, beats the tiny model (0).
    swapped = [r for r in runs if r["swapped"]]
    assert swapped and swapped[0]["dev_f1"] > swapped[0]["in_use_dev_f1"] == 0.0
    assert final["version"] == swapped[-1]["version"]
    assert final["dev_f1"] is not None and final["dev_texts"] >= settings.min_dev
    # Kept: the model in use and the newest; older ones removed.
    kept = sorted(p.name for p in models.glob("v*"))
    assert kept == sorted({final["name"], f"v{runs[-1]['version']:04d}"})

    # The next tasks come from the new model: it pre-fills PRODUCT, which the tiny one never did.
    (task,) = alice.tasks(1)
    assert [(s["label"], s["source"]) for s in task["spans"]] == [("PRODUCT", "model")]
    assert task["spans"][0]["start"] == product_span(task["text"])["start"]


def test_a_model_no_better_on_the_dev_split_is_not_used(
    live, tmp_path: Path, tiny_model: Path
) -> None:
    models = tmp_path / "models"
    # Two hashed weight rows: it cannot tell one word from another, so it learns nothing.
    cannot_learn = (*FAST[:2], "model.hash_rows=2")
    settings = RetrainSettings(len(PEOPLE), models, dev_split=0.5, overrides=cannot_learn)
    source = str(write_texts(tmp_path / "people.jsonl", PEOPLE))
    srv = live("correct", "people", source, model=str(tiny_model), labels=["PER"],
               retrain=settings)  # fmt: skip
    alice = Client(srv.base)
    alice.answer_next(len(PEOPLE), person_span)
    model = wait_for(alice, lambda m: m["retrain"]["last"] is not None)
    (run,) = history(models)
    assert run["dev_texts"] >= settings.min_dev
    assert run["in_use_dev_f1"] > run["dev_f1"] and run["swapped"] is False
    assert model["version"] == 0 and model["name"] == tiny_model.name
    # The model in use was scored on the same dev texts, and the page says why v1 is not used.
    assert model["dev_f1"] == pytest.approx(run["in_use_dev_f1"], abs=1e-4)
    assert model["dev_texts"] == run["dev_texts"]
    assert "v0001 not used: dev F1" in model["retrain"]["message"]
    assert (models / "v0001" / "meta.json").is_file()  # the newest is kept all the same


def test_teach_retrains_from_binary_and_complete_answers_scored_on_fixed_dev_texts(
    live, tmp_path: Path, tiny_model: Path, store
) -> None:
    from nerkit.corpus import Example
    from nerkit.tokens import Doc

    dev_texts = [
        f"{n} flew to Oslo on Sunday." for n in ("Alice Smith", "Bob Jones", "Carol White")
    ]
    store.add_examples("people-dev", [Example(Doc(t, [], [], check=False)) for t in dev_texts])
    for ex in store.examples("people-dev"):
        store.add_annotation(ex.id, [person_span(ex.text)], session="gold")
    models = tmp_path / "models"
    settings = RetrainSettings(4, models, overrides=FAST, dev="db:people-dev")
    source = str(write_texts(tmp_path / "people.jsonl", PEOPLE))
    srv = live("teach", "taught", source, model=str(tiny_model), retrain=settings)
    alice = Client(srv.base)
    tasks = alice.tasks(4)
    for task in tasks[:2]:  # binary answers about the suggested span
        s = {k: task["suggestion"][k] for k in ("start", "end", "label")}
        alice.answer(task, [s], "accept", suggestion=s)
    for task in tasks[2:4]:  # the whole text, edited (the page's e): complete answers
        alice.answer(task, [person_span(task["text"])], "accept", kind="complete")
    model = wait_for(alice, lambda m: m["retrain"]["last"] is not None)
    (run,) = history(models)
    assert run["train_examples"] == 4 and run["dev_texts"] == len(dev_texts)
    # Both models scored on the fixed dev texts: the tiny model knows these names.
    assert run["in_use_dev_f1"] > 0 and run["dev_f1"] is not None
    assert model["dev_texts"] == len(dev_texts)
    kinds = sorted(a.kind for a in store.dataset_annotations("taught"))
    assert kinds == ["binary", "binary", "complete", "complete"]


def test_a_model_trained_on_the_dataset_itself_gets_a_note(tiny_model: Path) -> None:
    from nerkit.annotate.launch import retrain_notes
    from nerkit.pipeline import load

    nlp = load(tiny_model)
    settings = RetrainSettings(5, Path("models"))
    assert retrain_notes(settings, "news", nlp) == []
    nlp.meta["train_data"] = {"path": "db:news"}
    nlp.meta["dev_data"] = {"path": "db:news-dev"}
    (note,) = retrain_notes(settings, "news", nlp)
    assert "flattered" in note and "--retrain-dev db:news-dev" in note
    assert retrain_notes(RetrainSettings(5, Path("m"), dev="db:news-dev"), "news", nlp) == []


def test_retrain_options_are_checked_before_the_app_starts(store, tmp_path: Path, tiny_model):
    from nerkit.annotate.launch import prepare

    source = str(write_texts(tmp_path / "t.jsonl", PEOPLE[:2]))
    ok = RetrainSettings(5, tmp_path / "models")

    def code(**options: Any) -> str:
        with pytest.raises(NerkitError) as err:
            prepare(store, options.pop("recipe", "teach"), "d", source, token=TOKEN, **options)
        return err.value.code

    assert code(recipe="manual", labels=["PER"], retrain=ok) == "E510"
    assert code(model=str(tiny_model), retrain=RetrainSettings(0, tmp_path / "m")) == "E513"
    bad_split = RetrainSettings(5, tmp_path / "m", dev_split=1.5)
    assert code(model=str(tiny_model), retrain=bad_split) == "E513"
    (tmp_path / "a-file").write_text("")
    in_a_file = RetrainSettings(5, tmp_path / "a-file" / "models")
    assert code(model=str(tiny_model), retrain=in_a_file) == "E511"
    unknown = RetrainSettings(5, tmp_path / "m", overrides=("train.no_such=1",))
    assert code(model=str(tiny_model), retrain=unknown) == "E307"
    no_dev = RetrainSettings(5, tmp_path / "m", dev=str(tmp_path / "missing.jsonl"))
    assert code(model=str(tiny_model), retrain=no_dev) == "E513"
    assert code(model=str(tiny_model), retrain=RetrainSettings(5, tmp_path / "m", dev="db:x")) == (
        "E401"
    )
    from nerkit.store import Store

    with Store("sqlite://") as memory:
        with pytest.raises(ConfigError) as err:
            prepare(memory, "teach", "d", source, token=TOKEN, model=str(tiny_model), retrain=ok)
        assert err.value.code == "E512"


def test_the_cli_needs_models_dir_with_retrain_every(db_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nerkit.cli import app

    source = str(write_texts(tmp_path / "t.jsonl", PEOPLE[:2]))

    def code_of(*args: str) -> str:
        result = CliRunner().invoke(app, ["annotate", *args, "--db", db_url, "--port", "0"])
        assert result.exit_code != 0 and isinstance(result.exception, ConfigError), result.output
        return result.exception.code

    assert code_of("teach", "d", source, "--retrain-every", "5") == "E511"
    assert code_of("manual", "d", source, "--models-dir", str(tmp_path / "m")) == "E513"

"""One label order, number key and colour in every recipe and in the entity view."""

from __future__ import annotations

import re

from annotate_helpers import TOKEN, write_texts
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nerkit.annotate.launch import prepare
from nerkit.cli import app
from nerkit.corpus import Example
from nerkit.display import COLORS, label_colors, label_order
from nerkit.tokenizer import get_tokenizer

TEXTS = ["Alice Smith flew to Berlin on Friday.", "Bob Jones works for Globex in Madrid."]


def config(store, recipe: str, source: str, **options: object) -> dict:
    launch = prepare(store, recipe, "news", source, token=TOKEN, **options)  # type: ignore[arg-type]
    client = TestClient(launch.app)
    reply = client.get("/api/config", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200
    return reply.json()


def test_label_order_keeps_the_first_place_of_each_label() -> None:
    assert label_order(["B", "A"], ["A", "C", "B"], [], ["D", "C"]) == ["B", "A", "C", "D"]
    assert label_order() == []
    assert label_colors(["B", "A"]) == {"B": COLORS[0], "A": COLORS[1]}


def test_the_store_records_the_order_then_adds_labels_as_first_answered(store) -> None:
    store.add_examples("news", [Example(get_tokenizer("en")(t), []) for t in TEXTS])
    ids = [ex.id for ex in store.examples("news")]
    store.add_annotation(ids[0], [{"start": 0, "end": 11, "label": "PER"}], session="a")
    store.add_annotation(ids[1], [{"start": 20, "end": 26, "label": "ORG"},
                                  {"start": 30, "end": 36, "label": "LOC"}], session="a")  # fmt: skip
    assert store.labels("news") == ["PER", "ORG", "LOC"]
    assert store.record_labels("news", ["LOC", "MISC"]) == ["LOC", "MISC", "PER", "ORG"]
    assert store.record_labels("news", ["PER", "MISC", "X"]) == ["LOC", "MISC", "PER", "X", "ORG"]


def test_every_recipe_gets_the_order_the_first_session_typed(store, tmp_path, tiny_model) -> None:
    src = str(write_texts(tmp_path / "t.jsonl", TEXTS))
    typed = ["PER", "ORG", "LOC"]  # the model's own order is LOC, ORG, PER
    manual = config(store, "manual", src, labels=typed)
    correct = config(store, "correct", src, model=str(tiny_model))
    teach = config(store, "teach", src, model=str(tiny_model))
    again = config(store, "manual", src)  # no --label: the dataset's
    (first,) = [ex for ex in store.examples("news") if ex.text == TEXTS[0]]
    store.add_annotation(first.id, [{"start": 0, "end": 11, "label": "PER"}], session="alice")
    review = config(store, "review", "db:news")
    for got in (manual, correct, teach, again, review):
        assert got["labels"] == typed
        assert got["colors"] == label_colors(typed)
    assert config(store, "correct", src, model=str(tiny_model), labels=["LOC"])["labels"] == ["LOC"]


def test_the_entity_view_takes_the_same_order(store, db_url, tmp_path, tiny_model) -> None:
    src = write_texts(tmp_path / "t.jsonl", TEXTS)
    config(store, "manual", str(src), labels=["PER", "ORG", "LOC"])

    def colours(*args: str) -> dict[str, str]:
        out = tmp_path / "view.html"
        result = CliRunner().invoke(app, ["display", str(tiny_model), *args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        page = out.read_text()
        found = re.findall(r'style="--c:(#[0-9a-f]+)" title="(\w+)"', page)
        assert found
        return {label: colour for colour, label in found}

    app_colours = label_colors(["PER", "ORG", "LOC"])
    from_db = colours("db:news", "--db", db_url)
    assert from_db == {k: app_colours[k] for k in from_db}
    typed = colours(str(src), "--label", "PER,ORG,LOC")
    assert typed == {k: app_colours[k] for k in typed}
    model = label_colors(["LOC", "ORG", "PER"])
    assert colours(str(src)) == {k: model[k] for k in from_db}  # no dataset: the model's

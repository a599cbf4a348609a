"""Training from a base model (``train(..., base=...)``, ``nerkit train --base``): labels
added, old labels kept by rehearsal (and lost without it), the base recorded, coded errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import nerkit
from nerkit.corpus import Example
from nerkit.errors import ConfigError, ModelError
from nerkit.tokens import Doc
from nerkit.training.base_model import rehearsal_examples, with_base_predictions

PEOPLE = ["Anna Berg", "Tom Hale", "Mia Roth", "Lars Dahl", "Eva Lund", "Jon Voss"]
PLACES = ["Oslo", "Rome", "Lyon", "Graz", "Kiel", "Bern"]
BRANDS = ["Gucci", "Prada", "Zara", "Levi", "Fendi", "Dior"]
FAST = ["train.max_epochs=6", "train.ensemble=1", "model.hash_rows=4096"]


def _record(text: str, entities: list[tuple[str, str]]) -> dict:
    spans = []
    for name, label in entities:
        start = text.index(name)
        spans.append({"start": start, "end": start + len(name), "label": label})
    return {"text": text, "spans": spans}


OLD_TEXTS = ["{p} flew to {l} today .", "Yesterday {p} lived in {l} .", "In {l} , {p} spoke ."]
NEW_TEXTS = [
    "{p} wore {b} shoes today .",
    "She said {p} loves {b} bags .",
    "{b} dressed {p} again .",
]


def _old(i: int, template: int | None = None) -> dict:
    per, loc = PEOPLE[i % 6], PLACES[(i // 6 + i) % 6]
    text = OLD_TEXTS[i % 2 if template is None else template].format(p=per, l=loc)
    return _record(text, [(per, "PER"), (loc, "LOC")])


def _new(i: int, template: int | None = None) -> dict:
    # The people of the old data in new texts that annotate only brands: without rehearsal
    # these teach that they are no entity.
    per, brand = PEOPLE[i % 6], BRANDS[(i // 6 + i) % 6]
    text = NEW_TEXTS[i % 2 if template is None else template].format(p=per, b=brand)
    return _record(text, [(brand, "BRAND")])


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf8")
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("base")
    paths = {
        "old": _write(d / "old.jsonl", [_old(i) for i in range(24)]),
        "old_dev": _write(d / "old_dev.jsonl", [_old(i, 2) for i in range(6)]),
        "new": _write(d / "new.jsonl", [_new(i) for i in range(24)]),
        "new_dev": _write(d / "new_dev.jsonl", [_new(i, 2) for i in range(6)]),
    }
    nerkit.train(paths["old"], paths["old_dev"], d / "base", model="perceptron", overrides=FAST)
    paths["base"] = d / "base"
    return paths


def _found(nlp: nerkit.Pipeline, texts: list[str], label: str) -> set[tuple[str, str]]:
    return {(t, e.text) for t in texts for e in nlp(t).ents if e.label == label}


def test_rehearsal_keeps_old_labels_and_adds_the_new_one(data, tmp_path):
    base = nerkit.load(data["base"])
    old_texts = sorted({_old(i)["text"] for i in range(24)})
    kept = _found(base, old_texts, "PER") | _found(base, old_texts, "LOC")
    # The base knows its data: what it keeps is worth comparing.
    assert len(kept) >= 0.9 * 2 * len(old_texts)
    result = nerkit.train(
        data["new"], data["new_dev"], tmp_path / "with", model="perceptron",
        overrides=FAST, base=data["base"], rehearse=[data["old"]],
    )  # fmt: skip
    without = nerkit.train(
        data["new"], data["new_dev"], tmp_path / "without", model="perceptron",
        overrides=[*FAST, "train.rehearsal=false"], base=data["base"],
    )  # fmt: skip
    nlp = nerkit.load(tmp_path / "with")
    assert nlp.labels == ("BRAND", "LOC", "PER")
    after = _found(nlp, old_texts, "PER") | _found(nlp, old_texts, "LOC")
    assert len(after & kept) >= 0.95 * len(kept)
    forgot = nerkit.load(tmp_path / "without")
    lost = _found(forgot, old_texts, "PER") | _found(forgot, old_texts, "LOC")
    assert len(lost & kept) < 0.7 * len(kept)  # rehearsal is what kept them
    new_texts = [_new(i)["text"] for i in range(24, 30)]  # pairs training never saw
    assert len(_found(nlp, new_texts, "BRAND")) == 6
    # The people in the new texts are still people (the base's predictions were merged).
    assert {e for _, e in _found(nlp, new_texts, "PER")} >= set(PEOPLE)
    # Without rehearsal the new texts taught that those people are no entity.
    assert len({e for _, e in _found(forgot, new_texts, "PER")} & set(PEOPLE)) < 3
    assert result.base is not None and without.base is not None
    assert result.base["spans_merged_train"] >= 20 and without.base["spans_merged_train"] == 0
    assert 0 < result.base["rehearsal_examples"] <= 24


def test_the_model_records_its_base(data, tmp_path):
    nerkit.train(
        data["new"], None, tmp_path / "m", model="perceptron", overrides=FAST, base=data["base"]
    )
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    import hashlib

    digest = hashlib.sha256((data["base"] / "weights.safetensors").read_bytes()).hexdigest()
    assert meta["base"]["path"] == str(data["base"])
    assert meta["base"]["weights_sha256"] == digest
    assert meta["base"]["model"] == "perceptron.v1"
    # The base's hash_rows were taken although this run did not set them.
    cfg = nerkit.load(tmp_path / "m").recognizer.config()
    assert cfg["model"]["hash_rows"] == 4096


def test_base_predictions_merge_where_the_new_data_is_silent():
    class Fixed:
        labels = ("ORG", "PER")

        def predict_with_scores(self, docs):
            from nerkit.models import ScoredSpan
            from nerkit.tokens import Span

            return [
                [
                    ScoredSpan(Span.from_tokens(d, 0, 2, "PER"), 0.9),  # kept
                    ScoredSpan(Span.from_tokens(d, 3, 4, "ORG"), 0.2),  # unsure: unknown
                    ScoredSpan(Span.from_tokens(d, 5, 6, "ORG"), 0.9),  # overlaps gold: dropped
                ]
                for d in docs
            ]

    doc = Doc.from_words(["Anna", "Berg", "wore", "Acme", "and", "Gucci"])
    [ex], added = with_base_predictions(
        [Example(doc, [(24, 29, "BRAND")])], Fixed(), ["ORG", "PER"]
    )
    assert added == 1
    assert ex.spans == [(0, 9, "PER"), (24, 29, "BRAND")]
    assert ex.unknown == [(15, 19, "ORG")]
    # A base prediction over a name the new data gives a new label is not learned as the
    # old label (the base calls a brand ORG), in the new texts or in rehearsal texts.
    [silent], added = with_base_predictions([Example(doc, [])], Fixed(), ["ORG", "PER"], ["Gucci"])
    assert added == 1 and silent.spans == [(0, 9, "PER")]
    assert (24, 29, "ORG") in silent.unknown
    [reh] = rehearsal_examples([doc], Fixed(), new_names=["Gucci"])
    assert reh.spans == [(0, 9, "PER")]
    assert (15, 19, "ORG") in reh.unknown and (24, 29, "?") in reh.unknown
    assert (24, 29, "ORG") in reh.unknown


def test_a_base_of_another_type_is_refused(data, tmp_path):
    pytest.importorskip("torch")
    with pytest.raises(ModelError) as err:
        nerkit.train(data["new"], None, tmp_path / "m", model="neural", base=data["base"])
    assert err.value.code == "E341"


def test_a_base_that_is_no_model_is_refused(data, tmp_path):
    with pytest.raises(ModelError) as err:
        nerkit.train(data["new"], None, tmp_path / "m", model="perceptron", base=data["new"].parent)
    assert err.value.code == "E340"


def test_settings_the_base_cannot_continue_with_are_refused(data, tmp_path):
    with pytest.raises(ConfigError) as err:
        nerkit.train(
            data["new"], None, tmp_path / "m", model="perceptron",
            overrides=["model.hash_rows=8192"], base=data["base"],
        )  # fmt: skip
    assert err.value.code == "E342" and "hash_rows" in err.value.message


def test_rehearsal_texts_need_a_base_and_an_existing_file(data, tmp_path):
    with pytest.raises(ConfigError) as err:
        nerkit.train(data["new"], None, tmp_path / "m", model="perceptron", rehearse=["a text"])
    assert err.value.code == "E344"
    with pytest.raises(ConfigError) as err:
        nerkit.train(
            data["new"], None, tmp_path / "m", model="perceptron", overrides=FAST,
            base=data["base"], rehearse=[tmp_path / "missing.txt"],
        )  # fmt: skip
    assert err.value.code == "E343"


def test_neural_continues_from_a_neural_base(tmp_path):
    pytest.importorskip("torch")
    small = ["model.hash_rows=1024", "model.affix_rows=256", "model.hidden=16",
             "model.word_dim=16", "train.max_epochs=3", "train.threads=1"]  # fmt: skip
    d = tmp_path
    _write(d / "old.jsonl", [_old(i) for i in range(12)])
    _write(d / "new.jsonl", [_new(i) for i in range(12)])
    nerkit.train(d / "old.jsonl", None, d / "base", model="neural", overrides=small)
    result = nerkit.train(
        d / "new.jsonl", None, d / "m", model="neural", overrides=small, base=d / "base"
    )
    assert result.nlp.labels == ("BRAND", "LOC", "PER")
    assert nerkit.load(d / "m").labels == ("BRAND", "LOC", "PER")

"""The contract every recognizer passes. Subclass ``RecognizerContract`` and set ``model_name``
and ``settings`` (small and fast); see ``test_perceptron_contract.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from nerkit.corpus import Example
from nerkit.errors import LabelError
from nerkit.models import get_model_class
from nerkit.models.base import EntityRecognizer
from nerkit.tokens import Doc


def example(words: list[str], spans: list[tuple[int, int, str]]) -> Example:
    """An Example from words and token spans ``(start, end, label)``."""
    doc = Doc.from_words(words)
    return Example(
        doc, [(int(doc.starts[s]), int(doc.ends[e - 1]), label) for s, e, label in spans]
    )


TWO_SENTENCES = [
    example(
        ["Angela", "Merkel", "visited", "Paris", "on", "Monday", "."],
        [(0, 2, "PER"), (3, 4, "LOC")],
    ),
    example(
        ["Shares", "of", "Acme", "Corp", "rose", "in", "New", "York", "."],
        [(2, 4, "ORG"), (6, 8, "LOC")],
    ),
]


def char_spans(doc: Doc, spans: Any) -> list[tuple[int, int, str]]:
    return [(s.start_char, s.end_char, s.label) for s in spans]


class RecognizerContract:
    """Shared tests: overfit two sentences, disk round trip, edge-case docs, unseen labels."""

    model_name: ClassVar[str]
    settings: ClassVar[dict[str, Any]] = {}

    def make(self, **extra: Any) -> EntityRecognizer:
        return get_model_class(self.model_name)(**{**self.settings, **extra})

    @pytest.fixture(scope="class")
    @classmethod
    def trained(cls) -> EntityRecognizer:
        return get_model_class(cls.model_name)(**cls.settings).fit(TWO_SENTENCES)

    def test_is_a_recognizer(self, trained: EntityRecognizer) -> None:
        assert isinstance(trained, EntityRecognizer)
        assert set(trained.labels) == {"PER", "LOC", "ORG"}

    def test_overfits_two_sentences(self, trained: EntityRecognizer) -> None:
        predicted = trained.predict([ex.doc for ex in TWO_SENTENCES])
        for ex, spans in zip(TWO_SENTENCES, predicted):
            assert char_spans(ex.doc, spans) == sorted(ex.spans)
            assert all(s.doc is ex.doc for s in spans)

    def test_scores_are_probabilities(self, trained: EntityRecognizer) -> None:
        scored = trained.predict_with_scores([ex.doc for ex in TWO_SENTENCES])
        spans = [s for doc_spans in scored for s in doc_spans]
        assert len(spans) == 4
        assert all(0.0 < s.score <= 1.0 for s in spans)

    def test_round_trip_through_disk(self, trained: EntityRecognizer, tmp_path: Path) -> None:
        trained.to_disk(tmp_path)
        assert (tmp_path / "config.toml").exists() and (tmp_path / "labels.json").exists()
        assert not list(tmp_path.glob("*.pkl")) and not list(tmp_path.glob("*.pickle"))
        loaded = type(trained).from_disk(tmp_path)
        docs = [ex.doc for ex in TWO_SENTENCES] + [
            Doc.from_words("Merkel met Acme in York".split())
        ]
        assert loaded.labels == trained.labels
        for a, b in zip(trained.predict(docs), loaded.predict(docs)):
            assert char_spans(docs[0], a) == char_spans(docs[0], b)
        for a, b in zip(trained.predict_with_scores(docs), loaded.predict_with_scores(docs)):
            assert [s.score for s in a] == pytest.approx([s.score for s in b])

    def test_empty_doc(self, trained: EntityRecognizer) -> None:
        empty = Doc("", [], [])
        assert trained.predict([empty]) == [[]]
        assert trained.predict([]) == []
        assert trained.predict_with_scores([empty, empty]) == [[], []]

    def test_one_token_doc(self, trained: EntityRecognizer) -> None:
        doc = Doc.from_words(["Paris"])
        (spans,) = trained.predict([doc])
        assert all((s.start, s.end) == (0, 1) for s in spans)

    def test_long_doc(self, trained: EntityRecognizer) -> None:
        words = (["Angela", "Merkel", "visited", "Paris", "on", "Monday", "."] * 715)[:5000]
        doc = Doc.from_words(words)
        (spans,) = trained.predict([doc])
        assert all(0 <= s.start < s.end <= 5000 for s in spans)
        # Every whole repetition away from the document's edges gets the same entities.
        per_rep: dict[int, list[tuple[int, int, str]]] = {}
        for s in spans:
            per_rep.setdefault(s.start // 7, []).append((s.start % 7, s.end - s.start, s.label))
        middle = [per_rep.get(r, []) for r in range(2, 5000 // 7 - 2)]
        assert middle[0], "no entity found in a sentence the model was trained on"
        assert all(found == middle[0] for found in middle)
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))

    def test_unicode(self, trained: EntityRecognizer) -> None:
        doc = Doc.from_words(["Zoë", "Ñúñez", "visited", "東京", "🙂", "Ångström", "."])
        (spans,) = trained.predict([doc])
        for s in spans:
            assert s.text == doc.text[s.start_char : s.end_char]
        model = self.make().fit(
            [example(["Zoë", "Ñúñez", "visited", "東京", "."], [(0, 2, "PER"), (3, 4, "LOC")])]
        )
        (spans,) = model.predict([Doc.from_words(["Zoë", "Ñúñez", "visited", "東京", "."])])
        assert [(s.text, s.label) for s in spans] == [("Zoë Ñúñez", "PER"), ("東京", "LOC")]

    def test_batch_equals_one_by_one(self, trained: EntityRecognizer) -> None:
        docs = [ex.doc for ex in TWO_SENTENCES] + [Doc.from_words(["Paris", "."]), Doc("", [], [])]
        together = trained.predict(docs)
        alone = [trained.predict([d])[0] for d in docs]
        assert [char_spans(d, s) for d, s in zip(docs, together)] == [
            char_spans(d, s) for d, s in zip(docs, alone)
        ]

    def test_unseen_label_in_dev_is_an_error(self) -> None:
        dev = [example(["Bob", "runs"], [(0, 1, "ANIMAL")])]
        with pytest.raises(LabelError, match="ANIMAL"):
            self.make().fit(TWO_SENTENCES, dev)

    def test_unseen_label_against_declared_labels(self) -> None:
        with pytest.raises(LabelError, match="ORG"):
            self.make(labels=["PER", "LOC"]).fit(TWO_SENTENCES)

    def test_rejected_examples_are_not_learned(self) -> None:
        bad = example(["Angela", "Merkel"], [(0, 2, "ORG")])
        bad.answer = "reject"
        model = self.make().fit([*TWO_SENTENCES, bad])
        assert "ORG" in model.labels
        (spans,) = model.predict([TWO_SENTENCES[0].doc])
        assert [s.label for s in spans] == ["PER", "LOC"]

    def test_same_seed_same_model(self) -> None:
        docs = [ex.doc for ex in TWO_SENTENCES]
        a = self.make(seed=3).fit(TWO_SENTENCES).predict_with_scores(docs)
        b = self.make(seed=3).fit(TWO_SENTENCES).predict_with_scores(docs)
        assert [[(s.span.start, s.span.end, s.span.label, s.score) for s in d] for d in a] == [
            [(s.span.start, s.span.end, s.span.label, s.score) for s in d] for d in b
        ]

"""Recall on seen and unseen entities: the pure split, and what counts as annotated."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nerkit.scoring  # noqa: F401  (loads the submodules for sys.modules below)
from nerkit.corpus import Example
from nerkit.scoring import (
    annotated_entities,
    entity_key,
    recorded_train_data,
    score_spans,
    seen_unseen_recall,
)
from nerkit.tokens import Doc


def test_entity_key_lowercases_and_collapses_whitespace() -> None:
    assert entity_key("New  York\n") == entity_key("new york") == "new york"
    assert entity_key("NewYork") != entity_key("New York")


def test_split_on_a_hand_made_example() -> None:
    texts = ["Ann Lee met BOB in Oslo.", "Acme  Corp hired Zoe."]
    gold = [
        [(0, 7, "PER"), (12, 15, "PER"), (19, 23, "LOC")],
        [(0, 10, "ORG"), (17, 20, "PER")],
    ]
    pred = [
        [(0, 7, "PER"), (12, 15, "LOC"), (19, 23, "LOC")],  # BOB found with the wrong label
        [(0, 10, "ORG"), (17, 20, "PER"), (11, 16, "ORG")],  # one false positive, no effect
    ]
    # "ann lee" and "acme corp" (case and whitespace differ), "bob" with another label.
    seen = {"Ann Lee", "acme corp", "Bob"}
    split = seen_unseen_recall(texts, gold, pred, seen)
    assert (split.seen.found, split.seen.total) == (2, 3)  # Ann Lee, Acme Corp; not BOB
    assert (split.unseen.found, split.unseen.total) == (2, 2)  # Oslo, Zoe
    assert split.seen.recall == pytest.approx(2 / 3) and split.unseen.recall == 1.0
    per = split.per_label
    assert sorted(per) == ["LOC", "ORG", "PER"]
    assert (per["PER"].seen.found, per["PER"].seen.total) == (1, 2)
    assert (per["PER"].unseen.found, per["PER"].unseen.total) == (1, 1)
    assert (per["LOC"].seen.total, per["LOC"].unseen.total) == (0, 1)
    assert (per["ORG"].seen.found, per["ORG"].seen.total, per["ORG"].unseen.total) == (1, 1, 0)
    d = split.to_dict()
    assert d["seen"] == {"recall": pytest.approx(2 / 3), "found": 2, "total": 3}
    assert d["per_label"]["LOC"]["unseen"] == {"recall": 1.0, "found": 1, "total": 1}


def test_nothing_seen_and_everything_seen() -> None:
    texts, gold, pred = ["Ann met Bob"], [[(0, 3, "PER"), (8, 11, "PER")]], [[(0, 3, "PER")]]
    none = seen_unseen_recall(texts, gold, pred, seen=set())
    assert (none.seen.total, none.unseen.found, none.unseen.total) == (0, 1, 2)
    assert none.seen.recall == 0.0  # an empty group, like PRF's
    both = seen_unseen_recall(texts, gold, pred, seen=["ann", "BOB"])
    assert (both.seen.found, both.seen.total, both.unseen.total) == (1, 2, 0)


def test_a_prediction_matches_one_gold_span_at_most() -> None:
    # The same gold span twice (a duplicate in the data) and one prediction: one found.
    split = seen_unseen_recall(["Ann"], [[(0, 3, "PER"), (0, 3, "PER")]], [[(0, 3, "PER")]], {})
    assert (split.unseen.found, split.unseen.total) == (1, 2)


def test_different_lengths_are_an_error() -> None:
    with pytest.raises(ValueError, match="2 texts, 1 gold"):
        seen_unseen_recall(["a", "b"], [[]], [[], []], set())


spans = st.lists(
    st.tuples(st.integers(0, 5), st.integers(1, 4), st.sampled_from(["A", "B"])).map(
        lambda t: (t[0], t[0] + t[1], t[2])
    ),
    max_size=5,
)


@given(st.lists(st.tuples(spans, spans), min_size=1, max_size=4), st.sets(st.text("ab ")))
def test_found_adds_up_to_the_true_positives(pairs, seen) -> None:
    texts = ["abba ab ba"] * len(pairs)
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    split = seen_unseen_recall(texts, gold, pred, seen)
    scores = score_spans(gold, pred)
    assert split.seen.found + split.unseen.found == scores.micro.tp
    assert split.seen.total + split.unseen.total == scores.micro.support
    for label, prf in scores.per_label.items():
        if prf.support:
            groups = split.per_label[label]
            assert groups.seen.found + groups.unseen.found == prf.tp


def _example(text: str, spans: list[tuple[int, int, str]], **kw) -> Example:
    return Example(Doc.from_words(text.split()), spans, **kw)


def test_annotated_entities_counts_accepted_spans_only() -> None:
    examples = [
        _example("Ann Lee met Bob", [(0, 7, "PER"), (12, 15, "PER")]),
        _example("Oslo is cold", [(0, 4, "LOC")], answer="reject"),  # complete, rejected
        _example("Acme hired Zoe", [(0, 4, "ORG")], kind="binary"),  # accepted binary span
        _example("Paris or Rome", [(0, 5, "ORG")], answer="reject", kind="binary"),
        _example("Lima is far", [(0, 4, "LOC")], answer="ignore"),
    ]
    assert annotated_entities(examples) == {"ann lee", "bob", "acme"}


def test_recorded_train_data(tmp_path) -> None:
    import hashlib

    data = tmp_path / "train.jsonl"
    data.write_text('{"text": "Ann", "spans": []}\n')
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    meta = {"train_data": {"path": str(data), "sha256": digest}}
    path, note = recorded_train_data(meta)
    assert path == data and "the model's training data" in note and "dev split" not in note
    path, note = recorded_train_data({**meta, "dev_data": {"split": 0.2}})
    assert path == data and "20% dev split" in note
    path, note = recorded_train_data({"train_data": {"path": str(data), "sha256": None}})
    assert path is None and "no hash" in note
    path, note = recorded_train_data({"train_data": {"path": "db:posts", "sha256": None}})
    assert path is None and "not a file" in note
    data.write_text('{"text": "Bob", "spans": []}\n')
    path, note = recorded_train_data(meta)
    assert path is None and "has changed" in note
    path, note = recorded_train_data({"train_data": None})
    assert path is None and "records no training data" in note

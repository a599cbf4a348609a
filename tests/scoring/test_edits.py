"""Decisions an annotator takes to turn pre-filled spans into gold, one kind at a time."""

from __future__ import annotations

from nerkit.scoring.edits import BINARY_ANSWER, Decisions, correction, from_scratch

GOLD = [(0, 5, "PER"), (10, 16, "ORG")]


def test_right_predictions_cost_only_the_accept() -> None:
    d = correction(GOLD, GOLD)
    assert d == Decisions(accepted=1)
    assert (d.span_edits, d.total) == (0, 1)


def test_from_scratch_adds_each_gold_span_once() -> None:
    assert from_scratch(GOLD) == Decisions(added=2, accepted=1)
    assert from_scratch([*GOLD, GOLD[0]]).added == 2  # a repeated span is one entity
    assert from_scratch([]) == Decisions(accepted=1)  # a text without entities: accept it


def test_a_missed_entity_is_added() -> None:
    assert correction([GOLD[0]], GOLD) == Decisions(added=1, accepted=1)


def test_a_wrong_prediction_is_removed() -> None:
    d = correction([*GOLD, (20, 24, "LOC")], GOLD)
    assert d == Decisions(removed=1, accepted=1)


def test_wrong_boundaries_with_the_right_label_are_one_resize() -> None:
    d = correction([(0, 3, "PER"), (8, 16, "ORG")], GOLD)
    assert d == Decisions(resized=2, accepted=1)


def test_right_boundaries_with_another_label_are_one_relabel() -> None:
    d = correction([(0, 5, "ORG"), (10, 16, "ORG")], GOLD)
    assert d == Decisions(relabelled=1, accepted=1)


def test_other_label_and_other_boundaries_are_a_removal_and_an_addition() -> None:
    d = correction([(0, 3, "LOC"), (10, 16, "ORG")], GOLD)
    assert d == Decisions(removed=1, added=1, accepted=1)
    assert d.span_edits == 2


def test_one_prediction_over_two_entities_fixes_one_and_adds_the_other() -> None:
    gold = [(0, 5, "PER"), (6, 11, "PER")]
    d = correction([(0, 11, "PER")], gold)
    assert d == Decisions(resized=1, added=1, accepted=1)


def test_each_prediction_is_fixed_into_at_most_one_entity() -> None:
    # Two predictions overlap one entity: the larger overlap is resized, the other removed.
    d = correction([(0, 4, "PER"), (3, 9, "PER")], [(2, 9, "PER")])
    assert d == Decisions(resized=1, removed=1, accepted=1)


def test_decisions_add_up() -> None:
    total = from_scratch(GOLD) + correction([(0, 3, "PER")], GOLD) + BINARY_ANSWER
    assert total == Decisions(added=3, resized=1, accepted=2, answered=1)
    assert total.total == 7

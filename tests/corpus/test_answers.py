"""Binary and complete answers: which are gold, which train, and how answers on a text merge."""

from __future__ import annotations

from nerkit.corpus import Example, accepted, merge_answers, trainable
from nerkit.tokens import Doc

DOC = Doc.from_words(
    ["Ann", "met", "Bob", "Lee", "in", "Oslo"]
)  # Ann 0-3, Bob Lee 8-15, Oslo 19-23


def binary(spans, answer="accept", doc=DOC):
    return Example(doc, spans, answer=answer, kind="binary")


def test_only_complete_accepted_answers_are_gold_but_binary_rejects_train():
    complete = Example(DOC, [(0, 3, "PER")])
    rejected_complete = Example(DOC, [(0, 3, "PER")], answer="reject")
    yes, no = binary([(0, 3, "PER")]), binary([(0, 3, "LOC")], "reject")
    empty_binary = binary([])
    ignored = binary([(0, 3, "PER")], "ignore")
    data = [complete, rejected_complete, yes, no, empty_binary, ignored]
    assert accepted(data) == [complete]
    assert trainable(data) == [complete, yes, no]


def test_binary_answers_on_one_text_merge_into_one_partial_target():
    [target] = merge_answers(
        [binary([(0, 3, "PER")]), binary([(19, 23, "PER")], "reject"), binary([(8, 15, "PER")])]
    )
    assert not target.complete
    assert target.entities == [(0, 3, "PER"), (8, 15, "PER")]
    assert target.rejected == [(19, 23, "PER")]


def test_a_later_answer_wins_a_disagreement():
    # Accepted, then rejected: the span is not an entity; and the other way round.
    [t1] = merge_answers([binary([(0, 3, "PER")]), binary([(0, 3, "PER")], "reject")])
    assert (t1.entities, t1.rejected) == ([], [(0, 3, "PER")])
    [t2] = merge_answers([binary([(0, 3, "PER")], "reject"), binary([(0, 3, "PER")])])
    assert (t2.entities, t2.rejected) == ([(0, 3, "PER")], [])
    # Overlapping accepts: the later boundary stands.
    [t3] = merge_answers([binary([(8, 11, "PER")]), binary([(8, 15, "PER")])])
    assert t3.entities == [(8, 15, "PER")]


def test_a_complete_answer_overrides_binary_ones_on_the_same_text():
    full = Example(DOC, [(0, 3, "PER"), (19, 23, "LOC")])
    other = Example(Doc.from_words(["Ann", "smiled"]), [(0, 3, "PER")])
    targets = merge_answers(
        [binary([(8, 15, "PER")]), full, binary([(19, 23, "LOC")], "reject"), other]
    )
    assert [t.doc.text for t in targets] == [DOC.text, "Ann smiled"]
    assert targets[0].complete and targets[0].entities == [(0, 3, "PER"), (19, 23, "LOC")]
    assert targets[0].rejected == []


def test_complete_answers_stay_one_target_each_in_order():
    # A file that repeats a text (CoNLL-2003 repeats short lines) trains on each copy.
    a, b = Example(DOC, [(0, 3, "PER")]), Example(Doc.from_words(["Ann", "smiled"]), [])
    targets = merge_answers([a, b, a, binary([(0, 3, "PER")], doc=b.doc)])
    assert [t.doc.text for t in targets] == [DOC.text, "Ann smiled", DOC.text]
    assert all(t.complete for t in targets)

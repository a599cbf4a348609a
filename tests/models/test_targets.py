"""Token targets: unknown tokens, rejected spans, the alignment report, and both models'
learning from partial answers (partial-label CRF, the perceptron's constrained update)."""

from __future__ import annotations

import numpy as np
import pytest

from nerkit.corpus import Example
from nerkit.models.perceptron import PerceptronRecognizer
from nerkit.models.perceptron.learn import feasible_tags
from nerkit.models.tagset import TagSet
from nerkit.models.targets import UNKNOWN, alignment_report, token_targets
from nerkit.tokens import Doc

TAGSET = TagSet(("LOC", "PER"))  # O, B/I/L/U-LOC = 1..4, B/I/L/U-PER = 5..8
DOC = Doc.from_words(
    ["Ann", "met", "Bob", "Lee", "in", "Oslo"]
)  # Ann 0-3, Bob Lee 8-15, Oslo 19-23


def test_complete_answer_tags_every_token():
    [t] = token_targets([Example(DOC, [(0, 3, "PER"), (8, 15, "PER")])], TAGSET)
    assert t.tags.tolist() == [8, 0, 5, 7, 0, 0]
    assert t.complete and t.rejected == []


def test_unknown_ranges_of_a_complete_answer_are_unknown_not_o():
    # "Bob Lee" unknown (a base model unsure of it); an entity inside the range stays known.
    ex = Example(DOC, [(0, 3, "PER")], unknown=[(8, 15, "ORG"), (0, 3, "ORG")])
    [t] = token_targets([ex], TAGSET)
    assert t.tags.tolist() == [8, 0, UNKNOWN, UNKNOWN, 0, 0]
    assert not t.complete


def test_binary_answers_leave_the_rest_unknown_and_keep_rejects():
    answers = [
        Example(DOC, [(8, 15, "PER")], kind="binary"),
        Example(DOC, [(19, 23, "PER")], answer="reject", kind="binary"),
    ]
    [t] = token_targets(answers, TAGSET)
    assert t.tags.tolist() == [UNKNOWN, UNKNOWN, 5, 7, UNKNOWN, UNKNOWN]
    assert t.rejected == [(5, 6, "PER")]
    assert t.rejected_tags(TAGSET) == [(5, [8])]
    assert not t.complete


def test_misaligned_gold_leaves_its_tokens_unknown_never_o_and_is_reported():
    doc = Doc.from_words(["RTX3080", "for", "$500"])  # "3080" is inside the first token
    ex = Example(doc, [(3, 7, "LOC"), (12, 16, "PER")])
    [t] = token_targets([ex], TAGSET)
    assert t.tags.tolist() == [UNKNOWN, 0, 8]
    report = alignment_report([ex])
    assert (report.spans, report.misaligned) == (2, 1)
    assert "'3080' (LOC)" in str(report) and "1 of 2 gold spans" in str(report)
    assert "all 1 gold spans" in str(alignment_report([Example(doc, [(12, 16, "PER")])]))


def test_feasible_tags_look_ahead_to_the_known_tags():
    # Token 1 is B-PER, so token 0 must be something a B may follow (O, L-, U-), and the
    # last token, unknown, must close the entity (L-PER).
    gold = np.array([UNKNOWN, 5, UNKNOWN])
    ok = feasible_tags(gold, TAGSET)
    names = [[TAGSET.names[j] for j in np.flatnonzero(row)] for row in ok]
    assert names[1] == ["B-PER"]
    # Feasibility looks ahead only; what the previous tag allows is checked when stepping.
    assert names[2] == ["O", "L-LOC", "U-LOC", "L-PER", "U-PER"]
    assert names[0] == ["O", "L-LOC", "U-LOC", "L-PER", "U-PER"]  # a B- may follow these
    assert feasible_tags(np.array([UNKNOWN, UNKNOWN]), TAGSET)[1].tolist() == [
        TAGSET.last_penalty[j] == 0 for j in range(TAGSET.n_tags)
    ]


def _perceptron(examples) -> PerceptronRecognizer:
    return PerceptronRecognizer(hash_rows=2**12, ensemble=1, max_epochs=10).fit(examples)


def test_perceptron_constrained_update_fixes_only_what_the_answers_rule_out():
    base = _perceptron([Example(DOC, [(0, 3, "PER"), (8, 15, "PER")])])
    before = base.weights_.copy()
    # An answer that agrees with what the model predicts changes nothing.
    assert base.update([Example(DOC, [(8, 15, "PER")], kind="binary")]) == 0
    assert np.array_equal(base.weights_, before)
    # Rejecting a span the model predicts moves the weights until it is no longer predicted.
    rejected = Example(DOC, [(0, 3, "PER")], answer="reject", kind="binary")
    for _ in range(20):
        if base.update([rejected]) == 0:
            break
    spans = [(s.start_char, s.end_char, s.label) for s in base.predict([DOC])[0]]
    assert (0, 3, "PER") not in spans
    assert (8, 15, "PER") in spans  # the unknown rest was not taught to be O


@pytest.mark.parametrize("model", ["perceptron", "neural"])
def test_training_on_binary_answers_alone_finds_the_accepted_entities(model):
    if model == "neural":
        pytest.importorskip("torch")
        from nerkit.models.neural import NeuralRecognizer

        rec = NeuralRecognizer(hash_rows=1024, affix_rows=256, max_epochs=40, threads=1)
    else:
        rec = PerceptronRecognizer(hash_rows=2**12, ensemble=1, max_epochs=20)
    docs = [Doc.from_words(w.split()) for w in ("Ann lives in Oslo", "Bob flew to Rome")]
    answers = [
        Example(docs[0], [(13, 17, "LOC")], kind="binary"),
        Example(docs[0], [(0, 3, "LOC")], answer="reject", kind="binary"),
        Example(docs[1], [(12, 16, "LOC")], kind="binary"),
        Example(docs[1], [(0, 3, "LOC")], answer="reject", kind="binary"),
    ]
    rec.fit(answers)
    found = [{(s.start_char, s.end_char, s.label) for s in spans} for spans in rec.predict(docs)]
    assert (13, 17, "LOC") in found[0] and (12, 16, "LOC") in found[1]
    assert (0, 3, "LOC") not in found[0] and (0, 3, "LOC") not in found[1]


def test_perceptron_unlearns_a_rejected_entity_of_several_tokens():
    # Trained to find "Ann met" (a wrong boundary); the rejected span must stop being found.
    model = _perceptron([Example(DOC, [(0, 7, "PER"), (8, 15, "PER")])])
    assert (0, 7, "PER") in {(s.start_char, s.end_char, s.label) for s in model.predict([DOC])[0]}
    rejected = Example(DOC, [(0, 7, "PER")], answer="reject", kind="binary")
    for _ in range(20):
        if model.update([rejected]) == 0:
            break
    found = {(s.start_char, s.end_char, s.label) for s in model.predict([DOC])[0]}
    assert (0, 7, "PER") not in found and (8, 15, "PER") in found

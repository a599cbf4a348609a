"""Our exact-match scores equal seqeval's strict IOB2 scores on a real CoNLL-2003 test prediction."""

from pathlib import Path

import pytest

from nerkit.corpus import read
from nerkit.models.perceptron import PerceptronRecognizer
from nerkit.scoring import score_spans
from nerkit.tokens import spans_to_tags

CONLL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "conll2003"
pytestmark = pytest.mark.skipif(
    not (CONLL / "test.txt").exists(), reason=f"CoNLL-2003 not found at {CONLL}"
)


def test_scores_equal_seqeval_strict_on_conll2003_test():
    seqeval = pytest.importorskip("seqeval.metrics")
    from seqeval.scheme import IOB2

    train = read(CONLL / "train.txt")[:3000]
    test = read(CONLL / "test.txt")
    # A small, quickly trained model: a real prediction with real mistakes to score.
    model = PerceptronRecognizer(max_epochs=2, ensemble=1, hash_rows=2**20).fit(train)
    docs = [ex.doc for ex in test]
    predicted = model.predict(docs)

    gold_tokens, pred_tokens, gold_tags, pred_tags = [], [], [], []
    for ex, spans in zip(test, predicted):
        aligned, misaligned = ex.aligned()
        assert not misaligned
        gold = [(s.start, s.end, s.label) for s in aligned]
        pred = [(s.start, s.end, s.label) for s in spans]
        gold_tokens.append(gold)
        pred_tokens.append(pred)
        gold_tags.append(spans_to_tags(gold, len(ex.doc), "IOB2"))
        pred_tags.append(spans_to_tags(pred, len(ex.doc), "IOB2"))

    ours = score_spans(gold_tokens, pred_tokens)
    kw = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    assert 0.3 < ours.f1 < 0.99  # a real prediction: neither trivial nor perfect
    assert ours.precision == pytest.approx(seqeval.precision_score(gold_tags, pred_tags, **kw))
    assert ours.recall == pytest.approx(seqeval.recall_score(gold_tags, pred_tags, **kw))
    assert ours.f1 == pytest.approx(seqeval.f1_score(gold_tags, pred_tags, **kw))
    report = seqeval.classification_report(gold_tags, pred_tags, output_dict=True, **kw)
    for label, prf in ours.per_label.items():
        assert prf.precision == pytest.approx(report[label]["precision"])
        assert prf.recall == pytest.approx(report[label]["recall"])
        assert prf.f1 == pytest.approx(report[label]["f1-score"])
        assert prf.support == report[label]["support"]
    assert ours.macro_f1 == pytest.approx(report["macro avg"]["f1-score"])
    # Scoring character spans (what `nerkit evaluate` does) gives the same numbers.
    char_gold = [ex.spans for ex in test]
    char_pred = [[(s.start_char, s.end_char, s.label) for s in spans] for spans in predicted]
    assert score_spans(char_gold, char_pred).f1 == pytest.approx(ours.f1)

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2

from nerkit.scoring import score_spans
from nerkit.tokens import spans_to_tags, tags_to_spans

# seqeval averages empty arrays when a label has no predictions; that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@st.composite
def sentence_pairs(draw):
    """(gold spans, predicted spans, length) for one sentence; predictions near the gold."""
    n = draw(st.integers(1, 15))
    labels = st.sampled_from(["PER", "LOC", "ORG"])

    def spans():
        out, pos = [], 0
        while pos < n:
            if draw(st.booleans()):
                length = draw(st.integers(1, min(3, n - pos)))
                out.append((pos, pos + length, draw(labels)))
                pos += length
            pos += draw(st.integers(1, 2))
        return out

    return spans(), spans(), n


def seqeval_scores(gold_tags, pred_tags):
    kw = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    report = classification_report(gold_tags, pred_tags, output_dict=True, **kw)
    return (
        precision_score(gold_tags, pred_tags, **kw),
        recall_score(gold_tags, pred_tags, **kw),
        f1_score(gold_tags, pred_tags, **kw),
        report,
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(sentence_pairs(), min_size=1, max_size=8))
def test_equals_seqeval_strict_iob2(sentences):
    gold_tags = [spans_to_tags(g, n, "IOB2") for g, _, n in sentences]
    pred_tags = [spans_to_tags(p, n, "IOB2") for _, p, n in sentences]
    p, r, f, report = seqeval_scores(gold_tags, pred_tags)
    ours = score_spans(
        [tags_to_spans(t, "IOB2") for t in gold_tags], [tags_to_spans(t, "IOB2") for t in pred_tags]
    )
    assert ours.precision == pytest.approx(p)
    assert ours.recall == pytest.approx(r)
    assert ours.f1 == pytest.approx(f)
    for label, prf in ours.per_label.items():
        assert prf.f1 == pytest.approx(report[label]["f1-score"])
        assert prf.support == report[label]["support"]
    if ours.per_label:
        assert ours.macro_f1 == pytest.approx(report["macro avg"]["f1-score"])


def test_known_values():
    gold = [[(0, 2, "PER"), (3, 4, "LOC")], [(1, 2, "ORG")]]
    pred = [[(0, 2, "PER"), (3, 5, "LOC")], [(1, 2, "ORG"), (4, 5, "ORG")]]
    s = score_spans(gold, pred)
    assert (s.micro.tp, s.micro.fp, s.micro.fn) == (2, 2, 1)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(2 / 3)
    assert s.per_label["LOC"].f1 == 0.0 and s.per_label["PER"].f1 == 1.0
    assert s.per_label["ORG"].precision == pytest.approx(0.5)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 gold examples but 1"):
        score_spans([[], []], [[]])

"""The report's pure parts: error types, bootstrap intervals and the paired test, calibration
bins, length groups."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerkit.scoring import score_spans
from nerkit.scoring.bootstrap import bootstrap_scores, doc_counts, paired_bootstrap
from nerkit.scoring.buckets import DOC_EDGES, bucket_name, bucket_order, scores_by_group
from nerkit.scoring.calibration import expected_calibration_error, reliability
from nerkit.scoring.error_types import TYPES, classify, classify_all, confusion, type_counts

LABELS = st.sampled_from(["PER", "LOC", "ORG"])


@st.composite
def doc_spans(draw, max_len: int = 30):
    """Possibly overlapping character spans of one document."""
    out = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, max_len - 1))
        out.append((start, draw(st.integers(start + 1, max_len)), draw(LABELS)))
    return out


@st.composite
def corpora(draw):
    """(gold, pred): per document, gold spans and predictions near them."""
    n = draw(st.integers(1, 8))
    gold = [draw(doc_spans()) for _ in range(n)]
    pred = []
    for spans in gold:
        kept = [s for s in spans if draw(st.booleans())]
        moved = [(s, e + draw(st.integers(0, 1)), draw(LABELS)) for s, e, _ in spans]
        pred.append(kept + [m for m in moved if draw(st.booleans())] + draw(doc_spans()))
    return gold, pred


@settings(max_examples=200, deadline=None)
@given(doc_spans(), doc_spans())
def test_error_types_partition_gold_and_predicted_entities(gold, pred) -> None:
    outcomes = classify(gold, pred)
    assert sorted(o.gold for o in outcomes if o.gold) == sorted(gold)
    assert sorted(o.pred for o in outcomes if o.pred) == sorted(pred)
    assert {o.type for o in outcomes} <= set(TYPES)
    for o in outcomes:
        assert (o.gold is None) == (o.type == "spurious")
        assert (o.pred is None) == (o.type == "missed")
    counts = type_counts([outcomes])
    assert counts["correct"] == score_spans([gold], [pred]).micro.tp
    assert sum(confusion([outcomes]).values()) == len(outcomes)


def test_each_error_type() -> None:
    gold = [(0, 5, "PER"), (10, 15, "LOC"), (20, 25, "ORG"), (30, 35, "PER"), (40, 45, "LOC")]
    pred = [(0, 5, "PER"), (10, 15, "ORG"), (19, 25, "ORG"), (30, 33, "LOC"), (50, 52, "PER")]
    got = [(o.type, o.gold, o.pred) for o in classify(gold, pred)]
    assert got == [
        ("correct", (0, 5, "PER"), (0, 5, "PER")),
        ("label", (10, 15, "LOC"), (10, 15, "ORG")),
        ("boundary", (20, 25, "ORG"), (19, 25, "ORG")),
        ("label_boundary", (30, 35, "PER"), (30, 33, "LOC")),
        ("missed", (40, 45, "LOC"), None),
        ("spurious", None, (50, 52, "PER")),
    ]
    matrix = confusion(classify_all([gold], [pred]))
    assert matrix[("LOC", "none")] == 1 and matrix[("none", "PER")] == 1
    assert matrix[("PER", "PER")] == 1 and matrix[("LOC", "ORG")] == 1


def test_an_exact_match_wins_over_an_overlap() -> None:
    # The prediction (0, 5) overlaps both gold spans; it is the correct one's pair.
    outcomes = classify([(0, 5, "PER"), (3, 8, "PER")], [(0, 5, "PER")])
    assert [o.type for o in outcomes] == ["correct", "missed"]


@settings(max_examples=100, deadline=None)
@given(corpora(), st.integers(0, 2**16))
def test_bootstrap_intervals_hold_the_point_estimate(corpus, seed) -> None:
    gold, pred = corpus
    labels, counts = doc_counts(gold, pred)
    ci = bootstrap_scores(counts, labels, n=200, seed=seed)
    scores = score_spans(gold, pred)
    assert ci.micro["f1"].value == pytest.approx(scores.f1)
    assert ci.macro_f1.value == pytest.approx(scores.macro_f1)
    for label, prf in scores.per_label.items():
        assert ci.per_label[label]["recall"].value == pytest.approx(prf.recall)
    for interval in [*ci.micro.values(), ci.macro_f1]:
        assert 0 <= interval.low <= interval.high <= 1
        assert interval.low - 1e-12 <= interval.value <= interval.high + 1e-12


def test_the_bootstrap_is_seeded() -> None:
    gold = [[(0, 3, "PER")], [(0, 3, "LOC")], [(0, 3, "PER"), (5, 7, "ORG")], []]
    pred = [[(0, 3, "PER")], [(0, 3, "PER")], [(0, 3, "PER")], [(1, 2, "ORG")]]
    labels, counts = doc_counts(gold, pred)
    assert counts.sum(axis=(0, 1)).tolist() == [2, 2, 2]
    counts = np.concatenate([counts] * 5)  # 20 documents: intervals narrower than 0..1
    a = bootstrap_scores(counts, labels, n=300, seed=3)
    assert a == bootstrap_scores(counts, labels, n=300, seed=3)
    assert a != bootstrap_scores(counts, labels, n=300, seed=4)


@settings(max_examples=50, deadline=None)
@given(corpora(), st.integers(0, 2**16))
def test_a_model_against_itself_differs_by_nothing(corpus, seed) -> None:
    gold, pred = corpus
    _, counts = doc_counts(gold, pred)
    test = paired_bootstrap(counts, counts, n=100, seed=seed)
    assert test.difference.value == test.difference.low == test.difference.high == 0
    assert test.a_wins == test.b_wins == 0 and not test.supported


def test_a_better_model_wins_the_paired_test() -> None:
    gold = [[(0, 3, "PER"), (4, 8, "LOC")] for _ in range(40)]
    good = [list(spans) for spans in gold]
    bad = [spans[:1] if i % 2 else [] for i, spans in enumerate(gold)]
    _, a = doc_counts(gold, bad, ["LOC", "PER"])
    _, b = doc_counts(gold, good, ["LOC", "PER"])
    test = paired_bootstrap(a, b, n=500, seed=1)
    assert test.f1_b == 1.0 and test.difference.value == pytest.approx(1 - test.f1_a)
    assert test.supported and test.b_wins == 1.0 and test.a_wins == 0.0


def test_bootstrap_is_fast_on_many_documents() -> None:
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 4, size=(20_000, 8, 3))
    import time

    start = time.perf_counter()
    bootstrap_scores(counts, [f"L{i}" for i in range(8)], n=1000, seed=0)
    assert time.perf_counter() - start < 10


def test_reliability_bins() -> None:
    bins = reliability([0.0, 0.05, 0.5, 1.0, 1.0], [False, False, True, True, False], 10)
    assert [b.count for b in bins] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bins[-1].accuracy == 0.5 and bins[-1].mean_score == 1.0
    assert expected_calibration_error(bins) == pytest.approx((2 * 0.025 + 0.5 + 2 * 0.5) / 5)
    assert expected_calibration_error(reliability([], [])) == 0.0
    perfect = reliability([1.0] * 3 + [0.0] * 2, [True] * 3 + [False] * 2)
    assert expected_calibration_error(perfect) == 0.0
    with pytest.raises(ValueError):
        reliability([0.5], [])


def test_threshold_curve() -> None:
    from nerkit.scoring.calibration import threshold_curve

    curve = threshold_curve([0.95, 0.85, 0.6, 0.2], [True, True, False, True], n_gold=4, steps=10)
    by_t = {round(p.threshold, 1): p for p in curve}
    assert (by_t[0.0].kept, by_t[0.0].precision, by_t[0.0].recall) == (4, 0.75, 0.75)
    assert (by_t[0.7].kept, by_t[0.7].precision, by_t[0.7].recall) == (2, 1.0, 0.5)
    assert by_t[0.9].kept == 1 and by_t[0.9].recall == 0.25
    assert threshold_curve([], [], 3)[0].f1 == 0.0


def test_length_groups() -> None:
    assert [bucket_name(n, (1, 2, 3, 4)) for n in (1, 2, 4, 5, 9)] == ["1", "2", "4", "5+", "5+"]
    assert bucket_order(DOC_EDGES) == ["1-10", "11-25", "26-50", "51-100", "101-250",
                                       "251-500", "501+"]  # fmt: skip
    gold = [[(0, 3, "PER")], [(0, 9, "LOC")]]
    pred = [[(0, 3, "PER")], [(0, 9, "ORG")]]
    by_doc = scores_by_group(gold, pred, lambda i, span: ["short", "long"][i])
    assert by_doc["short"].f1 == 1.0 and by_doc["long"].f1 == 0.0

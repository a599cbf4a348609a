"""Checks that a recognizer honours the contract of :mod:`nerkit.models.base`, for the
built-in models and for a model written outside nerkit (as scikit-learn's
``check_estimator`` does for estimators).

Each check is a plain function ``check(make, trained)``: ``make(**settings)`` builds a fresh,
unfitted model (small and fast settings; the checks add ``labels`` and ``seed``), ``trained``
is ``make()`` fitted on :data:`TWO_SENTENCES`. A check raises ``AssertionError`` saying what
broke. :func:`check_recognizer` runs them all; a test suite can parametrize over
:data:`CHECKS` instead (see ``tests/models/contract.py``).

Example:
    >>> from nerkit.models import get_model_class
    >>> make = lambda **kw: get_model_class("perceptron")(hash_rows=2**14, max_epochs=20, **kw)
    >>> ran = check_recognizer(make)
    >>> len(ran) == len(CHECKS), "check_overfits_two_sentences" in ran
    (True, True)
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus.example import Example
from ..errors import LabelError
from ..tokens import Doc, Span
from .base import EntityRecognizer, LearnsOnline, ScoresTokens

Make = Callable[..., EntityRecognizer]
Check = Callable[[Make, EntityRecognizer], None]


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


def _expect(condition: object, message: object) -> None:
    """Raise ``AssertionError(message)`` unless ``condition``: a bare ``assert`` would pass
    silently under ``python -O``."""
    if not condition:
        raise AssertionError(message)


def char_spans(spans: Sequence[Span]) -> list[tuple[int, int, str]]:
    return [(s.start_char, s.end_char, s.label) for s in spans]


def check_is_a_recognizer(make: Make, trained: EntityRecognizer) -> None:
    _expect(isinstance(trained, EntityRecognizer), "not an EntityRecognizer")
    _expect(set(trained.labels) == {"PER", "LOC", "ORG"}, f"labels {trained.labels}")
    _expect(isinstance(trained.name, str) and trained.name, "no registry name")
    config = trained.config()
    _expect(config["model"]["labels"] == list(trained.labels), "config() lacks the labels")
    _expect(isinstance(trained.history_, list), "history_ is not a list")


def check_overfits_two_sentences(make: Make, trained: EntityRecognizer) -> None:
    predicted = trained.predict([ex.doc for ex in TWO_SENTENCES])
    for ex, spans in zip(TWO_SENTENCES, predicted):
        _expect(char_spans(spans) == sorted(ex.spans), f"{ex.text!r}: {char_spans(spans)}")
        _expect(all(s.doc is ex.doc for s in spans), "a span points at another Doc")


def check_scores_are_probabilities(make: Make, trained: EntityRecognizer) -> None:
    scored = trained.predict_with_scores([ex.doc for ex in TWO_SENTENCES])
    spans = [s for doc_spans in scored for s in doc_spans]
    _expect(len(spans) == 4, f"{len(spans)} scored spans, not 4")
    _expect(all(0.0 < s.score <= 1.0 for s in spans), [s.score for s in spans])
    plain = trained.predict([ex.doc for ex in TWO_SENTENCES])
    _expect([[s.span for s in d] for d in scored] == plain, "scored spans differ from predict")


def check_round_trip_through_disk(make: Make, trained: EntityRecognizer) -> None:
    docs = [ex.doc for ex in TWO_SENTENCES] + [Doc.from_words("Merkel met Acme in York".split())]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        trained.to_disk(path)
        _expect(
            (path / "config.toml").exists() and (path / "labels.json").exists(),
            "to_disk wrote no config.toml or labels.json",
        )
        _expect(not list(path.glob("*.pkl")) and (not list(path.glob("*.pickle"))), "a pickle")
        loaded = type(trained).from_disk(path)
    _expect(loaded.labels == trained.labels, "the loaded model has other labels")
    for a, b in zip(trained.predict(docs), loaded.predict(docs)):
        _expect(char_spans(a) == char_spans(b), "the loaded model predicts otherwise")
    for a2, b2 in zip(trained.predict_with_scores(docs), loaded.predict_with_scores(docs)):
        _expect(
            all((math.isclose(x.score, y.score, abs_tol=1e-06) for x, y in zip(a2, b2))),
            "the loaded model scores otherwise",
        )


def check_empty_and_one_token_docs(make: Make, trained: EntityRecognizer) -> None:
    empty = Doc("", [], [])
    _expect(trained.predict([empty]) == [[]], "an empty doc got entities")
    _expect(trained.predict([]) == [], "no docs did not give no results")
    _expect(
        trained.predict_with_scores([empty, empty]) == [[], []],
        "empty docs got scored entities",
    )
    (spans,) = trained.predict([Doc.from_words(["Paris"])])
    _expect(
        all((s.start, s.end) == (0, 1) for s in spans),
        "a span beyond a one-token doc",
    )


def check_long_doc(make: Make, trained: EntityRecognizer) -> None:
    words = (["Angela", "Merkel", "visited", "Paris", "on", "Monday", "."] * 715)[:5000]
    (spans,) = trained.predict([Doc.from_words(words)])
    _expect(
        all(0 <= s.start < s.end <= 5000 for s in spans),
        "a span outside the doc",
    )
    _expect(all((a.end <= b.start for a, b in zip(spans, spans[1:]))), "overlapping spans")
    # Every whole repetition away from the document's edges gets the same entities.
    per_rep: dict[int, list[tuple[int, int, str]]] = {}
    for s in spans:
        per_rep.setdefault(s.start // 7, []).append((s.start % 7, s.end - s.start, s.label))
    middle = [per_rep.get(r, []) for r in range(2, 5000 // 7 - 2)]
    _expect(middle[0], "no entity found in a sentence the model was trained on")
    _expect(all(found == middle[0] for found in middle), "repetitions get different entities")


def check_unicode(make: Make, trained: EntityRecognizer) -> None:
    doc = Doc.from_words(["Zoë", "Ñúñez", "visited", "東京", "🙂", "Ångström", "."])
    (spans,) = trained.predict([doc])
    _expect(
        all(s.text == doc.text[s.start_char : s.end_char] for s in spans),
        "a span's text is not its characters",
    )
    words = ["Zoë", "Ñúñez", "visited", "東京", "."]
    model = make().fit([example(words, [(0, 2, "PER"), (3, 4, "LOC")])])
    (spans,) = model.predict([Doc.from_words(words)])
    _expect(
        [(s.text, s.label) for s in spans] == [("Zoë Ñúñez", "PER"), ("東京", "LOC")],
        f"non-ASCII names not learned: {[(s.text, s.label) for s in spans]}",
    )


def check_batch_equals_one_by_one(make: Make, trained: EntityRecognizer) -> None:
    docs = [ex.doc for ex in TWO_SENTENCES] + [Doc.from_words(["Paris", "."]), Doc("", [], [])]
    together = trained.predict(docs)
    alone = [trained.predict([d])[0] for d in docs]
    _expect(
        [char_spans(s) for s in together] == [char_spans(s) for s in alone],
        "a doc predicted in a batch differs from alone",
    )


def _raises_label_error(fit: Callable[[], Any], label: str) -> None:
    try:
        fit()
    except LabelError as err:
        _expect(label in str(err), f"the LabelError does not name {label}: {err}")
        return
    raise AssertionError(f"no LabelError for the unknown label {label}")


def check_unseen_label_in_dev_is_an_error(make: Make, trained: EntityRecognizer) -> None:
    dev = [example(["Bob", "runs"], [(0, 1, "ANIMAL")])]
    _raises_label_error(lambda: make().fit(TWO_SENTENCES, dev), "ANIMAL")


def check_unseen_label_against_declared_labels(make: Make, trained: EntityRecognizer) -> None:
    _raises_label_error(lambda: make(labels=["PER", "LOC"]).fit(TWO_SENTENCES), "ORG")


def check_rejected_examples_are_not_learned(make: Make, trained: EntityRecognizer) -> None:
    bad = example(["Angela", "Merkel"], [(0, 2, "ORG")])
    bad.answer = "reject"
    model = make().fit([*TWO_SENTENCES, bad])
    _expect("ORG" in model.labels, "a rejected example's label is not among the labels")
    (spans,) = model.predict([TWO_SENTENCES[0].doc])
    _expect([s.label for s in spans] == ["PER", "LOC"], "a rejected example was learned")


def check_same_seed_same_model(make: Make, trained: EntityRecognizer) -> None:
    docs = [ex.doc for ex in TWO_SENTENCES]

    def run() -> list[list[tuple[int, int, str, float]]]:
        scored = make(seed=3).fit(TWO_SENTENCES).predict_with_scores(docs)
        return [[(s.span.start, s.span.end, s.span.label, s.score) for s in d] for d in scored]

    _expect(run() == run(), "the same seed gave another model")


def check_learns_online(make: Make, trained: EntityRecognizer) -> None:
    """Models that implement :class:`LearnsOnline` learn from a binary answer."""
    model = make().fit(TWO_SENTENCES)
    if not isinstance(model, LearnsOnline):
        return
    doc = Doc.from_words(["Shares", "of", "Globex", "rose", "in", "Paris", "."])
    accept = Example(doc, [(10, 16, "ORG")], kind="binary")  # "Globex"
    for _ in range(50):
        model.update([accept], 2)
        if ("Globex", "ORG") in [(s.text, s.label) for s in model.predict([doc])[0]]:
            break
    else:
        raise AssertionError("100 passes over an accepted span did not teach it")
    _expect(set(model.labels) == {"PER", "LOC", "ORG"}, "an update changed the labels")


def check_token_confidences(make: Make, trained: EntityRecognizer) -> None:
    """Models that implement :class:`ScoresTokens` give each token a probability; an
    unseen, unusual text has some token it is less sure of than the training sentences."""
    if not isinstance(trained, ScoresTokens):
        return
    unseen = Doc.from_words(["Zqx", "vrm", "Globex", "Plk", "in", "Qwzt", "Paris", "."])
    docs = [*(ex.doc for ex in TWO_SENTENCES), Doc.from_words([]), unseen]
    conf = trained.token_confidences(docs)
    _expect([len(c) for c in conf] == [len(d) for d in docs], [len(c) for c in conf])
    values = np.concatenate(conf)
    _expect(bool(np.all((values > 0.0) & (values <= 1.0 + 1e-9))), values)
    _expect(
        float(conf[-1].min()) < float(min(c.min() for c in conf[:2])),
        "an unseen text is not less sure than the training sentences",
    )


CHECKS: list[Check] = [
    check_is_a_recognizer,
    check_overfits_two_sentences,
    check_scores_are_probabilities,
    check_round_trip_through_disk,
    check_empty_and_one_token_docs,
    check_long_doc,
    check_unicode,
    check_batch_equals_one_by_one,
    check_unseen_label_in_dev_is_an_error,
    check_unseen_label_against_declared_labels,
    check_rejected_examples_are_not_learned,
    check_same_seed_same_model,
    check_learns_online,
    check_token_confidences,
]


def check_recognizer(make: Make, checks: Sequence[Check] = CHECKS) -> list[str]:
    """Run ``checks`` on the model ``make`` builds; returns their names. Raises the first
    failure's ``AssertionError``, prefixed with the check's name."""
    trained = make().fit(TWO_SENTENCES)
    ran = []
    for check in checks:
        try:
            check(make, trained)
        except AssertionError as err:
            raise AssertionError(f"{check.__name__}: {err}") from err
        ran.append(check.__name__)
    return ran

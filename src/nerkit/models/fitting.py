"""What the models share while fitting: label checks, gold token spans, dev scoring and
the rule that decides a new best model."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..corpus.answers import trainable
from ..corpus.example import Example
from ..errors import ModelError
from ..tokens import Doc
from .base import EntityRecognizer


def check_labels(examples: Iterable[Example], labels: Iterable[str]) -> None:
    """Raise a LabelError for the first example carrying a label outside ``labels``."""
    from ..errors import LabelError

    known = set(labels)
    for ex in examples:
        for start, end, label in ex.spans:
            if label not in known:
                raise LabelError(
                    "E202",
                    f"Label '{label}' (span {start}-{end}) is not one the model knows",
                    path=ex.source.path if ex.source else None,
                    line=ex.source.line if ex.source else None,
                    hint=f"The model knows {', '.join(sorted(known)) or 'no labels'}; "
                    "retrain with this label or remove it from the data.",
                )


def gold_token_spans(ex: Example) -> list[tuple[int, int, str]]:
    """Gold spans of ``ex`` as token spans (character spans expanded to token boundaries).

    Raises:
        ModelError: a span cannot be aligned (e.g. it runs past the end of its text), E208,
            naming the example's file and line.
    """
    from ..errors import NerkitError

    try:
        ref = ex.reference("expand")
    except NerkitError as err:
        raise ModelError(
            "E208",
            f"Cannot align the gold spans of an example: {err.message}",
            path=ex.source.path if ex.source else None,
            line=ex.source.line if ex.source else None,
            hint="Run `nerkit data check` on the file and fix or drop the span.",
        ) from err
    return [(s.start, s.end, s.label) for s in ref.ents]


def fit_labels(
    train: Sequence[Example], dev: Sequence[Example], configured: Sequence[str]
) -> tuple[str, ...]:
    """The labels a model is fitted on: ``configured`` (the training data checked against
    them), else the training data's own, sorted; ``dev`` is checked against the result.

    Raises:
        LabelError: an example carries a label outside them (E202).
    """
    if configured:
        check_labels(train, configured)
        labels = tuple(configured)
    else:
        labels = tuple(sorted({lab for ex in trainable(train) for _, _, lab in ex.spans}))
    if dev:
        check_labels(dev, labels)
    return labels


def improves(f1: float, best: float) -> bool:
    """Whether a dev ``f1`` makes a new best model over ``best`` (-1 before the first).

    On a tie above 0 the later, better-fitted weights win; a tie at 0 is no progress.

    >>> improves(0.0, -1.0), improves(0.0, 0.0), improves(0.5, 0.5), improves(0.4, 0.5)
    (True, False, True, False)
    """
    return f1 > best or (f1 == best and f1 > 0)


def span_prf(
    model: EntityRecognizer, docs: Sequence[Doc], gold: Sequence[Sequence[tuple[int, int, str]]]
) -> dict[str, float]:
    """Micro precision/recall/F1 of ``model`` on ``docs`` against the ``gold`` character
    spans (dev scoring in ``fit``; as ``nerkit evaluate`` scores, a gold span off the
    tokens is a miss)."""
    from ..scoring import score_spans

    pred = [[(s.start_char, s.end_char, s.label) for s in spans] for spans in model.predict(docs)]
    scores = score_spans(gold, pred)
    return {"precision": scores.precision, "recall": scores.recall, "f1": scores.f1}

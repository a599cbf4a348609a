"""nerkit.models.testing catches a model that breaks the contract, and names the check."""

from __future__ import annotations

from typing import Any

import pytest

from nerkit.models import get_model_class
from nerkit.models.testing import CHECKS, check_recognizer, example

Perceptron = get_model_class("perceptron")
SMALL = {"hash_rows": 2**14, "max_epochs": 20}


class ForgetsOnDisk(Perceptron):  # type: ignore[misc, valid-type]
    """A model whose save loses what it learned: loading gives an untrained copy."""

    @classmethod
    def from_disk(cls, path: Any) -> Any:
        return Perceptron(**SMALL).fit([example(["Bob", "ran"], [(0, 1, "PER")])])


class Unscored(Perceptron):  # type: ignore[misc, valid-type]
    """A model whose scores are not probabilities."""

    def predict_with_scores(self, docs: Any) -> Any:
        scored = super().predict_with_scores(docs)
        return [[type(s)(s.span, 2.0) for s in d] for d in scored]


def test_a_conforming_model_passes_every_check() -> None:
    assert len(check_recognizer(lambda **kw: Perceptron(**{**SMALL, **kw}))) == len(CHECKS)


@pytest.mark.parametrize(
    ("broken", "check"),
    [
        (ForgetsOnDisk, "check_round_trip_through_disk"),
        (Unscored, "check_scores_are_probabilities"),
    ],
)
def test_a_broken_model_fails_the_check_that_covers_it(broken: type, check: str) -> None:
    with pytest.raises(AssertionError, match=check):
        check_recognizer(lambda **kw: broken(**{**SMALL, **kw}))

"""The contract every recognizer passes, as pytest tests over the checks that ship in
``nerkit.models.testing``. Subclass ``RecognizerContract`` and set ``model_name`` and
``settings`` (small and fast); see ``test_perceptron_contract.py``."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from nerkit.models import get_model_class
from nerkit.models.base import EntityRecognizer
from nerkit.models.testing import CHECKS, TWO_SENTENCES, Check, example

__all__ = ["TWO_SENTENCES", "RecognizerContract", "example"]


class RecognizerContract:
    """One test per check of ``nerkit.models.testing.CHECKS``."""

    model_name: ClassVar[str]
    settings: ClassVar[dict[str, Any]] = {}

    def make(self, **extra: Any) -> EntityRecognizer:
        return get_model_class(self.model_name)(**{**self.settings, **extra})

    @pytest.fixture(scope="class")
    @classmethod
    def trained(cls) -> EntityRecognizer:
        return get_model_class(cls.model_name)(**cls.settings).fit(TWO_SENTENCES)

    @pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
    def test_contract(self, check: Check, trained: EntityRecognizer) -> None:
        check(self.make, trained)

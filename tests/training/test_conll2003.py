"""Train the perceptron on CoNLL-2003 and check the test F1 target (slow; needs the data)."""

from __future__ import annotations

from pathlib import Path

import pytest

import nerkit
from nerkit.corpus import read
from nerkit.training import train

DATA = Path(__file__).parents[2] / ".." / "shared" / "data" / "conll2003"


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "train.txt").exists(), reason=f"CoNLL-2003 not found at {DATA}")
def test_perceptron_reaches_84_f1_on_conll2003_test(tmp_path: Path) -> None:
    result = train(DATA / "train.txt", DATA / "valid.txt", tmp_path / "model", model="perceptron")
    assert result.evaluation is not None and result.evaluation.scores.f1 > 0.85  # dev
    nlp = nerkit.load(tmp_path / "model")
    scores = nerkit.evaluate(nlp, read(DATA / "test.txt")).scores
    assert scores.f1 >= 0.84, scores.to_dict()

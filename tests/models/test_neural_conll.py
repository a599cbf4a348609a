"""Train the default neural model on CoNLL-2003 and check the test F1 target (slow; needs data)."""

from __future__ import annotations

from pathlib import Path

import pytest

import nerkit
from nerkit.corpus import read
from nerkit.training import train

pytest.importorskip("torch", reason="the neural model needs torch")

DATA = Path(__file__).parents[2] / ".." / "shared" / "data" / "conll2003"


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "train.txt").exists(), reason=f"CoNLL-2003 not found at {DATA}")
def test_neural_reaches_85_f1_on_conll2003_test(tmp_path: Path) -> None:
    result = train(DATA / "train.txt", DATA / "valid.txt", tmp_path / "model", model="neural")
    assert result.evaluation is not None and result.evaluation.scores.f1 > 0.88  # dev
    assert (tmp_path / "model" / "training_log.jsonl").is_file()
    nlp = nerkit.load(tmp_path / "model")
    scores = nerkit.evaluate(nlp, read(DATA / "test.txt")).scores
    assert scores.f1 >= 0.85, scores.to_dict()

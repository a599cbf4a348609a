"""perceptron.v1 specifics: the weights file, settings validation, ensembles, scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from nerkit.errors import ConfigError, ModelError
from nerkit.models.perceptron import PerceptronRecognizer

from .contract import TWO_SENTENCES


def test_weights_file_holds_only_nonzero_rows(tmp_path: Path) -> None:
    model = PerceptronRecognizer(hash_rows=2**16, ensemble=1).fit(TWO_SENTENCES)
    model.to_disk(tmp_path)
    tensors = load_file(str(tmp_path / "weights.safetensors"))
    assert model.weights_ is not None
    nonzero = np.flatnonzero(np.any(model.weights_ != 0, axis=1))
    assert tensors["rows"].tolist() == nonzero.tolist()
    assert 0 < len(nonzero) < 2**16 // 10
    assert json.loads((tmp_path / "labels.json").read_text()) == ["LOC", "ORG", "PER"]


def test_mismatched_files_are_an_error(tmp_path: Path) -> None:
    PerceptronRecognizer(hash_rows=2**12, ensemble=1).fit(TWO_SENTENCES).to_disk(tmp_path)
    (tmp_path / "labels.json").write_text('["LOC"]')
    with pytest.raises(ModelError, match="E207"):
        PerceptronRecognizer.from_disk(tmp_path)


@pytest.mark.parametrize("kwargs", [{"hash_rows": 1000}, {"hash_rows": 0}, {"epochs": 3}])
def test_bad_settings(kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        PerceptronRecognizer(**kwargs)


def test_untrained_model_says_so() -> None:
    with pytest.raises(ModelError, match="E206"):
        PerceptronRecognizer().predict([TWO_SENTENCES[0].doc])


def test_ensemble_is_the_mean_of_its_members() -> None:
    members = [
        PerceptronRecognizer(hash_rows=2**12, ensemble=1, seed=s, max_epochs=3).fit(TWO_SENTENCES)
        for s in (4, 5)
    ]
    both = PerceptronRecognizer(hash_rows=2**12, ensemble=2, seed=4, max_epochs=3).fit(
        TWO_SENTENCES
    )
    assert both.weights_ is not None and all(m.weights_ is not None for m in members)
    expected = (members[0].weights_ + members[1].weights_) / 2  # type: ignore[operator]
    assert np.allclose(both.weights_, expected)


def test_history_reports_each_epoch() -> None:
    seen: list[dict] = []
    model = PerceptronRecognizer(hash_rows=2**12, ensemble=2, max_epochs=2)
    model.fit(TWO_SENTENCES, TWO_SENTENCES, callback=seen.append)
    assert seen == model.history_
    assert [(h["member"], h["epoch"]) for h in seen][-1] == (None, "avg")
    assert all(0.0 <= h["dev"]["f1"] <= 1.0 for h in seen)

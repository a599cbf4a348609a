"""Calibrated span scores (nerkit.models.calibration): the fit, both models, thresholds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nerkit
from nerkit.errors import ConfigError, ModelError
from nerkit.models import get_model_class
from nerkit.models.calibration import (
    CALIBRATION_JSON,
    CALIBRATION_TENSORS,
    SpanCalibration,
    Thresholds,
    fit_calibration,
    seen_keys,
    span_key,
)
from nerkit.models.testing import TWO_SENTENCES, example
from nerkit.pipeline import Pipeline
from nerkit.scoring.calibration import expected_calibration_error, reliability
from nerkit.tokenizer import get_tokenizer
from nerkit.training.config import resolve_config

MODELS: dict[str, dict[str, Any]] = {
    "perceptron.v1": {"hash_rows": 2**14, "max_epochs": 10, "ensemble": 1},
    "neural.v1": {"hash_rows": 2**10, "affix_rows": 2**8, "max_epochs": 30, "threads": 1},
}

# Dev texts the two training sentences do not settle: some entities right, some not.
DEV = [
    example(
        ["Angela", "Merkel", "visited", "York", "on", "Friday", "."], [(0, 2, "PER"), (3, 4, "LOC")]
    ),
    example(["Acme", "Corp", "hired", "Merkel", "."], [(0, 2, "ORG"), (3, 4, "PER")]),
    example(["Paris", "is", "big", "."], [(0, 1, "LOC")]),
    example(["Bob", "visited", "Acme", "."], [(0, 1, "PER"), (2, 3, "ORG")]),
]


def _ece(scores: np.ndarray, correct: np.ndarray) -> float:
    return expected_calibration_error(reliability(scores.tolist(), correct.tolist()))


def test_fit_corrects_overconfident_scores() -> None:
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.5, 0.999, 4000)
    seen = rng.random(4000) < 0.5
    true_logit = 2.0 * np.log(raw**3 / (1 - raw**3 + 1e-9) + 1e-9) / 2 + 1.5 * seen - 1.0
    correct = rng.random(4000) < 1 / (1 + np.exp(-true_logit))
    keys = np.where(seen, 7, np.arange(4000) + 100).astype(np.uint64)
    table = np.array([7], dtype=np.uint64)
    cal = fit_calibration("logit", raw[:2000], correct[:2000], keys[:2000], table)
    held = cal.scores(raw[2000:], keys[2000:])
    assert _ece(raw[2000:], correct[2000:]) > 0.1  # the raw scores are overconfident
    assert _ece(held, correct[2000:]) < 0.03
    assert cal.weights[1] > 0.8  # seen entities are right more often
    assert cal.record["dev_entities"] == 2000
    assert cal.record["dev_ece"] < cal.record["dev_ece_raw"]


def test_fit_with_few_entities_stays_finite_and_ordered() -> None:
    cal = fit_calibration("log_margin", [5.0, 9.0], [True, True], [1, 2], np.zeros(0, np.uint64))
    s = cal.scores(np.array([1.0, 5.0, 50.0]), np.array([1, 2, 3], dtype=np.uint64))
    assert np.isfinite(s).all() and (0 < s).all() and (s < 1).all()
    assert s[0] < s[1] < s[2]  # the prior keeps a larger margin a higher score


def test_seen_keys_are_accepted_training_entities() -> None:
    rejected = example(["Bob", "Dylan"], [(0, 2, "PER")])
    rejected.answer = "reject"
    keys = seen_keys([*TWO_SENTENCES, rejected])
    assert span_key(["Angela", "Merkel"]) in keys.tolist()
    assert span_key(["Paris"]) in keys.tolist()
    assert span_key(["Bob", "Dylan"]) not in keys.tolist()
    assert (np.diff(keys.astype(np.float64)) > 0).all()  # sorted, distinct


@pytest.fixture(scope="module", params=list(MODELS))
def calibrated(request: pytest.FixtureRequest) -> Any:
    name = request.param
    return get_model_class(name)(**MODELS[name]).fit(TWO_SENTENCES, DEV)


def test_models_calibrate_on_dev_and_keep_it_on_disk(calibrated: Any, tmp_path: Path) -> None:
    cal = calibrated.calibration_
    assert isinstance(cal, SpanCalibration)
    assert cal.record["dev_entities"] >= 1
    docs = [ex.doc for ex in DEV]
    scored = calibrated.predict_with_scores(docs)
    scores = [s.score for spans in scored for s in spans]
    assert scores and all(0.0 < s < 1.0 for s in scores)
    raw = calibrated._predict(docs, True, raw=True)  # what the calibration maps
    assert [[s.span for s in d] for d in raw] == [[s.span for s in d] for d in scored]
    assert [s.score for d in raw for s in d] != scores
    calibrated.to_disk(tmp_path)
    assert (tmp_path / CALIBRATION_JSON).is_file() and (tmp_path / CALIBRATION_TENSORS).is_file()
    again = type(calibrated).from_disk(tmp_path)
    assert [s.score for d in again.predict_with_scores(docs) for s in d] == pytest.approx(scores)


@pytest.mark.parametrize("name", list(MODELS))
def test_no_dev_no_calibration(name: str, tmp_path: Path) -> None:
    model = get_model_class(name)(**MODELS[name]).fit(TWO_SENTENCES)
    assert model.calibration_ is None
    model.to_disk(tmp_path)
    assert not (tmp_path / CALIBRATION_JSON).exists()
    off = get_model_class(name)(**MODELS[name], calibrate=False).fit(TWO_SENTENCES, DEV)
    assert off.calibration_ is None


def test_damaged_calibration_is_e207(calibrated: Any, tmp_path: Path) -> None:
    nlp = Pipeline(get_tokenizer("en"), calibrated)
    nlp.to_disk(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert CALIBRATION_JSON in meta["files"] and CALIBRATION_TENSORS in meta["files"]
    (tmp_path / CALIBRATION_JSON).write_text("{}")
    with pytest.raises(ModelError) as err:
        nerkit.load(tmp_path)
    assert err.value.code == "E207"  # the seal catches the change before anything parses it


def test_thresholds_parse() -> None:
    t = Thresholds.parse(["0.8", "ORG=0.5"], Thresholds(0.1, {"PER": 0.9}))
    assert (t.default, t.per_label) == (0.8, {"PER": 0.9, "ORG": 0.5})
    assert t.keeps("ORG", 0.6) and not t.keeps("LOC", 0.7) and not t.keeps("PER", 0.85)
    for bad in ["1.5", "x", "ORG=", "=0.3", "A=B=0.2", "-0.1"]:
        with pytest.raises(ConfigError) as err:
            Thresholds.parse([bad])
        assert err.value.code == "E381", bad
    assert not Thresholds().active and Thresholds(0.0, {"X": 0.2}).active


def test_pipeline_thresholds_drop_low_scores(calibrated: Any) -> None:
    nlp = Pipeline(get_tokenizer("en"), calibrated)
    text = " ".join(ex.text for ex in TWO_SENTENCES)  # learned: every entity found
    every = nlp.pipe_docs_scored([nlp.make_doc(text)], thresholds=False)[0]
    assert len(every) >= 3
    scores = sorted(s.score for s in every)
    cut = (scores[0] + scores[-1]) / 2 if scores[0] < scores[-1] else scores[-1]
    nlp.set_thresholds([f"{cut}"])
    kept = [(e.start_char, e.end_char, e.label) for e in nlp(text).ents]
    want = [(s.span.start_char, s.span.end_char, s.span.label) for s in every if s.score >= cut]
    assert kept == want and len(kept) < len(every) or scores[0] == scores[-1]
    label = every[0].span.label
    nlp.set_thresholds(["0", f"{label}=1.0"])  # one label off, the others all kept
    assert [e.label for e in nlp(text).ents] == [
        s.span.label for s in every if s.span.label != label
    ]
    with pytest.raises(ConfigError) as err:
        nlp.set_thresholds(["NOPE=0.5"])
    assert err.value.code == "E380"


def test_config_predict_section() -> None:
    cfg = resolve_config(
        "perceptron",
        overrides=[
            "predict.threshold=0.6",
            "predict.thresholds.PER=0.9",
            "predict.thresholds.ORG=1",
        ],
    )
    assert cfg.sections["predict"].threshold == 0.6
    assert cfg.sections["predict"].thresholds == {"PER": 0.9, "ORG": 1.0}
    with pytest.raises(ConfigError) as err:
        resolve_config("neural", overrides=["predict.threshold=2"]).settings()
        get_model_class("neural.v1")(threshold=2.0)
    assert err.value.code == "E309"
    with pytest.raises(ConfigError) as err:
        get_model_class("perceptron.v1")(labels=["PER"], thresholds={"ORG": 0.5})
    assert err.value.code == "E380"


def test_thresholds_in_config_apply_after_loading(tmp_path: Path) -> None:
    model = get_model_class("perceptron.v1")(
        **MODELS["perceptron.v1"], threshold=0.0, thresholds={"LOC": 1.0}
    ).fit(TWO_SENTENCES, DEV)
    Pipeline(get_tokenizer("en"), model).to_disk(tmp_path)
    nlp = nerkit.load(tmp_path)
    assert nlp.thresholds.per_label == {"LOC": 1.0}
    doc = nlp("Angela Merkel visited Paris on Monday .")
    assert "LOC" not in [e.label for e in doc.ents] and "PER" in [e.label for e in doc.ents]

"""Calibrate a trained model's span scores again, on dev data (``nerkit calibrate``).

Training calibrates a model on its dev data when it ends (:mod:`nerkit.models.calibration`).
This does the same for a model trained before scores were calibrated, trained without dev
data, or whose texts have drifted: the dev answers are read, tokenized by the model's
tokenizer (what prediction on raw text sees), and the model's calibration is fitted on them
and written into the model directory, whose checksums (``meta.json``) are updated. The
training data tells which entities count as seen: by default the model's recorded training
file, if it is still there unchanged.

Example:
    >>> cal, note = calibrate_model("model", "dev.jsonl")  # doctest: +SKIP
    >>> cal.record["dev_ece_raw"], cal.record["dev_ece"]  # doctest: +SKIP
    (0.0755, 0.0214)
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from ..corpus.answers import accepted, trainable
from ..errors import ModelError
from ..models.calibration import CALIBRATION_JSON, CALIBRATION_TENSORS, SpanCalibration
from ..pipeline import load, seal
from ..scoring.train_data import recorded_train_data
from .data import read_data, retokenize


def calibrate_model(
    model: str | PathLike[str],
    dev: str | PathLike[str],
    train: str | PathLike[str] | None = None,
    *,
    format: str | None = None,
    db: str | None = None,
) -> tuple[SpanCalibration, str]:
    """Fit ``model``'s scores on ``dev`` and save the calibration in the model directory.
    Returns it and a note on which training data gave the seen entities.

    Raises:
        ModelError: the model type has no calibration, or the model predicts no entity in
            the dev data (E382).
    """
    path = Path(model)
    nlp = load(path)
    recognizer = nlp.recognizer
    calibrate = getattr(recognizer, "calibrate", None)
    if recognizer is None or calibrate is None:
        raise ModelError(
            "E382",
            f"The model at '{path}' has no scores to calibrate "
            f"({getattr(recognizer, 'name', 'no recognizer')})",
            path=path,
            hint="Calibrate a perceptron or neural model that `nerkit train` wrote.",
        )
    dev_examples = retokenize(accepted(read_data(dev, format=format, db=db)), nlp.tokenizer)
    if train is not None:
        train_path: str | PathLike[str] | None = train
        note = f"'{train}'"
    else:
        train_path, note = recorded_train_data(nlp.meta)
    train_examples = (
        retokenize(trainable(read_data(train_path, db=db)), nlp.tokenizer) if train_path else []
    )
    if not train_examples:
        note = f"none ({note}): every entity counts as unseen; pass --train"
    calibration = calibrate(dev_examples, train_examples)
    if calibration is None:
        raise ModelError(
            "E382",
            f"The model predicts no entity in the {len(dev_examples):,} dev examples of "
            f"'{dev}', so there is nothing to calibrate its scores on",
            path=path,
            hint="Pass dev data with the model's labels (complete accepted answers).",
        )
    calibration.to_disk(path)
    seal(path, only=[CALIBRATION_JSON, CALIBRATION_TENSORS])
    return calibration, note

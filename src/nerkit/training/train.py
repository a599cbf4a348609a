"""Train a recognizer from annotated files and write the model directory."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from ..errors import ModelError
from .config import ResolvedConfig, resolve_config
from .log import TrainingLog

if False:  # typing only; importing these eagerly would slow `import nerkit`
    from ..corpus.example import Example
    from ..pipeline import Pipeline
    from ..scoring import Evaluation


@dataclass
class TrainResult:
    """What :func:`train` produced: the pipeline, its dev evaluation and the epoch history."""

    nlp: Pipeline
    config: ResolvedConfig
    evaluation: Evaluation | None
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    n_train: int = 0
    n_dev: int = 0


def train(
    train_path: str | Path | Sequence[Example],
    dev_path: str | Path | Sequence[Example] | None,
    output: str | Path | None = None,
    *,
    model: str = "neural",
    config: str | Path | None = None,
    overrides: Sequence[str] = (),
    seed: int | None = None,
    format: str | None = None,
    lang: str = "en",
    callback: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``train_path``, select the epoch best on ``dev_path``, save to ``output``.

    Only accepted examples are trained on (Prodigy ``answer``). The resolved configuration is
    saved in the model directory as ``config.toml``; ``meta.json`` holds the dev scores;
    ``training_log.jsonl`` one line per dev evaluation and ``dev_f1.png`` the dev F1 curve.
    ``train_path`` and ``dev_path`` may also be examples already read (learning curves and
    experiments read the data once and train on it many times).

    >>> result = train("train.conll", "dev.conll", "model", overrides=["train.max_epochs=5"])  # doctest: +SKIP
    >>> result.evaluation.scores.f1  # doctest: +SKIP
    """
    from ..corpus import read
    from ..models.base import get_model_class
    from ..pipeline import Pipeline
    from ..scoring import evaluate
    from ..tokenizer import get_tokenizer

    if seed is not None:
        overrides = [*overrides, f"train.seed={seed}"]
    resolved = resolve_config(model, config, overrides)
    tokenizer = get_tokenizer(lang)

    def accepted(data: str | Path | Sequence[Example]) -> list[Example]:
        if isinstance(data, str | PathLike):
            data = read(data, format=format, tokenizer=tokenizer)
        return [ex for ex in data if ex.answer == "accept"]

    train_examples = accepted(train_path)
    dev_examples = accepted(dev_path) if dev_path is not None else []
    if not train_examples:
        raise ModelError(
            "E205",
            "No accepted training examples",
            path=train_path if isinstance(train_path, str | PathLike) else None,
            hint="The file is empty or every record was rejected/ignored.",
        )
    recognizer = get_model_class(resolved.name)(**resolved.settings())
    log = TrainingLog(output) if output is not None else None

    def on_eval(info: dict[str, Any]) -> None:
        if log is not None:
            log(info)
        if callback is not None:
            callback(info)

    start = time.perf_counter()
    recognizer.fit(train_examples, dev_examples or None, callback=on_eval)
    seconds = time.perf_counter() - start
    nlp = Pipeline(tokenizer, recognizer)
    evaluation = evaluate(nlp, dev_examples) if dev_examples else None
    nlp.meta.update(
        {
            "train_data": {
                "path": str(train_path) if _is_path(train_path) else None,
                "sha256": _file_hash(train_path),
                "examples": len(train_examples),
            },
            "dev_data": {
                "path": str(dev_path) if _is_path(dev_path) else None,
                "sha256": _file_hash(dev_path),
                "examples": len(dev_examples),
            }
            if dev_path is not None
            else None,
            "training_seconds": round(seconds, 2),
            "epochs": getattr(recognizer, "history_", []),
            "scores": evaluation.scores.to_dict() if evaluation else None,
        }
    )
    if output is not None:
        nlp.to_disk(output)
        # The recognizer wrote its own [model] and [train]; make sure the file is the
        # resolved config even for a model type that writes less.
        _write_config(Path(output) / "config.toml", resolved, recognizer)
        if log is not None:
            log.plot()
    return TrainResult(
        nlp=nlp,
        config=resolved,
        evaluation=evaluation,
        history=list(getattr(recognizer, "history_", [])),
        seconds=seconds,
        n_train=len(train_examples),
        n_dev=len(dev_examples),
    )


def _write_config(path: Path, resolved: ResolvedConfig, recognizer: Any) -> None:
    import tomli_w

    data = resolved.to_dict()
    if hasattr(recognizer, "config"):
        data = {**data, **recognizer.config()}  # the model knows its learned labels
    path.write_text(tomli_w.dumps(data), encoding="utf8")


def _is_path(data: object) -> bool:
    return isinstance(data, str | PathLike)


def _file_hash(path: object) -> str | None:
    if not isinstance(path, str | PathLike) or not Path(path).is_file():
        return None
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()

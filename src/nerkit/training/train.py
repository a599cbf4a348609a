"""Train a recognizer from annotated files and write the model directory."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Literal

from ..corpus.files import file_sha256
from ..errors import ConfigError, ModelError, warn
from ..models.base import ContinuesFrom
from .base_model import (
    Base,
    continued_config,
    load_base,
    rehearsal_docs,
    rehearsal_examples,
    with_base_predictions,
)
from .config import ResolvedConfig, resolve_config
from .data import read_data, retokenize, split_dev, warn_dev_leak
from .events import Evaluated
from .log import TrainingLog
from .specs import check_transformer_given, check_vectors_given

if False:  # typing only; importing these eagerly would slow `import nerkit`
    from ..corpus.example import Example
    from ..models.base import EntityRecognizer
    from ..models.targets import AlignmentReport
    from ..pipeline import Pipeline
    from ..scoring import Evaluation
    from ..tokens import Doc


@dataclass
class TrainResult:
    """What :func:`train` produced: the pipeline, its dev evaluation and the epoch history.

    ``alignment`` says how many gold spans fell on the training tokens (see
    :mod:`nerkit.models.targets`).
    """

    nlp: Pipeline
    config: ResolvedConfig
    evaluation: Evaluation | None
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    n_train: int = 0
    n_dev: int = 0
    alignment: AlignmentReport | None = None
    # Trained from a base model: what meta.json records of it and of the rehearsal.
    base: dict[str, Any] | None = None


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
    callback: Callable[[Evaluated], None] | None = None,
    dev_split: float | None = None,
    db: str | None = None,
    base: str | PathLike[str] | None = None,
    rehearse: Sequence[str | PathLike[str]] = (),
) -> TrainResult:
    """Train ``model`` on ``train_path``, select the epoch best on ``dev_path``, save to ``output``.

    The model learns from complete accepted annotations and from binary answers (an accepted
    or rejected span; see :mod:`nerkit.corpus.answers`), on the tokens its own tokenizer makes
    of each text, which is what it will see when predicting (``train.gold_tokens = true``
    keeps the file's tokens). Without ``dev_path``, ``dev_split`` (e.g. 0.2) holds out that
    share of the annotated texts, seeded by ``train.seed``. ``callback`` gets an
    :class:`~nerkit.training.events.Evaluated` event after each dev evaluation. The resolved configuration is
    saved in the model directory as ``config.toml``; ``meta.json`` holds the dev scores;
    ``training_log.jsonl`` one line per dev evaluation and ``dev_f1.png`` the dev F1 curve.
    ``train_path`` and ``dev_path`` may also be examples already read (learning curves and
    experiments read the data once and train on it many times), or ``db:NAME``, a dataset of
    the store in database ``db`` (a URL or SQLite file; None: the store's default).

    ``base`` (a model directory of the same type) is where training starts: its weights,
    vocabulary, tokenizer and labels, with the labels of the new data added. Unless
    ``train.rehearsal`` is off, the base's predictions of its old labels are merged into the
    new texts (the new data does not annotate them) and the base's predictions on the
    ``rehearse`` texts are trained on too: each item a text (``str``) or a data or text file
    (a path); see :mod:`nerkit.training.base_model`. ``meta.json`` records the base
    (``base``: path, type, labels, SHA-256 of its weights; what rehearsal added).

    Warns (:class:`~nerkit.errors.NerkitWarning`): W201 when the dev texts are training
    texts too; W202 when no dev evaluation scored above 0.

    >>> result = train("train.conll", "dev.conll", "model", overrides=["train.max_epochs=5"])  # doctest: +SKIP
    >>> result.evaluation.scores.f1  # doctest: +SKIP
    """
    from ..corpus import accepted, trainable
    from ..models.registry import get_model_class
    from ..models.targets import alignment_report
    from ..pipeline import Pipeline, seal
    from ..scoring import evaluate
    from ..tokenizer import get_tokenizer

    if output is not None and Path(output).is_file():
        raise ConfigError(
            "E333",
            "The output is a file: a model is a directory",
            path=output,
            hint="Pass a new or existing directory for the model (--output DIR).",
        )
    if seed is not None:
        overrides = [*overrides, f"train.seed={seed}"]
    resolved = resolve_config(model, config, overrides)
    based = None
    if base is not None:
        based = load_base(base, resolved.name)
        resolved = continued_config(resolved, based)
    train_settings = resolved.sections["train"]
    if rehearse and (based is None or not train_settings.rehearsal):
        raise ConfigError(
            "E344",
            "Rehearsal texts were given, but "
            + ("there is no base model" if based is None else "train.rehearsal is false"),
            hint="Rehearsal keeps a base model's labels: pass --base MODEL_DIR (and leave "
            "train.rehearsal on), or leave --rehearse out.",
        )
    if based is None:
        check_vectors_given(resolved, config)
    check_transformer_given(resolved)
    gold_tokens = train_settings.gold_tokens
    tokenizer = get_tokenizer(lang) if based is None else based.nlp.tokenizer

    def examples(data: str | Path | Sequence[Example]) -> list[Example]:
        if isinstance(data, str | PathLike):
            return read_data(data, format=format, tokenizer=tokenizer, db=db)
        return list(data)

    train_examples = examples(train_path)
    dev_examples = accepted(examples(dev_path)) if dev_path is not None else []
    if dev_path is None and dev_split is not None:
        train_examples, dev_examples = split_dev(
            train_examples, dev_split, resolved.sections["train"].seed
        )
    if not gold_tokens:
        train_examples = retokenize(train_examples, tokenizer)
        dev_examples = retokenize(dev_examples, tokenizer)
    train_examples = trainable(train_examples)
    if not train_examples:
        raise ModelError(
            "E205",
            "No accepted training examples",
            path=train_path if isinstance(train_path, str | PathLike) else None,
            hint="The file is empty or every record was rejected/ignored.",
        )
    if not any(ex.spans for ex in train_examples if ex.answer == "accept"):
        raise ModelError(
            "E211",
            f"None of the {len(train_examples):,} training examples has an entity: the model "
            "would learn to find nothing",
            path=train_path if isinstance(train_path, str | PathLike) else None,
            hint="Annotate entities in some of the texts (nerkit annotate manual), or check "
            "that the file's spans were read (nerkit data check).",
        )
    warn_dev_leak(train_examples, dev_examples)
    record = None
    if based is not None:
        train_examples, dev_examples, record = _rehearse(
            based, train_examples, dev_examples, rehearse, train_settings, tokenizer, format
        )
    alignment = alignment_report(train_examples)
    recognizer = get_model_class(resolved.name)(**resolved.settings())
    if based is not None:
        if not isinstance(recognizer, ContinuesFrom):
            raise ModelError(
                "E345",
                f"The model type {resolved.name} cannot continue from a base model",
                hint="Train it from scratch (leave --base out).",
            )
        recognizer.start_from(based.recognizer)
    log = TrainingLog(output) if output is not None else None

    def on_eval(info: dict[str, Any]) -> None:
        if log is not None:
            log(info)
        if callback is not None:
            callback(Evaluated.from_info(info))

    start = time.perf_counter()
    recognizer.fit(train_examples, dev_examples or None, callback=on_eval)
    seconds = time.perf_counter() - start
    nlp = Pipeline(tokenizer, recognizer)
    tokens: Literal["raw", "gold"] = "gold" if gold_tokens else "raw"
    evaluation = evaluate(nlp, dev_examples, tokens=tokens) if dev_examples else None
    if evaluation is not None and evaluation.scores.f1 == 0:
        warn(
            "W202",
            f"The model found none of the {evaluation.scores.micro.support:,} dev entities in any "
            "dev evaluation: it predicts no entities yet (dev F1 0)",
            hint="Train longer (--set train.max_epochs=...), annotate more examples, or check "
            "that the dev data has the training labels.",
        )
    nlp.meta.update(
        {
            "train_data": {
                "path": str(train_path) if _is_path(train_path) else None,
                "sha256": _file_hash(train_path),
                "examples": len(train_examples),
                "gold_spans": alignment.spans,
                "misaligned_spans": alignment.misaligned,
            },
            "dev_data": {
                "path": str(dev_path) if _is_path(dev_path) else None,
                "sha256": _file_hash(dev_path),
                "examples": len(dev_examples),
                "split": dev_split if dev_path is None else None,
            }
            if dev_examples
            else None,
            "base": record,
            "training_seconds": round(seconds, 2),
            "epochs": recognizer.history_,
            "scores": evaluation.scores.to_dict() if evaluation else None,
        }
    )
    if output is not None:
        nlp.to_disk(output)
        # The recognizer wrote its own [model] and [train]; make sure the file is the
        # resolved config even for a model type that writes less.
        _write_config(Path(output) / "config.toml", resolved, recognizer)
        seal(output, ["config.toml"])  # rewritten: record its checksum again
        if log is not None:
            log.plot()
    return TrainResult(
        nlp=nlp,
        config=resolved,
        evaluation=evaluation,
        history=list(recognizer.history_),
        seconds=seconds,
        n_train=len(train_examples),
        n_dev=len(dev_examples),
        alignment=alignment,
        base=record,
    )


def _rehearse(
    based: Base,
    train_examples: list[Example],
    dev_examples: list[Example],
    rehearse: Sequence[str | PathLike[str]],
    settings: Any,
    tokenizer: Callable[[str], Doc],
    format: str | None,
) -> tuple[list[Example], list[Example], dict[str, Any]]:
    """Training and dev examples with the base's predictions merged in, plus the rehearsal
    examples (see :mod:`.base_model`), and what ``meta.json`` records of it."""
    annotated = {lab for ex in train_examples for _, _, lab in ex.spans}
    old = [lab for lab in based.labels if lab not in annotated]
    # The new labels' entities: where the base predicts an old label over one of them, the
    # new data (or a rehearsal text) does not say it is no entity of the new label.
    names = {
        ex.text[a:b] for ex in train_examples for a, b, lab in ex.spans if lab not in based.labels
    }
    dev_examples, dev_added = with_base_predictions(dev_examples, based.recognizer, old, names)
    added, extra = 0, []
    if settings.rehearsal:
        train_examples, added = with_base_predictions(train_examples, based.recognizer, old, names)
        limit = math.ceil(settings.rehearsal_ratio * len(train_examples))
        if rehearse and limit:
            docs = rehearsal_docs(rehearse, tokenizer, format)
            extra = rehearsal_examples(docs, based.recognizer, names, limit, settings.seed)
    record = {
        **based.record(),
        "rehearsal": bool(settings.rehearsal),
        "old_labels_merged": old,
        "spans_merged_train": added,
        "spans_merged_dev": dev_added,
        "rehearsal_sources": [str(r) if not isinstance(r, str) else "<text>" for r in rehearse],
        "rehearsal_examples": len(extra),
    }
    return [*train_examples, *extra], dev_examples, record


def _write_config(path: Path, resolved: ResolvedConfig, recognizer: EntityRecognizer) -> None:
    import tomli_w

    data = {**resolved.to_dict(), **recognizer.config()}  # the model knows its learned labels
    path.write_text(tomli_w.dumps(data), encoding="utf8")


def _is_path(data: object) -> bool:
    return isinstance(data, str | PathLike)


def _file_hash(path: object) -> str | None:
    if not isinstance(path, str | PathLike) or not Path(path).is_file():
        return None
    return file_sha256(path)

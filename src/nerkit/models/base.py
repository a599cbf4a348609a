"""The recognizer contract every model implements, and the registry of model types."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from ..corpus.answers import trainable
from ..corpus.example import Example
from ..errors import ModelError
from ..tokens import Doc, Span


@dataclass(frozen=True)
class ScoredSpan:
    """A predicted span with the model's confidence in it (0..1)."""

    span: Span
    score: float


@runtime_checkable
class EntityRecognizer(Protocol):
    """What every model type provides. ``__init__`` only stores settings; ``fit`` learns."""

    name: str  # registry name with version, e.g. "perceptron.v1"
    labels: tuple[str, ...]
    # One dict per dev evaluation of the last ``fit`` (what ``callback`` was given).
    history_: list[dict[str, Any]]

    def fit(
        self,
        train: Sequence[Example],
        dev: Sequence[Example] | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> EntityRecognizer: ...

    def predict(self, docs: Sequence[Doc]) -> list[list[Span]]: ...

    def predict_with_scores(self, docs: Sequence[Doc]) -> list[list[ScoredSpan]]: ...

    def config(self) -> dict[str, Any]:
        """The resolved configuration (``config.toml``), learned labels included. Its
        ``[train]`` section has ``gold_tokens`` (train on the data's own tokens)."""
        ...

    def to_disk(self, path: str | Path) -> None: ...

    @classmethod
    def from_disk(cls, path: str | Path) -> EntityRecognizer: ...


R = TypeVar("R")
_REGISTRY: dict[str, type] = {}


def register(name: str) -> Callable[[type[R]], type[R]]:
    """Class decorator: make a model type loadable by its versioned ``name``."""

    def deco(cls: type[R]) -> type[R]:
        _REGISTRY[name] = cls
        return cls

    return deco


def get_model_class(name: str) -> type:
    """The model class registered as ``name`` (``perceptron`` means its newest version)."""
    _import_builtin_models()
    if name in _REGISTRY:
        return _REGISTRY[name]
    versions = sorted(k for k in _REGISTRY if k.split(".v")[0] == name)
    if versions:
        return _REGISTRY[versions[-1]]
    raise ModelError(
        "E201",
        f"Unknown model type '{name}'",
        hint=f"Known types: {', '.join(sorted(_REGISTRY))}.",
    )


def registered_models() -> list[str]:
    _import_builtin_models()
    return sorted(_REGISTRY)


def _import_builtin_models() -> None:
    # Each registers itself; ``neural`` imports torch only when a model is trained or loaded.
    from . import neural, perceptron  # noqa: F401


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


def settings_config(name: str, labels: Sequence[str], sections: dict[str, Any]) -> dict[str, Any]:
    """A model's resolved config (what ``config.toml`` holds): one table per settings
    dataclass in ``sections``, ``[model]`` led by ``name`` and holding the learned ``labels``."""
    from dataclasses import asdict

    out = {key: asdict(value) for key, value in sections.items()}
    out["model"] = {"name": name, **out["model"], "labels": list(labels)}
    return out


def settings_kwargs(
    config: dict[str, Any], labels: Sequence[str], sections: Iterable[str]
) -> dict[str, Any]:
    """Undo :func:`settings_config`: the constructor keywords of a saved model."""
    kwargs: dict[str, Any] = {}
    for section in sections:
        kwargs.update(config.get(section, {}))
    kwargs.pop("name", None)
    kwargs["labels"] = list(labels)
    return kwargs


def write_settings(path: str | Path, config: dict[str, Any], labels: Sequence[str]) -> Path:
    """Create the model directory and write its ``config.toml`` and ``labels.json``."""
    import json

    import tomli_w

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.toml").write_text(tomli_w.dumps(config), encoding="utf8")
    (path / "labels.json").write_text(json.dumps(list(labels)) + "\n", encoding="utf8")
    return path


def read_settings(path: str | Path, what: str) -> tuple[dict[str, Any], list[str]]:
    """Read a model directory's ``config.toml`` and ``labels.json``.

    Raises:
        ModelError: either file is missing or unreadable (E207), naming ``what`` was loaded.
    """
    import json
    import tomllib

    path = Path(path)
    try:
        config = tomllib.loads((path / "config.toml").read_text(encoding="utf8"))
        labels = json.loads((path / "labels.json").read_text(encoding="utf8"))
    except (OSError, ValueError) as err:
        raise ModelError(
            "E207",
            f"Cannot read the {what}: {err}",
            path=path,
            hint="Load the whole directory that `nerkit train` wrote.",
        ) from err
    return config, labels

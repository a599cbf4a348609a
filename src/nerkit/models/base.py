"""The recognizer contract every model implements (:class:`EntityRecognizer`), and the
optional protocols of models that learn from answers one at a time (:class:`LearnsOnline`)
and that say how sure they are of each token's tag (:class:`ScoresTokens`).

Training and the annotation app use models only through these; ``nerkit.models.testing``
checks that a model honours them. The registry of model types is ``registry.py``, the
helpers models share while fitting ``fitting.py``, the settings files ``settings_io.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from ..corpus.example import Example
from ..tokens import Doc, Span

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class ScoredSpan:
    """A predicted span with the model's confidence in it (0..1)."""

    span: Span
    score: float


@runtime_checkable
class EntityRecognizer(Protocol):
    """What every model type provides. ``__init__`` only stores settings; ``fit`` learns."""

    name: ClassVar[str]  # registry name with version, e.g. "perceptron.v1"
    # The settings dataclass of each config.toml section ("model", "train", ...): what
    # training resolves configs and --set overrides against.
    config_sections: ClassVar[Mapping[str, type]]
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


@runtime_checkable
class ContinuesFrom(Protocol):
    """A recognizer that can start from a trained model of its own type (both built-in
    models can; ``nerkit train --base``).

    ``start_from(base)`` makes the next ``fit`` begin with the base's weights, vocabulary
    and labels instead of from scratch, with the labels of the training data the base lacks
    added (its tags' weights kept in place by tag name; the new tags' start untrained).
    It raises :class:`~nerkit.errors.ModelError` (E341) for a base of another type and
    :class:`~nerkit.errors.ConfigError` (E342) when the settings of what the model is differ.
    """

    def start_from(self, base: object, /) -> None: ...


@runtime_checkable
class LearnsOnline(Protocol):
    """A recognizer that learns from answers as they come (both built-in models do).

    ``update(examples, passes)`` takes corpus Examples, binary ones included (an accepted or
    rejected span, the rest of the text unknown), and learns from them ``passes`` times: the
    perceptron's epochs over them, the neural model's optimizer steps. What it returns is for
    logging only (the perceptron: the tokens it tagged wrongly; the neural model: the mean
    loss). The weights change in place, in memory. The teach recipe of the annotation app
    calls it after each answer.
    """

    labels: tuple[str, ...]

    def update(self, examples: Sequence[Example], passes: int = 1, /) -> object: ...


@runtime_checkable
class ScoresTokens(Protocol):
    """A recognizer that says how sure it is of the tag it gives each token (both built-in
    models do).

    ``token_confidences(docs)`` returns, per doc, an array with one probability per token:
    that of the tag the model chose there, ``O`` included (the perceptron: the softmax of
    its tag scores among the tags allowed at that position; the neural model: the CRF's
    marginal probability of the Viterbi tag). Uncalibrated: what they are for is ranking
    texts by how much of them the model may have wrong (``nerkit simulate``'s ``uncertain``
    strategy), including entities it missed, which span scores cannot show.
    """

    def token_confidences(self, docs: Sequence[Doc], /) -> list[np.ndarray]: ...

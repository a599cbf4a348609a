"""What training, experiments and learning curves report while they run: a typed stream of
events, one dataclass per kind, that the command line renders (``nerkit.cli.progress``) and
a program can consume.

A model's ``fit`` reports each dev evaluation as a plain dict (its ``history_``, the
recognizer contract); :meth:`Evaluated.from_info` is the one place that reads it.

Example:
    >>> e = Evaluated.from_info({"epoch": 2, "loss": 0.5, "dev": {"precision": 0.5,
    ...     "recall": 1.0, "f1": 0.667}, "best_epoch": 2, "seconds": 1.5})
    >>> e.epoch, e.cost, e.cost_name, e.best, e.dev.f1
    (2, 0.5, 'loss', True, 0.667)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DevScores:
    """Micro precision, recall and F1 on the dev data (0..1)."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Evaluated:
    """One dev evaluation while a model trains (or one epoch, without dev data)."""

    epoch: float | int | str  # "avg": the perceptron ensemble's averaged members
    cost: float | int | None  # the perceptron's wrongly tagged tokens, the neural mean loss
    cost_name: str  # "errors" or "loss"
    dev: DevScores | None
    best: bool  # this evaluation made a new best model (never without dev data)
    seconds: float | None
    member: int | None = None  # the ensemble member of the perceptron
    run: str | None = None  # the config (experiment) or subset (curve) being trained
    examples: int | None = None  # training examples (curve)

    @classmethod
    def from_info(
        cls, info: Mapping[str, Any], run: str | None = None, examples: int | None = None
    ) -> Evaluated:
        """The event of a model's history record ``info``."""
        dev = info.get("dev")
        cost_name = "errors" if "errors" in info else "loss"
        return cls(
            epoch=info["epoch"],
            cost=info.get(cost_name),
            cost_name=cost_name,
            dev=DevScores(dev["precision"], dev["recall"], dev["f1"]) if dev else None,
            best=bool(dev) and info.get("best_epoch") == info["epoch"],
            seconds=info.get("seconds"),
            member=info.get("member"),
            run=run,
            examples=examples,
        )


@dataclass(frozen=True)
class VectorsReady:
    """The word vectors an experiment uses: trained now, or reused from the cache."""

    kind: str
    dim: int
    path: str
    cached: bool


@dataclass(frozen=True)
class VectorsProgress:
    """Training word vectors: ``done`` of ``total`` in ``stage``."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class RunStarted:
    """A config (experiment) or a subset size (curve) starts training (with several seeds:
    one of its runs; ``index`` and ``total`` count runs)."""

    name: str
    index: int
    total: int
    model: str | None = None
    examples: int | None = None
    seed: int | None = None  # the run's training seed, when each is trained with several


@dataclass(frozen=True)
class RunFinished:
    """A run ended: its test F1, or the error that stopped it (the others go on)."""

    name: str
    f1: float | None
    error: str | None = None
    seed: int | None = None  # as in RunStarted


Event = Evaluated | VectorsReady | VectorsProgress | RunStarted | RunFinished
Progress = Callable[[Event], None]

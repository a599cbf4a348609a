"""Span scores that mean what they say: calibration on the dev set, and thresholds.

A model's raw confidence in a predicted entity (the perceptron's margin between the tag it
chose and the runner-up, the CRF's probability of the span) ranks entities but is not a
probability: the perceptron's softmax saturates at 1.00 and a neural network is
overconfident. When training ends, each model predicts its dev texts and fits a logistic
regression (Platt scaling) from two features of each predicted entity to whether it is
exactly right (same boundaries, same label):

- the raw confidence on a log-odds scale (``log(margin)`` for the perceptron, ``logit(p)``
  for the CRF);
- whether the entity's words were annotated as an entity in the training data (``seen``).

The second feature is why a model calibrated on dev stays calibrated on new text: entities
the training data never named are wrong far more often (CoNLL-2003 dev, perceptron: 96% of
seen, 75% of unseen predicted entities right), and new text holds more of them than dev does
(68% seen on dev, 54% on test). Without it the perceptron's test ECE was 0.054; with it 0.038.

The training entities are kept as 64-bit hashes of their words (``calibration.safetensors``),
never as text; the fitted weights and the dev figures are in ``calibration.json``. A model
trained without dev data has no calibration and gives its raw scores (``calibrated`` false).

Thresholds (``[predict] threshold`` and ``thresholds = {LABEL = 0.8}``, or ``nerkit predict
--threshold``) drop predicted entities whose calibrated score is below them.

Example:
    >>> cal = fit_calibration(
    ...     "logit", [0.99, 0.95, 0.9, 0.6, 0.55], [True, True, True, False, True],
    ...     [span_key(["Paris"])] * 5, np.array([span_key(["Paris"])], dtype=np.uint64),
    ... )
    >>> s = cal.scores(np.array([0.99, 0.6]), np.array([span_key(["Paris"])] * 2, np.uint64))
    >>> bool(0 < s[1] < s[0] < 1)
    True
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, ModelError

if TYPE_CHECKING:
    from ..corpus.example import Example
    from ..tokens import Doc, Span
    from .base import ScoredSpan

CALIBRATION_JSON = "calibration.json"
CALIBRATION_TENSORS = "calibration.safetensors"
KINDS = ("log_margin", "logit")
# L2 pull of the weights toward the prior (raw log-odds as they are, nothing for "seen"), in
# units of one dev entity's log loss: negligible with thousands of dev entities, a brake with
# a dozen.
PRIOR_STRENGTH = 2.0
_EPS = 1e-6


@dataclass
class PredictSettings:
    """``[predict]``: how a trained model's entities are scored and filtered.

    ``calibrate``: fit the scores on the dev set when training ends. ``threshold``: drop
    entities scored below it (0 keeps all); ``thresholds``: the same per label, e.g.
    ``{PRODUCT = 0.7}``, over ``threshold`` for those labels.
    """

    calibrate: bool = True  # fit the scores on the dev set when training ends, so a score is the chance the entity is right
    threshold: float = 0.0  # drop entities scored below this (0: keep all); nerkit predict --threshold overrides it
    thresholds: dict[str, float] = field(default_factory=dict)  # per label: {PRODUCT = 0.7}


def check_predict_settings(settings: PredictSettings, labels: Sequence[str] = ()) -> None:
    """E309 for a threshold outside 0..1; E380 for a per-label threshold of a label the
    model does not have (when ``labels`` are known)."""
    for name, value in [("threshold", settings.threshold), *settings.thresholds.items()]:
        if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
            key = "predict.threshold" if name == "threshold" else f"predict.thresholds.{name}"
            raise ConfigError(
                "E309",
                f"{key} must be a score between 0 and 1, got {value!r}",
                hint="Scores are calibrated probabilities: 0.8 keeps entities right 80% of "
                "the time or more.",
            )
    unknown = sorted(set(settings.thresholds) - set(labels)) if labels else []
    if unknown:
        raise ConfigError(
            "E380",
            f"predict.thresholds names label(s) the model does not have: {', '.join(unknown)}",
            hint=f"The model's labels: {', '.join(labels)}.",
        )


@dataclass
class Thresholds:
    """The score an entity needs to be kept: one for all labels, or one per label."""

    default: float = 0.0
    per_label: dict[str, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, items: Iterable[str], base: Thresholds | None = None) -> Thresholds:
        """``["0.8", "PRODUCT=0.6"]`` (``nerkit predict --threshold``) over ``base``.

        Raises:
            ConfigError: an item is not ``SCORE`` or ``LABEL=SCORE`` with 0 <= SCORE <= 1
                (E381).
        """
        out = Thresholds(base.default, dict(base.per_label)) if base else Thresholds()
        for item in items:
            label, _, value = item.rpartition("=")
            try:
                score = float(value)
            except ValueError:
                score = math.nan
            if not 0.0 <= score <= 1.0 or (item.count("=") > 1) or (label == "" and "=" in item):
                raise ConfigError(
                    "E381",
                    f"Cannot read the threshold '{item}'",
                    hint="Write a score between 0 and 1 (--threshold 0.8) or a label and a "
                    "score (--threshold PRODUCT=0.7).",
                )
            if label:
                out.per_label[label.strip()] = score
            else:
                out.default = score
        return out

    @property
    def active(self) -> bool:
        return self.default > 0 or any(v > 0 for v in self.per_label.values())

    def keeps(self, label: str, score: float) -> bool:
        return score >= self.per_label.get(label, self.default)

    def apply(self, scored: list[list[ScoredSpan]]) -> list[list[ScoredSpan]]:
        """Each doc's spans scored at or above their label's threshold."""
        if not self.active:
            return scored
        return [[s for s in spans if self.keeps(s.span.label, s.score)] for spans in scored]


def thresholds_of(settings: PredictSettings) -> Thresholds:
    return Thresholds(
        float(settings.threshold), {k: float(v) for k, v in settings.thresholds.items()}
    )


def span_key(words: Sequence[str]) -> int:
    """A stable 64-bit hash of an entity's words (joined by one space)."""
    digest = hashlib.blake2b(" ".join(words).encode("utf8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def doc_span_keys(doc: Doc, spans: Iterable[Span]) -> list[int]:
    words = doc.words
    return [span_key(words[s.start : s.end]) for s in spans]


def seen_keys(examples: Sequence[Example]) -> np.ndarray:
    """The sorted, distinct keys of the entities the training ``examples`` annotate (complete
    answers' spans and accepted binary answers' spans), aligned to the examples' tokens."""
    from .fitting import gold_token_spans

    keys: set[int] = set()
    for ex in examples:
        if getattr(ex, "answer", "accept") != "accept":
            continue
        words = ex.doc.words
        for start, end, _ in gold_token_spans(ex):
            keys.add(span_key(words[start:end]))
    return np.array(sorted(keys), dtype=np.uint64)


def raw_feature(kind: str, raw: np.ndarray) -> np.ndarray:
    """The raw confidence on a log-odds scale: ``log(margin)`` or ``logit(p)``."""
    raw = np.asarray(raw, dtype=np.float64)
    if kind == "log_margin":
        return np.clip(np.log(np.maximum(raw, 0.0) + 1e-3), -7.0, 12.0)
    p = np.clip(raw, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass
class SpanCalibration:
    """Platt scaling of a model's raw span confidence, with the ``seen`` feature."""

    kind: str  # "log_margin" (perceptron) or "logit" (CRF probability)
    weights: tuple[float, float]  # raw log-odds, seen
    bias: float
    seen: np.ndarray  # sorted uint64 keys of the training entities
    record: dict[str, Any] = field(default_factory=dict)  # dev entities, ECE before/after

    def features(self, raw: np.ndarray, keys: np.ndarray) -> np.ndarray:
        seen = _member(np.asarray(keys, dtype=np.uint64), self.seen)
        return np.column_stack([raw_feature(self.kind, raw), seen.astype(np.float64)])

    def scores(self, raw: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of the entities with ``raw`` confidence and ``keys``."""
        if len(raw) == 0:
            return np.zeros(0)
        z = self.features(raw, keys) @ np.asarray(self.weights) + self.bias
        return _sigmoid(z)

    def rescore(
        self, docs: Sequence[Doc], scored: list[list[ScoredSpan]]
    ) -> list[list[ScoredSpan]]:
        """``scored`` (raw confidences) with calibrated scores, same order."""
        from .base import ScoredSpan

        raw = np.array([s.score for spans in scored for s in spans], dtype=np.float64)
        keys = np.array(
            [
                k
                for doc, spans in zip(docs, scored)
                for k in doc_span_keys(doc, [s.span for s in spans])
            ],
            dtype=np.uint64,
        )
        probs = iter(self.scores(raw, keys).tolist())
        return [[ScoredSpan(s.span, next(probs)) for s in spans] for spans in scored]

    # -- disk -----------------------------------------------------------------------------

    def to_disk(self, path: str | Path) -> None:
        from safetensors.numpy import save_file

        path = Path(path)
        data = {
            "method": "platt",
            "kind": self.kind,
            "features": [self.kind, "seen"],
            "weights": list(self.weights),
            "bias": self.bias,
            "seen_entities": int(len(self.seen)),
            **self.record,
        }
        (path / CALIBRATION_JSON).write_text(json.dumps(data, indent=2) + "\n", encoding="utf8")
        save_file({"seen": self.seen.view(np.int64)}, str(path / CALIBRATION_TENSORS))

    @classmethod
    def from_disk(cls, path: str | Path) -> SpanCalibration | None:
        """The calibration saved in the model directory ``path``; None if it has none.

        Raises:
            ModelError: the files are damaged or do not belong together (E207).
        """
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        path = Path(path)
        if not (path / CALIBRATION_JSON).exists():
            return None
        try:
            data = json.loads((path / CALIBRATION_JSON).read_text(encoding="utf8"))
            seen = load_file(str(path / CALIBRATION_TENSORS))["seen"].view(np.uint64)
            kind, weights, bias = data["kind"], data["weights"], float(data["bias"])
            if kind not in KINDS or len(weights) != 2 or seen.ndim != 1:
                raise ValueError("unexpected calibration.json contents")
        except (OSError, ValueError, KeyError, TypeError, SafetensorError) as err:
            raise ModelError(
                "E207",
                f"Cannot read the model's calibration ({CALIBRATION_JSON}, "
                f"{CALIBRATION_TENSORS}): {err}",
                path=path,
                hint="Copy the whole model directory again, or train again.",
            ) from err
        known = {"method", "kind", "features", "weights", "bias", "seen_entities"}
        record = {k: v for k, v in data.items() if k not in known}
        return cls(kind, (float(weights[0]), float(weights[1])), bias, np.sort(seen), record)


def _member(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    if not len(table):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return table[at] == keys


def fit_calibration(
    kind: str,
    raw: Sequence[float],
    correct: Sequence[bool],
    keys: Sequence[int],
    seen: np.ndarray,
) -> SpanCalibration:
    """Fit the Platt scaling of ``raw`` confidences (and ``seen``) to ``correct``, by Newton's
    method on the log loss plus a pull toward the prior (``PRIOR_STRENGTH``); the result
    records the dev entities and the expected calibration error before and after."""
    from ..scoring.calibration import expected_calibration_error, reliability

    y = np.asarray(correct, dtype=np.float64)
    cal = SpanCalibration(kind, (1.0, 0.0), 0.0, np.asarray(seen, dtype=np.uint64))
    raw_arr = np.asarray(raw, dtype=np.float64)
    x = np.column_stack([cal.features(raw_arr, np.asarray(keys, dtype=np.uint64)), np.ones(len(y))])
    prior = np.array([1.0, 0.0, 0.0])
    w = prior.copy()
    reg = PRIOR_STRENGTH * np.diag([1.0, 1.0, 0.1])  # the bias may move more freely

    def loss(v: np.ndarray) -> float:
        z = x @ v
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * (v - prior) @ reg @ (v - prior))

    current = loss(w)
    for _ in range(100):
        p = _sigmoid(x @ w)
        grad = x.T @ (p - y) + reg @ (w - prior)
        hess = (x * (p * (1 - p))[:, None]).T @ x + reg
        step = np.linalg.solve(hess, grad)
        for _ in range(40):  # a damped Newton step: never a step that raises the loss
            trial = loss(w - step)
            if trial <= current:
                break
            step = step / 2
        else:
            break
        w, current = w - step, trial
        if np.abs(step).max() < 1e-9:
            break
    cal.weights, cal.bias = (float(w[0]), float(w[1])), float(w[2])
    before = raw_arr if kind == "logit" else _sigmoid(raw_feature(kind, raw_arr))
    ok = [bool(c) for c in correct]
    after = cal.scores(raw_arr, np.asarray(keys, dtype=np.uint64))
    cal.record = {
        "dev_entities": len(y),
        "dev_correct": int(y.sum()),
        "dev_ece_raw": round(expected_calibration_error(reliability(before.tolist(), ok)), 4),
        "dev_ece": round(expected_calibration_error(reliability(after.tolist(), ok)), 4),
    }
    return cal


def calibrate_on(
    kind: str,
    raw_scored: list[list[ScoredSpan]],
    docs: Sequence[Doc],
    gold: Sequence[Sequence[tuple[int, int, str]]],
    seen: np.ndarray,
) -> SpanCalibration | None:
    """The calibration fitted on a model's raw-scored predictions for dev ``docs`` with
    ``gold`` character spans; None when it predicted no entity there."""
    raw: list[float] = []
    correct: list[bool] = []
    keys: list[int] = []
    for doc, spans, g in zip(docs, raw_scored, gold):
        want = {tuple(x) for x in g}
        for s in spans:
            raw.append(s.score)
            correct.append((s.span.start_char, s.span.end_char, s.span.label) in want)
        keys.extend(doc_span_keys(doc, [s.span for s in spans]))
    if not raw:
        return None
    return fit_calibration(kind, raw, correct, keys, seen)

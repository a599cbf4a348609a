"""``perceptron.v1``: greedy left-to-right BILUO tagging with an averaged perceptron.

Example:
    >>> from nerkit.corpus import Example
    >>> from nerkit.tokens import Doc
    >>> doc = Doc.from_words(["Ada", "Lovelace", "wrote", "code"])
    >>> model = PerceptronRecognizer(hash_rows=2**12).fit([Example(doc, [(0, 12, "PER")])])
    >>> [(s.text, s.label) for s in model.predict([doc])[0]]
    [('Ada Lovelace', 'PER')]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load_file, save_file

from ...corpus.answers import accepted, trainable
from ...corpus.example import Example
from ...errors import ConfigError, ModelError
from ...tokens import Doc, Span
from ...vectors.clusters import CLUSTERS_FILE, ClusterSettings, WordClusters
from ...vocab import Vocab
from ..base import ScoredSpan
from ..calibration import (
    PredictSettings,
    SpanCalibration,
    calibrate_examples,
    check_predict_settings,
)
from ..fitting import check_labels, fit_labels, improves, span_prf
from ..growth import grown_labels, tag_map
from ..registry import register
from ..settings_io import (
    check_counts,
    read_settings,
    settings_config,
    settings_kwargs,
    write_settings,
)
from ..tagset import TagSet
from ..targets import TokenTargets, token_targets
from ..windows import WINDOW_TOKENS, predict_in_windows
from .decode import greedy_decode
from .features import FeatureExtractor, TagKeys
from .learn import NULL_ROW, AveragedWeights, TrainingData, train_epoch

NAME = "perceptron.v1"


@dataclass
class PerceptronSettings:
    """The ``[model]`` section: what the model is."""

    hash_rows: int = 2**22  # rows of the hashed weight table; a power of two
    labels: list[str] = field(default_factory=list)  # empty: the labels of the training data


@dataclass
class PerceptronTrainSettings:
    """The ``[train]`` section: how it is trained."""

    max_epochs: int = 15
    patience: int = (
        4  # stop after this many epochs without a better dev F1 (counted once dev F1 is above 0)
    )
    seed: int = 0
    feature_dropout: float = 0.0  # chance of hiding a token's word-identity features in training
    entity_dropout: float = 0.0  # the same chance for the tokens of gold entities: names a new text will not repeat must be found from context, affixes and shape
    # Train this many models on differently shuffled data (seeds seed, seed+1, ...), each
    # picked on dev, and average their weights: on CoNLL-2003, 3 gave +0.6 test F1 over 1.
    ensemble: int = 3
    gold_tokens: bool = False  # train on the data's own tokens (CoNLL, Prodigy "tokens") instead of what the tokenizer makes of its text; only for a model that will always be given pre-tokenized text
    rehearsal: bool = True  # with a base model (--base): train on its predictions of its old labels too (in the new texts, and in --rehearse texts), so they are not forgotten
    rehearsal_ratio: float = 1.0  # with a base model: rehearsal texts per new training example (at most; 0: none, only the base's predictions in the new texts)


def _split_settings(
    kwargs: dict[str, Any],
) -> tuple[PerceptronSettings, PerceptronTrainSettings, ClusterSettings, PredictSettings]:
    model_keys = {f.name for f in fields(PerceptronSettings)}
    train_keys = {f.name for f in fields(PerceptronTrainSettings)}
    vector_keys = {f.name for f in fields(ClusterSettings)}
    predict_keys = {f.name for f in fields(PredictSettings)}
    unknown = set(kwargs) - model_keys - train_keys - vector_keys - predict_keys
    if unknown:
        known = model_keys | train_keys | vector_keys | predict_keys
        raise ConfigError(
            "E302",
            f"Unknown perceptron setting(s): {', '.join(sorted(unknown))}",
            hint=f"Known: {', '.join(sorted(known))}.",
        )
    settings = PerceptronSettings(**{k: v for k, v in kwargs.items() if k in model_keys})
    train = PerceptronTrainSettings(**{k: v for k, v in kwargs.items() if k in train_keys})
    vectors = ClusterSettings(**{k: v for k, v in kwargs.items() if k in vector_keys})
    predict = PredictSettings(**{k: v for k, v in kwargs.items() if k in predict_keys})
    check_predict_settings(predict, settings.labels)
    check_counts("train", train, ["max_epochs", "ensemble"])
    n = settings.hash_rows
    if not isinstance(n, int) or n < 2 or n & (n - 1):
        raise ConfigError(
            "E303",
            f"model.hash_rows must be a power of two, got {n!r}",
            hint="Use e.g. 1048576 (2^20), 2097152 (2^21) or 4194304 (2^22).",
        )
    return settings, train, vectors, predict


@register(NAME)
class PerceptronRecognizer:
    """Averaged-perceptron BILUO tagger over hashed lexical and tag-history features.

    With ``[vectors] path`` set, the words' clusters in that vector space (k-means at
    several granularities, see :mod:`nerkit.vectors.clusters`) are features too; the cluster
    table is saved with the model, so the vectors are not needed to load it.

    ``predict_with_scores`` gives each span the probability that it is right, calibrated on
    the dev set when training ended (:mod:`nerkit.models.calibration`) from the mean, over
    its tokens, of the margin between the chosen tag and the runner-up. A model trained
    without dev data gives the uncalibrated mean softmax probability of the chosen tags.
    """

    name: ClassVar[str] = NAME
    config_sections: ClassVar[Mapping[str, type]] = {
        "model": PerceptronSettings,
        "train": PerceptronTrainSettings,
        "vectors": ClusterSettings,
        "predict": PredictSettings,
    }
    window_tokens: int = WINDOW_TOKENS  # longer docs are predicted in windows (windows.py)

    def __init__(self, **settings: Any) -> None:
        (self.settings, self.train_settings, self.vector_settings, self.predict_settings) = (
            _split_settings(settings)
        )
        self.calibration_: SpanCalibration | None = None
        self.clusters_: WordClusters | None = None
        self.labels: tuple[str, ...] = tuple(self.settings.labels)
        self.weights_: np.ndarray | None = None
        self.history_: list[dict[str, Any]] = []
        self._vocab = Vocab()
        self._fx: FeatureExtractor | None = None
        self._tagset: TagSet | None = None
        # Continued from a base with other labels: what the tag-history features hash per
        # tag (None: the tag ids themselves; see TagKeys).
        self.tag_keys_: TagKeys | None = None
        self._base: PerceptronRecognizer | None = None

    def start_from(self, base: object) -> None:
        """Make the next :meth:`fit` continue from ``base``, a trained perceptron with the same
        ``hash_rows``: its weights (each tag's column moved to where the tag is in the grown
        tag set), its word clusters and its labels, plus the labels the training data adds.

        Raises:
            ModelError: ``base`` is not a trained perceptron (E341).
            ConfigError: its ``hash_rows`` differ (E342).
        """
        if not isinstance(base, PerceptronRecognizer) or base.weights_ is None:
            raise ModelError(
                "E341",
                f"A perceptron can only continue from a trained perceptron, not "
                f"{getattr(base, 'name', type(base).__name__)}",
                hint="Pass a model directory that `nerkit train --model perceptron` wrote.",
            )
        for name, mine, theirs in (
            ("model.hash_rows", self.settings.hash_rows, base.settings.hash_rows),
            ("vectors.path", self.vector_settings.path, base.vector_settings.path),
            (
                "vectors.cluster_sizes",
                self.vector_settings.cluster_sizes,
                base.vector_settings.cluster_sizes,
            ),
        ):
            if mine != theirs:
                raise ConfigError(
                    "E342",
                    f"{name} is {mine!r} but the base model has {theirs!r}: its weights "
                    "cannot continue with other features",
                    hint=f"Leave {name} out (or set it to {theirs!r}).",
                )
        self._base = base

    def grown_weights(self, tagset: TagSet) -> tuple[np.ndarray, TagKeys]:
        """The base's weights with its tags' columns where those tags are in ``tagset`` (new
        tags' columns zero), and the tag keys that keep its tag-history rows."""
        base = self._base
        assert base is not None and base.weights_ is not None
        old = TagSet(base.labels)
        where = tag_map(old, tagset)[:-1]
        weights = np.zeros((self.settings.hash_rows, tagset.n_tags), dtype=np.float32)
        weights[:, where] = base.weights_
        keys = base.tag_keys_ or TagKeys.plain(old.n_tags + 1)
        return weights, keys.grown(old, tagset)

    # -- training -------------------------------------------------------------------------

    def fit(
        self,
        train: Sequence[Example],
        dev: Sequence[Example] | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> PerceptronRecognizer:
        """Train on the accepted examples of ``train``; keep the epoch best on ``dev``.

        ``callback`` gets a dict per epoch: ``epoch``, ``member`` (1.. ``ensemble``),
        ``errors`` (wrongly tagged training tokens), ``dev`` (precision/recall/f1 or None),
        ``best_epoch``, ``seconds``; with an ensemble, a last one with ``epoch == "avg"``.
        """
        train = trainable(train)
        dev = accepted(dev or [])
        base, initial = self._base, None
        if base is None:
            labels = fit_labels(train, dev, self.settings.labels)
            self.clusters_ = self._build_clusters()
            self.tag_keys_ = None
        else:
            new = fit_labels(train, [], self.settings.labels)
            labels = grown_labels(base.labels, new, self.settings.labels)
            check_labels(dev, labels)
            self.clusters_ = base.clusters_  # the base's features, word clusters included
            initial, self.tag_keys_ = self.grown_weights(TagSet(labels))
        self.labels = labels
        fx, tagset = self._features()
        targets = token_targets(train, tagset)
        if not targets:
            raise ModelError("E205", "No accepted training examples", hint="Check the data.")
        data = self._training_data(targets, fx, tagset)
        dev_docs = [ex.doc for ex in dev]
        dev_gold = [ex.spans for ex in dev]
        self.history_ = []
        n_members = max(1, self.train_settings.ensemble)
        total: np.ndarray | None = None
        for member in range(1, n_members + 1):
            best = self._fit_one(data, fx, tagset, member, dev_docs, dev_gold, callback, initial)
            total = best if total is None else total + best
        assert total is not None
        self.weights_ = total / n_members if n_members > 1 else total
        self._base = None  # learned from; its weights are in these now
        if n_members > 1 and dev:
            # The members are linear models: averaging weights averages their scores.
            scores = span_prf(self, dev_docs, dev_gold)
            info = {"epoch": "avg", "member": None, "errors": None, "dev": scores}
            self.history_.append(info)
            if callback is not None:
                callback(info)
        self.calibration_ = None
        if dev and self.predict_settings.calibrate:
            self.calibrate(dev, train)
        return self

    def calibrate(self, dev: Sequence[Example], train: Sequence[Example]) -> SpanCalibration | None:
        """Fit the span scores on the complete ``dev`` answers (``train``: the training
        examples, whose entities count as seen); None when it predicts no dev entity."""
        self.calibration_ = calibrate_examples(
            "log_margin", lambda docs: self._predict(docs, with_probs=True, raw=True), dev, train
        )
        return self.calibration_

    def _build_clusters(self) -> WordClusters | None:
        vs = self.vector_settings
        if not vs.path:
            return None
        from ...vectors import Vectors

        return WordClusters.build(
            Vectors.from_disk(vs.path),
            vs.cluster_sizes,
            max_words=vs.cluster_max_words,
            seed=self.train_settings.seed,
        )

    def _fit_one(
        self,
        data: TrainingData,
        fx: FeatureExtractor,
        tagset: TagSet,
        member: int,
        dev_docs: list[Doc],
        dev_gold: list[list[tuple[int, int, str]]],
        callback: Callable[[dict[str, Any]], None] | None,
        initial: np.ndarray | None = None,
    ) -> np.ndarray:
        """Train one member (seed ``seed + member - 1``) from ``initial`` weights (None:
        zero); its averaged weights best on dev."""
        weights = AveragedWeights(self.settings.hash_rows, tagset.n_tags, initial)
        rng = np.random.default_rng(self.train_settings.seed + member - 1)
        best_f1, best_epoch, best = -1.0, 0, None
        for epoch in range(1, self.train_settings.max_epochs + 1):
            t0 = time.perf_counter()
            order = rng.permutation(len(data.lengths))
            errors = train_epoch(
                weights,
                data,
                order,
                fx,
                tagset,
                self.train_settings.feature_dropout,
                rng,
                self.train_settings.entity_dropout,
            )
            averaged = weights.averaged()
            info: dict[str, Any] = {
                "epoch": epoch,
                "member": member,
                "errors": errors,
                "error_rate": errors / max(1, len(data.gold)),
                "dev": None,
            }
            improved = True
            if dev_docs:
                self.weights_ = averaged
                info["dev"] = span_prf(self, dev_docs, dev_gold)
                improved = improves(info["dev"]["f1"], best_f1)
            if improved:
                best_f1 = info["dev"]["f1"] if dev_docs else best_f1
                best_epoch, best = epoch, averaged
            info.update(best_epoch=best_epoch, best_f1=best_f1 if dev_docs else None)
            info["seconds"] = time.perf_counter() - t0
            self.history_.append(info)
            if callback is not None:
                callback(info)
            waited = epoch - best_epoch
            if errors == 0 or (dev_docs and best_f1 > 0 and waited >= self.train_settings.patience):
                break
        assert best is not None
        return best

    def update(self, examples: Sequence[Example], epochs: int = 1) -> int:
        """Online step on ``examples`` (e.g. answers in ``nerkit annotate teach``).

        One plain perceptron pass: each wrongly tagged token moves the weights by +-1 towards
        the gold tags, added to the trained (averaged) weights in place; no averaging, so it is
        cheap enough to run after every answer. A binary answer (``kind="binary"``: a span
        accepted or rejected) corrects only the guesses it rules out. Returns the number of
        wrongly tagged tokens.

        Example:
            >>> from nerkit.tokens import Doc
            >>> doc = Doc.from_words(["Ada", "wrote", "code"])
            >>> m = PerceptronRecognizer(hash_rows=2**10, ensemble=1)
            >>> m = m.fit([Example(doc, [(0, 3, "PER")])])
            >>> m.update([Example(doc, [(0, 3, "PER")])])
            0
        """
        if self.weights_ is None:
            raise ModelError(
                "E206", "The perceptron has not been trained", hint="Call fit() or load a model."
            )
        examples = trainable(examples)
        check_labels(examples, self.labels)
        fx, tagset = self._features()
        targets = token_targets(examples, tagset)
        if not targets:
            return 0
        data = self._training_data(targets, fx, tagset)
        weights = _OnlineWeights(self.weights_)
        errors = 0
        for _ in range(max(1, epochs)):
            errors = train_epoch(
                weights,  # type: ignore[arg-type]  # same W/update/step interface
                data,
                np.arange(len(targets)),
                fx,
                tagset,
            )
        return errors

    def _training_data(
        self, targets: Sequence[TokenTargets], fx: FeatureExtractor, tagset: TagSet
    ) -> TrainingData:
        batch = fx.batch(self._vocab, [t.doc.words for t in targets])
        gold = np.concatenate([t.tags for t in targets])
        return TrainingData.build(batch, gold, fx, tagset, [t.rejected for t in targets])

    def _features(self) -> tuple[FeatureExtractor, TagSet]:
        """The feature extractor and tag set of the current clusters and labels, kept between
        calls: with clusters, building the extractor hashes every cluster id (~1 ms)."""
        fx = self._fx
        if fx is None or fx.clusters is not self.clusters_ or fx.tag_keys is not self.tag_keys_:
            fx = self._fx = FeatureExtractor(
                self.settings.hash_rows, self.clusters_, self.tag_keys_
            )
        if self._tagset is None or self._tagset.labels != self.labels:
            self._tagset = TagSet(self.labels)
        return fx, self._tagset

    # -- prediction -----------------------------------------------------------------------

    def predict(self, docs: Sequence[Doc]) -> list[list[Span]]:
        """Entity spans of each doc (batched; long docs in windows, see ``windows.py``)."""
        found = predict_in_windows(
            lambda pieces: self._predict(pieces, with_probs=False), docs, self.window_tokens
        )
        return [[s.span for s in spans] for spans in found]

    def predict_with_scores(self, docs: Sequence[Doc]) -> list[list[ScoredSpan]]:
        """Entity spans of each doc with a confidence (see the class docstring)."""
        return predict_in_windows(
            lambda pieces: self._predict(pieces, with_probs=True), docs, self.window_tokens
        )

    def token_confidences(self, docs: Sequence[Doc]) -> list[np.ndarray]:
        """Per doc, the probability of the tag chosen for each token (``O`` included): the
        softmax of the tag scores among the tags allowed there (see
        :class:`~nerkit.models.base.ScoresTokens`)."""
        self._check_trained()
        out: list[np.ndarray] = []
        for chunk, _tags, probs, _ in self._decoded(docs, with_probs=True):
            assert probs is not None
            offset = 0
            for doc in chunk:
                out.append(probs[offset : offset + len(doc)].astype(np.float64))
                offset += len(doc)
        return out

    def _check_trained(self) -> None:
        if self.weights_ is None:
            raise ModelError(
                "E206", "The perceptron has not been trained", hint="Call fit() or load a model."
            )

    def _decoded(
        self, docs: Sequence[Doc], with_probs: bool, max_tokens: int = 65536
    ) -> Iterator[tuple[Sequence[Doc], np.ndarray, np.ndarray | None, np.ndarray | None]]:
        """``docs`` greedily decoded in batches of about ``max_tokens`` tokens (to bound the
        memory of one pass): each batch's docs, tags, probabilities and margins."""
        assert self.weights_ is not None
        fx, tagset = self._features()
        i = 0
        while i < len(docs):
            j, n = i, 0
            while j < len(docs) and (j == i or n + len(docs[j]) <= max_tokens):
                n += len(docs[j])
                j += 1
            chunk = docs[i:j]
            batch = fx.batch(self._vocab, [d.words for d in chunk])
            yield (chunk, *greedy_decode(self.weights_, batch, fx, tagset, with_probs))
            i = j

    def _predict(
        self, docs: Sequence[Doc], with_probs: bool, max_tokens: int = 65536, raw: bool = False
    ) -> list[list[ScoredSpan]]:
        """Spans of ``docs``; ``with_probs``: scored, calibrated when the model is (``raw``:
        the mean margin of its tokens, what calibration starts from)."""
        self._check_trained()
        _, tagset = self._features()
        out: list[list[ScoredSpan]] = []
        for chunk, tags, probs, margins in self._decoded(docs, with_probs, max_tokens):
            token_scores = margins if raw or self.calibration_ is not None else probs
            offset = 0
            for doc in chunk:
                m = len(doc)
                spans = []
                for start, end, label in tagset.spans(tags[offset : offset + m]):
                    score = (
                        _mean(token_scores[offset + start : offset + end])
                        if token_scores is not None
                        else 1.0
                    )
                    spans.append(ScoredSpan(Span.from_tokens(doc, start, end, label), score))
                out.append(spans)
                offset += m
        if with_probs and not raw and self.calibration_ is not None:
            out = self.calibration_.rescore(docs, out)
        return out

    # -- disk -----------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """The resolved configuration: ``[model]`` (name + settings) and ``[train]``."""
        return settings_config(
            self.name,
            self.labels,
            {
                "model": self.settings,
                "train": self.train_settings,
                "vectors": self.vector_settings,
                "predict": self.predict_settings,
            },
        )

    def to_disk(self, path: str | Path) -> None:
        """Write ``config.toml``, ``labels.json`` and ``weights.safetensors`` (non-zero rows only)."""
        if self.weights_ is None:
            raise ModelError(
                "E206", "The perceptron has not been trained", hint="Call fit() first."
            )
        path = write_settings(path, self.config(), self.labels)
        rows = np.flatnonzero(np.any(self.weights_ != 0, axis=1)).astype(np.int64)
        tensors = {"rows": rows, "weights": np.ascontiguousarray(self.weights_[rows])}
        metadata = {"format": NAME, "hash_rows": str(self.settings.hash_rows)}
        if self.tag_keys_ is not None:
            tensors["tag_keys"] = self.tag_keys_.keys.astype(np.int64)
            metadata["tag_pair_base"] = str(self.tag_keys_.pair_base)
        save_file(tensors, str(path / "weights.safetensors"), metadata=metadata)
        if self.clusters_ is not None:
            self.clusters_.to_disk(path)
        if self.calibration_ is not None:
            self.calibration_.to_disk(path)

    @classmethod
    def from_disk(cls, path: str | Path) -> PerceptronRecognizer:
        """Load a directory written by :meth:`to_disk`."""
        path = Path(path)
        config, labels = read_settings(path, "perceptron model")
        try:
            tensors = load_file(str(path / "weights.safetensors"))
            rows, values = tensors["rows"], tensors["weights"]
            with safe_open(str(path / "weights.safetensors"), "np") as fh:
                saved = fh.metadata() or {}
            keys = None
            if "tag_keys" in tensors:
                keys = TagKeys(tensors["tag_keys"].astype(np.uint64), int(saved["tag_pair_base"]))
        except (OSError, ValueError, KeyError, SafetensorError) as err:
            raise ModelError(
                "E207",
                f"Cannot read the perceptron model's weights.safetensors: {err}",
                path=path,
                hint="The file is damaged or not nerkit's: copy the model directory again.",
            ) from err
        self = cls(**settings_kwargs(config, labels, cls.config_sections))
        self.labels = tuple(labels)
        n_tags = 1 + 4 * len(labels)
        weights = np.zeros((self.settings.hash_rows, n_tags), dtype=np.float32)
        if (
            values.shape[1:] != (n_tags,)
            or (rows.size and rows.max() >= weights.shape[0])
            or saved.get("hash_rows", str(self.settings.hash_rows)) != str(self.settings.hash_rows)
            or (keys is not None and len(keys.keys) != n_tags + 1)
        ):
            raise ModelError(
                "E207", "weights.safetensors does not match config.toml and labels.json", path=path
            )
        weights[rows] = values
        self.weights_ = weights
        self.tag_keys_ = keys
        if self.vector_settings.path:
            if not (path / CLUSTERS_FILE).is_file():
                raise ModelError(
                    "E207",
                    f"The model was trained with word clusters but {CLUSTERS_FILE} is missing",
                    path=path,
                    hint="Copy the whole model directory.",
                )
            self.clusters_ = WordClusters.from_disk(path)
        self.calibration_ = SpanCalibration.from_disk(path)
        return self


def _mean(values: np.ndarray) -> float:
    """The mean of the tokens' values that are numbers (a forced tag's margin is NaN)."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else 1.0


class _OnlineWeights:
    """Float weights updated in place, shaped like ``AveragedWeights`` for ``train_epoch``."""

    def __init__(self, weights: np.ndarray) -> None:
        self.W = weights
        self.step = 1

    def update(self, rows: np.ndarray, tags: np.ndarray, deltas: np.ndarray) -> None:
        np.add.at(self.W, (rows, tags), deltas.astype(self.W.dtype))
        self.W[NULL_ROW] = 0

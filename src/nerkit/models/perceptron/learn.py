"""The averaged perceptron's weights and one training epoch of greedy BILUO tagging.

Averaging uses the timestamp trick: alongside the weights ``W`` keep ``U``, and at step ``c``
apply an update ``d`` as ``W += d; U += c * d``. The average of ``W`` over all steps is then
``(c W - U) / (c - 1)``, so updates stay sparse and vectorised and averaging costs one pass at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..tagset import TagSet
from .features import STATIC_IDENTITY, TAG_WORD_IDENTITY, Batch, FeatureExtractor

# Row 0 of the table is kept at zero: a feature pointed at it is switched off (dropout).
NULL_ROW = 0


class AveragedWeights:
    """Perceptron weights ``(n_rows, n_tags)`` with the accumulator for averaging: integers
    from scratch; floats when training continues from the ``initial`` weights of a trained
    model (then ``U`` starts at ``initial``, so the average is ``initial`` plus the average
    of the updates since)."""

    W: np.ndarray
    U: np.ndarray

    def __init__(self, n_rows: int, n_tags: int, initial: np.ndarray | None = None) -> None:
        if initial is None:
            self.W = np.zeros((n_rows, n_tags), dtype=np.int32)
            self.U = np.zeros((n_rows, n_tags), dtype=np.int64)
            # Rows ever updated: averaging only needs these (a few percent of a large table).
            self.touched = np.zeros(n_rows, dtype=bool)
        else:
            assert initial.shape == (n_rows, n_tags)
            self.W = initial.astype(np.float32)  # a copy
            self.U = initial.astype(np.float64)
            self.touched = np.any(initial != 0, axis=1)
        self.step = 1

    def update(self, rows: np.ndarray, tags: np.ndarray, deltas: np.ndarray) -> None:
        """Add ``deltas`` at ``(rows, tags)``; repeated pairs accumulate."""
        np.add.at(self.W, (rows, tags), deltas.astype(self.W.dtype))
        np.add.at(self.U, (rows, tags), deltas.astype(self.U.dtype) * self.step)
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
    gold: np.ndarray  # (n_tokens,) int64 tag ids; -1: unknown (any tag)
    # Per sequence with unknown tags or rejected spans: the rejected (start, end, label index).
    partial: dict[int, set[tuple[int, int, int]]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        batch: Batch,
        gold: np.ndarray,
        fx: FeatureExtractor,
        tagset: TagSet,
        rejected: Sequence[Sequence[tuple[int, int, str]]] = (),
    ) -> TrainingData:
        """``gold`` may hold -1 (unknown); ``rejected[i]`` are the token spans
        ``(start, end, label)`` sequence ``i`` must not predict as exactly that entity."""
        n = batch.static.shape[0]
        n_prev = tagset.n_tags + 1
        p1_rows, _ = fx.tag_history_rows(n_prev)
        n_tw = batch.tag_word.shape[1]
        history = np.empty((n, n_prev, 1 + n_tw), dtype=np.int32)
        for p in range(n_prev):
            history[:, p, 0] = p1_rows[p]
            history[:, p, 1:] = fx.tag_word_rows(batch.tag_word, np.full(n, p, dtype=np.int64))
        lengths = batch.lengths
        offsets = np.cumsum(lengths) - lengths
        partial: dict[int, set[tuple[int, int, int]]] = {}
        for i, (a, m) in enumerate(zip(offsets.tolist(), lengths.tolist())):
            spans = rejected[i] if i < len(rejected) else ()
            if spans or (gold[a : a + m] < 0).any():
                partial[i] = {(st, en, tagset.labels.index(lab)) for st, en, lab in spans}
        return cls(
            offsets=offsets,
            lengths=lengths,
            static=batch.static.astype(np.int32),
            history=history,
            gold=gold.astype(np.int64),
            partial=partial,
        )


def feasible_tags(gold: np.ndarray, tagset: TagSet) -> np.ndarray:
    """``(n, n_tags)`` bool: the tags each token can take in some valid BILUO sequence that
    agrees with the known tags of ``gold`` (``-1``: unknown) from there to the end."""
    n, n_tags = len(gold), tagset.n_tags
    known = np.zeros((n, n_tags), dtype=bool)
    known[gold < 0] = True
    known[np.flatnonzero(gold >= 0), gold[gold >= 0]] = True
    moves = tagset.allowed[:n_tags]  # moves[prev, next]
    out = np.empty_like(known)
    reach = tagset.last_penalty == 0  # tags a sequence may end with
    for i in range(n - 1, -1, -1):
        out[i] = known[i] & reach
        reach = (moves & out[i][None, :]).any(axis=1)
    return out


def train_epoch(
    weights: AveragedWeights,
    data: TrainingData,
    order: np.ndarray,
    fx: FeatureExtractor,
    tagset: TagSet,
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
    entity_dropout: float = 0.0,
) -> int:
    """One pass over the sequences in ``order``; returns the number of wrongly tagged tokens.

    The history is the model's own previous guesses (what it will see when predicting). Where
    a wrong guess makes the gold tag unreachable (e.g. ``O`` right after a predicted ``B-``)
    that position is not updated: the mistake was already charged to the earlier token.
    Updates of one sequence are applied together at its end.

    With ``dropout`` > 0 each token's word-identity features (word, lowercase form and their
    conjunctions) are switched off with that probability, so that context and affix features
    learn to carry the tagging of words they have never seen; ``entity_dropout`` is that
    probability for the tokens of gold entities (the names a new text will not repeat).
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
    drops = dropout > 0 or entity_dropout > 0
    if drops and rng is None:
        rng = np.random.default_rng(0)
    for s in order.tolist():
        a = int(data.offsets[s])
        n = int(data.lengths[s])
        if n == 0:
            continue
        if s in data.partial:
            errors += _train_partial(weights, data, s, fx, tagset, p2_rows)
            continue
        F = static[a : a + n]
        dropped = None
        if drops:
            assert rng is not None
            rate = np.where(gold[a : a + n] > 0, max(dropout, entity_dropout), dropout)
            dropped = rng.random(n) < rate
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


def _train_partial(
    weights: AveragedWeights,
    data: TrainingData,
    s: int,
    fx: FeatureExtractor,
    tagset: TagSet,
    p2_rows: np.ndarray,
) -> int:
    """:func:`train_epoch` on a sequence whose target is partly unknown or rejects spans.

    At each token the target is the best-scoring tag, given the model's own previous guess,
    that can still lead to a sequence agreeing with the known tags. A guess that is such a
    tag is not updated: the answers do not say it is wrong. When the guesses make exactly a
    rejected entity, the one decision inside it that was closest to going otherwise (starting
    no entity, ending it earlier or later) is moved to its best alternative. Returns the
    number of guesses the answers rule out.
    """
    W = weights.W
    a, n = int(data.offsets[s]), int(data.lengths[s])
    rejected = data.partial[s]
    feasible = feasible_tags(data.gold[a : a + n], tagset)
    penalty, last_penalty, allowed = tagset.penalty, tagset.last_penalty, tagset.allowed
    F = data.static[a : a + n]
    scores = W[F].sum(axis=1)
    p1 = p2 = tagset.start
    opened = -1  # first token of the entity the guesses have opened
    lowest = np.iinfo(np.int64).min
    # The decisions since the guesses opened an entity: (margin, features, best other, guess).
    inside: list[tuple[float, np.ndarray, int, int]] = []
    rows: list[np.ndarray] = []
    tags: list[int] = []
    errors = 0
    for i in range(n):
        dyn = data.history[a + i, p1]
        p2r = p2_rows[p2, p1]
        sc = scores[i] + W[dyn].sum(axis=0) + W[p2r] + penalty[p1]
        if i == n - 1:
            sc = sc + last_penalty
        guess = int(sc.argmax())
        ok = feasible[i] & allowed[p1]
        kind = tagset.kind(guess)
        feats = np.concatenate((F[i], dyn, (p2r,)))
        if not ok[guess]:
            errors += 1
            if ok.any():
                rows.extend((feats, feats))
                tags.extend((int(np.where(ok, sc, lowest).argmax()), guess))
        elif rejected:
            if kind in ("B", "U"):
                inside = []
            others = ok.copy()
            others[guess] = False
            if others.any():
                other = int(np.where(others, sc, lowest).argmax())
                inside.append((float(sc[guess] - sc[other]), feats, other, guess))
            start = i if kind == "U" else opened
            if kind in ("L", "U") and (start, i + 1, (guess - 1) // 4) in rejected:
                errors += 1
                if inside:
                    _, f, other, g = min(inside, key=lambda d: d[0])
                    rows.extend((f, f))
                    tags.extend((other, g))
        opened = i if kind == "B" else opened if kind == "I" else -1
        p2, p1 = p1, guess
    if rows:
        sizes = [r.shape[0] for r in rows]
        all_tags = np.repeat(np.asarray(tags, dtype=np.int64), sizes)
        deltas = np.repeat(np.tile(np.array([1, -1], dtype=np.int64), len(tags) // 2), sizes)
        weights.update(np.concatenate(rows).astype(np.int64), all_tags, deltas)
    weights.step += 1
    return errors

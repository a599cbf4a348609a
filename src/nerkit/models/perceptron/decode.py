"""Greedy left-to-right decoding of a whole batch at once, vectorised across sequences.

Static scores come from one gather-and-sum over the feature matrix; the loop runs over
positions, and at each position adds the tag-history rows for every sequence still running.
"""

from __future__ import annotations

import numpy as np

from ..tagset import TagSet
from .features import Batch, FeatureExtractor


def static_scores(weights: np.ndarray, static: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """``weights[static].sum(axis=1)`` in chunks, so the gathered block stays in cache."""
    out = np.empty((static.shape[0], weights.shape[1]), dtype=weights.dtype)
    for a in range(0, static.shape[0], chunk):
        out[a : a + chunk] = weights[static[a : a + chunk]].sum(axis=1)
    return out


def greedy_decode(
    weights: np.ndarray,
    batch: Batch,
    fx: FeatureExtractor,
    tagset: TagSet,
    with_probs: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Tag ids of every token of ``batch`` (concatenated order), and with ``with_probs`` the
    softmax probability of each chosen tag among the tags allowed at its position and its
    margin over the best other allowed tag (NaN where only one is allowed; what calibration
    reads)."""
    n = batch.static.shape[0]
    tags = np.zeros(n, dtype=np.int64)
    probs = np.ones(n, dtype=np.float32) if with_probs else None
    margins = np.zeros(n, dtype=np.float32) if with_probs else None
    if n == 0:
        return tags, probs, margins
    lengths = batch.lengths
    offsets = np.cumsum(lengths) - lengths
    order = np.argsort(-lengths, kind="stable")
    sorted_len = lengths[order]
    sorted_off = offsets[order]
    scores = static_scores(weights, batch.static)
    p1_rows, p2_rows = fx.tag_history_rows(tagset.n_tags + 1)
    penalty = tagset.penalty.astype(weights.dtype)
    last_penalty = tagset.last_penalty.astype(weights.dtype)
    n_seqs = len(lengths)
    prev1 = np.full(n_seqs, tagset.start, dtype=np.int64)
    prev2 = np.full(n_seqs, tagset.start, dtype=np.int64)
    # ``active`` shrinks as sequences end: sorted longest first, the running ones are a prefix.
    m = int((sorted_len > 0).sum())
    for t in range(int(sorted_len[0]) if n_seqs else 0):
        while m and sorted_len[m - 1] <= t:
            m -= 1
        idx = sorted_off[:m] + t
        p1, p2 = prev1[:m], prev2[:m]
        rows = fx.tag_word_rows(batch.tag_word[idx], p1)
        s = scores[idx] + weights[p1_rows[p1]] + weights[p2_rows[p2, p1]] + penalty[p1]
        s += weights[rows].sum(axis=1)
        ending = sorted_len[:m] == t + 1
        if ending.any():
            s[ending] += last_penalty
        guess = s.argmax(axis=1)
        tags[idx] = guess
        if probs is not None and margins is not None:
            z = s - s.max(axis=1, keepdims=True)
            e = np.exp(z)
            probs[idx] = 1.0 / e.sum(axis=1)  # the chosen tag has z == 0, so e == 1
            # The margin over the best other tag the constraints allow here; NaN where the
            # constraints leave one tag (the inside of an entity its start has decided).
            allowed = penalty[p1] == 0
            if ending.any():
                allowed[ending] &= last_penalty == 0
            rows = np.arange(len(guess))
            other = np.where(allowed, z, -np.inf)
            other[rows, guess] = -np.inf
            runner = other.max(axis=1)
            margins[idx] = np.where(np.isfinite(runner), -runner, np.nan)
        prev2[:m] = p1
        prev1[:m] = guess
    return tags, probs, margins

"""Word clusters from a vector table at several granularities, standing in for Brown clusters.

Each granularity ``k`` is a seeded spherical mini-batch k-means (Sculley 2010) of the unit-
length vectors: words whose vectors point the same way share a cluster id. A linear model
such as the perceptron cannot use 100 dense dimensions well, but it can use "this word is in
cluster 417 of 1024" as one more lexical attribute, which generalises from training words to
words that were never annotated but have a vector.

Only the first ``max_words`` rows are clustered (vector files list frequent words first; the
tail is rare words whose vectors are noisy and whose cost would dominate). The result is a
small, self-contained table (keys + ``int32`` ids) that a model saves with itself.

Example:
    >>> import numpy as np
    >>> from nerkit.vectors import Vectors
    >>> x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> clusters = WordClusters.build(Vectors(["a", "b", "c", "d"], x), sizes=(2,))
    >>> ids = clusters.lookup(["a", "B", "c", "zzz"])[:, 0].tolist()
    >>> ids[0] == ids[1] != ids[2], ids[3]
    (True, -1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np

from .keys import KeyTable
from .store import Vectors
from .tensorfile import read_tensors, save_tensors

CLUSTERS_FILE = "clusters.safetensors"
DEFAULT_SIZES: tuple[int, ...] = (32, 128, 512, 1024)


@dataclass
class ClusterSettings:
    """The ``[vectors]`` section: word clusters from a vectors directory as features."""

    path: str = ""  # a vectors directory (`nerkit vectors ...`); empty: no cluster features
    cluster_sizes: list[int] = field(
        default_factory=lambda: list(DEFAULT_SIZES)
    )  # k of each granularity
    cluster_max_words: int = 100_000  # cluster only the table's first (most frequent) rows


def spherical_kmeans(
    x: np.ndarray,
    k: int,
    *,
    seed: int = 0,
    steps: int = 100,
    batch_size: int = 2048,
    chunk: int = 8192,
) -> tuple[np.ndarray, np.ndarray]:
    """Mini-batch k-means of the rows of ``x`` under cosine similarity.

    Returns the ``(k, dim)`` unit centroids and each row's cluster (int32). Centroids start
    at ``k`` distinct rows drawn with ``seed``; each step assigns a random batch and moves
    every centroid towards the mean of its batch rows with a per-centroid rate of
    ``1 / rows seen so far``, then renormalises it.
    """
    x = _unit(np.asarray(x, dtype=np.float32))
    n = x.shape[0]
    if n == 0:
        return np.zeros((0, x.shape[1]), dtype=np.float32), np.zeros(0, dtype=np.int32)
    k = min(k, n)
    rng = np.random.default_rng(seed)
    centroids = _kmeans_pp(x, k, rng)
    counts = np.zeros(k, dtype=np.float64)
    b = min(batch_size, n)
    for _ in range(steps):
        batch = x[rng.choice(n, size=b, replace=False)] if b < n else x
        assign = (batch @ centroids.T).argmax(axis=1)
        n_c = np.bincount(assign, minlength=k).astype(np.float64)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assign, batch)
        counts += n_c
        hit = n_c > 0
        rate = (1.0 / counts[hit])[:, None].astype(np.float32)
        centroids[hit] += rate * (sums[hit] - n_c[hit, None].astype(np.float32) * centroids[hit])
        centroids = _unit(centroids)
    labels = np.empty(n, dtype=np.int32)
    for a in range(0, n, chunk):
        labels[a : a + chunk] = (x[a : a + chunk] @ centroids.T).argmax(axis=1)
    return centroids, labels


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding (cosine distance) on a sample of ~20 rows per centroid: spread-out
    starting centroids, so well-separated groups are not merged by an unlucky start."""
    m = min(x.shape[0], max(20 * k, 2048))
    sample = x[np.sort(rng.choice(x.shape[0], size=m, replace=False))]
    chosen = [int(rng.integers(m))]
    dist = np.maximum(1.0 - sample @ sample[chosen[0]], 0.0).astype(np.float64)
    for _ in range(1, k):
        cumulative = np.cumsum(dist**2)
        total = float(cumulative[-1])
        r = rng.random() * total
        i = (
            min(int(np.searchsorted(cumulative, r, side="right")), m - 1)
            if total > 0
            else int(rng.integers(m))
        )
        chosen.append(i)
        np.minimum(dist, np.maximum(1.0 - sample @ sample[i], 0.0), out=dist)
    return sample[chosen].copy()


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


class WordClusters:
    """Cluster ids of words at several granularities: ``lookup(words)`` -> ``(n, levels)``."""

    def __init__(self, keys: KeyTable, ids: np.ndarray, sizes: Sequence[int]) -> None:
        self.keys = keys
        self.ids = ids  # int32 (n_words, len(sizes))
        self.sizes = tuple(int(s) for s in sizes)

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def build(
        cls,
        vectors: Vectors,
        sizes: Sequence[int] = DEFAULT_SIZES,
        *,
        max_words: int = 100_000,
        seed: int = 0,
    ) -> WordClusters:
        """Cluster the first ``max_words`` rows of ``vectors`` once per size in ``sizes``."""
        n = min(len(vectors), max_words)
        x = np.asarray(vectors.data[:n], dtype=np.float32)
        ids = np.empty((n, len(sizes)), dtype=np.int32)
        for j, k in enumerate(sizes):
            _, ids[:, j] = spherical_kmeans(x, int(k), seed=seed + j)
        keys = KeyTable.from_blob(
            vectors.keys.blob[: int(vectors.keys.offsets[n])], vectors.keys.offsets[: n + 1]
        )
        return cls(keys, ids, sizes)

    def lookup(self, words: Sequence[str]) -> np.ndarray:
        """Cluster ids of ``words`` (exact key, else lowercased), ``-1`` where unknown."""
        rows = self.keys.rows_or_lowercase(words)
        out = np.full((len(words), len(self.sizes)), -1, dtype=np.int32)
        found = rows >= 0
        out[found] = self.ids[rows[found]]
        return out

    def to_disk(self, path: str | PathLike[str]) -> None:
        """Write ``clusters.safetensors`` (ids and keys) into the directory ``path``."""
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        save_tensors(
            p / CLUSTERS_FILE,
            {"ids": self.ids, **self.keys.arrays()},
            {"sizes": ",".join(str(s) for s in self.sizes)},
        )

    @classmethod
    def from_disk(cls, path: str | PathLike[str]) -> WordClusters:
        """Load what :meth:`to_disk` wrote into ``path``."""
        file = Path(path) / CLUSTERS_FILE
        arrays, meta = read_tensors(file, ["ids", *KeyTable.ARRAY_NAMES], mmap=False)
        sizes = [int(s) for s in meta.get("sizes", "").split(",") if s]
        return cls(KeyTable.from_arrays(arrays), arrays["ids"], sizes)

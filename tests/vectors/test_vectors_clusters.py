"""Word clusters: k-means finds obvious groups, is deterministic with a seed, and survives disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nerkit.vectors import Vectors
from nerkit.vectors.clusters import WordClusters, spherical_kmeans


def _grouped_vectors(n_groups: int = 4, per_group: int = 25, dim: int = 16) -> Vectors:
    """Words ``g{group}_{i}`` whose vectors point near one of ``n_groups`` directions."""
    rng = np.random.default_rng(1)
    centers = rng.standard_normal((n_groups, dim)).astype(np.float32)
    keys, rows = [], []
    for g in range(n_groups):
        for i in range(per_group):
            keys.append(f"g{g}_{i}")
            rows.append(centers[g] + 0.05 * rng.standard_normal(dim).astype(np.float32))
    return Vectors(keys, np.array(rows, dtype=np.float32))


def test_kmeans_recovers_well_separated_groups() -> None:
    vecs = _grouped_vectors()
    _, labels = spherical_kmeans(np.asarray(vecs.data), 4, seed=0)
    groups = np.repeat(np.arange(4), 25)
    # Each true group lands in exactly one cluster, and different groups in different ones.
    for g in range(4):
        assert len(set(labels[groups == g].tolist())) == 1
    assert len(set(labels.tolist())) == 4


def test_kmeans_is_deterministic_with_a_seed() -> None:
    x = np.random.default_rng(0).standard_normal((300, 8)).astype(np.float32)
    a = spherical_kmeans(x, 10, seed=3, batch_size=64)[1]
    b = spherical_kmeans(x, 10, seed=3, batch_size=64)[1]
    c = spherical_kmeans(x, 10, seed=4, batch_size=64)[1]
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() < 10


def test_more_clusters_than_words_and_empty_input() -> None:
    x = np.eye(3, dtype=np.float32)
    centroids, labels = spherical_kmeans(x, 10)
    assert centroids.shape == (3, 3) and sorted(labels.tolist()) == [0, 1, 2]
    assert spherical_kmeans(np.zeros((0, 4), dtype=np.float32), 5)[1].shape == (0,)


def test_word_clusters_lookup_and_disk_round_trip(tmp_path: Path) -> None:
    vecs = _grouped_vectors()
    clusters = WordClusters.build(vecs, sizes=(2, 4), max_words=80)
    assert len(clusters) == 80 and clusters.sizes == (2, 4)
    ids = clusters.lookup(["g0_1", "G0_2", "g3_5", "g3_24", "unknown"])
    assert ids.shape == (5, 2)
    assert ids[0].tolist() == ids[1].tolist()  # same group, found lowercased
    assert ids[2].tolist() == [-1, -1] and ids[3].tolist() == [-1, -1]  # past max_words
    assert ids[4].tolist() == [-1, -1]
    clusters.to_disk(tmp_path)
    again = WordClusters.from_disk(tmp_path)
    assert again.sizes == (2, 4) and list(again.keys) == list(clusters.keys)
    assert np.array_equal(again.ids, clusters.ids)
    assert np.array_equal(WordClusters.build(vecs, sizes=(2, 4), max_words=80).ids, clusters.ids)

"""The perceptron uses word clusters from vectors when ``vectors.path`` is set, and saves them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

import nerkit
from nerkit.corpus import read
from nerkit.errors import ModelError
from nerkit.models.perceptron import PerceptronRecognizer
from nerkit.models.perceptron.features import FeatureExtractor
from nerkit.training import train
from nerkit.vectors import Vectors
from nerkit.vectors.clusters import CLUSTERS_FILE, WordClusters

RESOURCES = Path(__file__).parents[1] / "resources"
TRAIN = RESOURCES / "ner_tiny_train.jsonl"
DEV = RESOURCES / "ner_tiny_dev.jsonl"


@pytest.fixture(scope="module")
def vectors_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    words = sorted({w.lower() for ex in read(TRAIN) + read(DEV) for w in ex.doc.words})
    data = np.random.default_rng(0).standard_normal((len(words), 12)).astype(np.float32)
    out = tmp_path_factory.mktemp("vectors")
    Vectors(words, data, {"source": "test"}).to_disk(out)
    return out


def _train(out: Path, vectors: Path | None) -> nerkit.Pipeline:
    overrides = ["model.hash_rows=16384", "train.max_epochs=4", "train.ensemble=1"]
    if vectors is not None:
        overrides += [f'vectors.path="{vectors}"', "vectors.cluster_sizes=[2, 4]"]
    return train(TRAIN, DEV, out, model="perceptron", overrides=overrides, seed=3).nlp


def test_clusters_are_features_and_saved_with_the_model(vectors_dir: Path, tmp_path: Path) -> None:
    nlp = _train(tmp_path / "model", vectors_dir)
    rec = nlp.recognizer
    assert isinstance(rec, PerceptronRecognizer) and rec.clusters_ is not None
    assert rec.clusters_.sizes == (2, 4)
    fx = FeatureExtractor(2**14, rec.clusters_)
    assert {"cluster_k2@0", "cluster_k4@-2", "cluster_k4@2"} <= set(fx.templates)
    batch = fx.batch(rec._vocab, [["Paris", "is", "nice"]])
    assert batch.static.shape[1] == len(FeatureExtractor(2**14).templates) + 2 * 5
    assert (tmp_path / "model" / CLUSTERS_FILE).is_file()
    config = tomllib.loads((tmp_path / "model" / "config.toml").read_text())
    assert config["vectors"]["path"] == str(vectors_dir)
    assert config["vectors"]["cluster_sizes"] == [2, 4]


def test_saved_model_predicts_the_same_without_the_vectors(
    vectors_dir: Path, tmp_path: Path
) -> None:
    nlp = _train(tmp_path / "model", vectors_dir)
    docs = [ex.doc for ex in read(DEV)]
    before = [[(s.start, s.end, s.label) for s in spans] for spans in nlp.recognizer.predict(docs)]
    moved = tmp_path / "moved-vectors"
    vectors_dir.rename(moved)  # the model must not need the vectors any more
    try:
        loaded = nerkit.load(tmp_path / "model")
        after = [
            [(s.start, s.end, s.label) for s in spans] for spans in loaded.recognizer.predict(docs)
        ]
    finally:
        moved.rename(vectors_dir)
    assert after == before
    assert np.array_equal(loaded.recognizer.clusters_.ids, nlp.recognizer.clusters_.ids)


def test_clusters_change_the_model_and_are_deterministic(vectors_dir: Path, tmp_path: Path) -> None:
    with_a = _train(tmp_path / "a", vectors_dir).recognizer
    with_b = _train(tmp_path / "b", vectors_dir).recognizer
    without = _train(tmp_path / "c", None).recognizer
    assert without.clusters_ is None and not (tmp_path / "c" / CLUSTERS_FILE).exists()
    assert np.array_equal(with_a.weights_, with_b.weights_)
    assert not np.array_equal(with_a.weights_, without.weights_)


def test_missing_cluster_file_is_a_clear_error(vectors_dir: Path, tmp_path: Path) -> None:
    _train(tmp_path / "model", vectors_dir)
    (tmp_path / "model" / CLUSTERS_FILE).unlink()
    with pytest.raises(ModelError, match="E207.*clusters.safetensors is missing"):
        nerkit.load(tmp_path / "model")


def test_cluster_lookup_in_features_matches_the_table(vectors_dir: Path) -> None:
    clusters = WordClusters.build(Vectors.from_disk(vectors_dir), sizes=(4,))
    fx = FeatureExtractor(2**10, clusters)
    from nerkit.vocab import Vocab

    words = ["Paris", "paris", "zzzunknown", "Paris"]
    attrs = fx.attribute_matrix(Vocab(), words, np.array([4]))
    col = attrs[:, -1]
    # Same cluster -> same value; unknown word -> the shared "no cluster" value.
    assert col[0] == col[1] == col[3] and col[2] == fx._cluster_values[0][-1]

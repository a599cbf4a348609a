"""Importing the vectors users already have: spaCy pipelines and fastText .bin models."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.errors import FormatError, OptionalDependencyError
from nerkit.vectors import detect_vectors_format, import_vectors

SENTENCES = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["a", "dog", "met", "a", "cat", "in", "Paris"],
    ["Paris", "is", "a", "city", "and", "London", "is", "a", "city", "too"],
] * 10


# -- spaCy ------------------------------------------------------------------------------


@pytest.fixture()
def pipeline(tmp_path: Path) -> Path:
    """A blank spaCy pipeline with vectors, two keys of them sharing a row, one key unknown
    to its string store, and unused rows."""
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    rng = np.random.default_rng(0)
    for word in ["the", "cat", "Paris", "New York", "naïve"]:
        nlp.vocab.set_vector(word, rng.normal(size=6).astype(np.float32))
    vectors = nlp.vocab.vectors
    kitty = nlp.vocab.strings.add("kitty")
    vectors.add(kitty, row=vectors.key2row[nlp.vocab.strings["cat"]])
    vectors.add("unresolved", row=0)  # hashed without adding the string
    path = tmp_path / "pipeline"
    nlp.to_disk(path)
    return path


def test_spacy_pipeline_vectors_equal_ours_row_by_row(pipeline: Path, tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    assert detect_vectors_format(pipeline) == "spacy"
    ours = import_vectors(pipeline, tmp_path / "out")
    theirs = spacy.load(pipeline).vocab
    keys = list(ours.keys)
    assert sorted(keys) == sorted(["the", "cat", "Paris", "New York", "naïve", "kitty"])
    for key in keys:
        expected = theirs.vectors[theirs.strings[key]]
        assert np.array_equal(np.asarray(ours.data[ours.get_row(key)]), expected), key
    # A shared row is written once per key; the key without a string is counted, not kept.
    assert np.array_equal(np.asarray(ours.data[ours.get_row("kitty")]), theirs.get_vector("cat"))
    assert ours.meta["format"] == "spacy" and ours.meta["lowercase"] is False
    assert ours.meta["spacy"]["keys_without_string"] == 1 and ours.meta["n"] == 6
    assert ours.meta["spacy"]["pipeline"] == "en_pipeline"


def test_spacy_pipeline_without_vectors_is_a_coded_error(tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    spacy.blank("en").to_disk(tmp_path / "blank")
    with pytest.raises(FormatError) as err:
        import_vectors(tmp_path / "blank", tmp_path / "out")
    assert err.value.code == "E083" and "blank" in str(err.value)


def test_a_directory_that_is_no_pipeline_and_an_unknown_package(tmp_path: Path) -> None:
    pytest.importorskip("spacy")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FormatError) as err:
        import_vectors(tmp_path / "empty", tmp_path / "out")
    assert err.value.code == "E084"
    with pytest.raises(FormatError) as err:
        import_vectors("nerkit_no_such_pipeline", tmp_path / "out")
    assert err.value.code == "E084" and "spacy download" in str(err.value)


def test_a_damaged_spacy_vocab_is_a_coded_error(pipeline: Path, tmp_path: Path) -> None:
    (pipeline / "vocab" / "vectors").write_bytes(b"not numpy")
    with pytest.raises(FormatError) as err:
        import_vectors(pipeline, tmp_path / "out")
    assert err.value.code == "E085"


def test_a_package_name_without_spacy_asks_for_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy -> ImportError
    with pytest.raises(OptionalDependencyError) as err:
        import_vectors("en_core_web_lg", tmp_path / "out")
    assert err.value.code == "E301" and "nerkit[spacy]" in str(err.value)


def test_cli_imports_a_spacy_pipeline(pipeline: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["vectors", "import", str(pipeline), "--output", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 6 vectors of dim 6 (spacy)" in result.output


# -- fastText .bin ----------------------------------------------------------------------


@pytest.fixture()
def ft_bin(tmp_path: Path) -> Path:
    pytest.importorskip("gensim")
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    model = FastText(
        SENTENCES, vector_size=16, min_count=1, epochs=1, bucket=2000, workers=1, seed=3
    )
    path = tmp_path / "model.bin"
    save_facebook_model(model, str(path))
    return path


def test_fasttext_bin_oov_words_get_gensims_vector(ft_bin: Path, tmp_path: Path) -> None:
    from gensim.models.fasttext import load_facebook_vectors

    assert detect_vectors_format(ft_bin) == "fasttext-bin"
    ours = import_vectors(ft_bin, tmp_path / "out")
    theirs = load_facebook_vectors(str(ft_bin))
    assert list(ours.keys) == list(theirs.index_to_key)
    assert ours.meta["format"] == "fasttext-bin" and ours.meta["bucket"] == 2000
    assert ours.ngrams is not None and ours.ngrams.shape == (2000, 16)
    for word in ["cat", "Paris", "city"]:  # known words: the stored full-word vector
        assert np.allclose(ours.get_vector(word), theirs[word], atol=1e-5)
    for word in ["cattish", "Parisienne", "dogs", "zzz", "ünïcödé"]:
        assert ours.get_row(word) == -1
        assert np.allclose(ours.get_vector(word), theirs[word], atol=1e-5), word


def test_fasttext_bin_through_the_cli(ft_bin: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["vectors", "import", str(ft_bin), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "(fasttext-bin)" in result.output


@pytest.mark.parametrize("keep", [10, 70, 100, 300, -100, -1])
def test_a_truncated_fasttext_bin_is_a_coded_error_naming_it(
    ft_bin: Path, tmp_path: Path, keep: int
) -> None:
    data = ft_bin.read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(data[:keep])
    with pytest.raises(FormatError) as err:
        import_vectors(cut, tmp_path / "out", format="fasttext-bin")
    assert err.value.code == "E081" and str(cut) in str(err.value)


def test_damaged_fasttext_bins(ft_bin: Path, tmp_path: Path) -> None:
    data = bytearray(ft_bin.read_bytes())
    bad = tmp_path / "bad.bin"
    bad.write_bytes(bytes(data) + b"extra")
    with pytest.raises(FormatError, match="E081"):
        import_vectors(bad, tmp_path / "out")
    grown = bytearray(data)
    grown[64:68] = struct.pack("<i", 10**9)  # the dictionary size: more words than bytes
    grown[68:72] = struct.pack("<i", 10**9)
    bad.write_bytes(bytes(grown))
    with pytest.raises(FormatError, match="E081"):
        import_vectors(bad, tmp_path / "out")
    labels = bytearray(data)
    labels[72:76] = struct.pack("<i", 3)  # a supervised model
    bad.write_bytes(bytes(labels))
    with pytest.raises(FormatError, match="E082"):
        import_vectors(bad, tmp_path / "out")
    bad.write_bytes(b"\0" * 100)
    with pytest.raises(FormatError, match="E080"):
        import_vectors(bad, tmp_path / "out", format="fasttext-bin")

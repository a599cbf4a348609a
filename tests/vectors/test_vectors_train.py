"""Training vectors with gensim on text, JSONL and annotated data; determinism; fastText n-grams; OOV report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.corpus import read
from nerkit.vectors import Vectors
from nerkit.vectors.oov import oov_report, oov_report_file

pytest.importorskip("gensim", reason="gensim (the vectors extra) is not installed")

from nerkit.vectors.train import iter_texts, train_vectors  # noqa: E402

RESOURCES = Path(__file__).parents[1] / "resources"

TEXT = (
    "The cat sat on the mat. The dog sat on the log.\n"
    "A cat and a dog met in Paris.\n\n"
    "Paris is a city. London is a city too.\n"
) * 30


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "raw.txt"
    path.write_text(TEXT, encoding="utf8")
    return path


def _train(corpus: Path, out: Path, **kw: object) -> Vectors:
    settings: dict[str, object] = dict(dim=8, min_count=1, epochs=2, workers=1, seed=5)
    settings.update(kw)
    return train_vectors([corpus], out, **settings).vectors  # type: ignore[arg-type]


def test_same_seed_one_worker_same_vectors(corpus: Path, tmp_path: Path) -> None:
    a = _train(corpus, tmp_path / "a")
    b = _train(corpus, tmp_path / "b")
    c = _train(corpus, tmp_path / "c", seed=6)
    assert list(a.keys) == list(b.keys)
    assert np.array_equal(np.asarray(a.data), np.asarray(b.data))
    assert not np.array_equal(np.asarray(a.data), np.asarray(c.data))


def test_tokens_come_from_our_tokenizer_and_are_lowercased(corpus: Path, tmp_path: Path) -> None:
    vecs = _train(corpus, tmp_path / "v")
    keys = set(vecs.keys)
    # "mat." must have been split into "mat" and "." by nerkit's tokenizer.
    assert {"mat", ".", "paris", "the"} <= keys and "mat." not in keys and "Paris" not in keys
    assert vecs.get_row("Paris") == vecs.get_row("paris") >= 0
    meta = json.loads((tmp_path / "v" / "meta.json").read_text())
    assert meta["algorithm"] == "word2vec" and meta["lowercase"] is True
    assert meta["training_data"] == [str(corpus)] and meta["dim"] == 8 and "date" in meta
    cased = _train(corpus, tmp_path / "cased", lowercase=False)
    assert "Paris" in set(cased.keys)


def test_min_count_drops_rare_words(corpus: Path, tmp_path: Path) -> None:
    rare = corpus.parent / "rare.txt"
    rare.write_text(TEXT + "\n\nzyzzyva\n", encoding="utf8")
    assert "zyzzyva" not in _train(rare, tmp_path / "v", min_count=3)


def test_fasttext_ngrams_compose_oov_vectors_like_gensim(corpus: Path, tmp_path: Path) -> None:
    from gensim.models.fasttext import ft_ngram_hashes

    vecs = _train(corpus, tmp_path / "ft", algo="fasttext", bucket=1024)
    assert vecs.ngrams is not None and vecs.ngrams.shape == (1024, 8)
    assert vecs.meta["min_n"] == 3 and vecs.meta["max_n"] == 6
    word = "cattish"
    assert vecs.get_row(word) == -1
    buckets = ft_ngram_hashes(word, 3, 6, 1024)
    expected = np.asarray(vecs.ngrams)[buckets].mean(axis=0)
    assert np.allclose(vecs.get_vector(word), expected)
    # Known words keep their stored full-word vector.
    assert np.array_equal(vecs.get_vector("cat"), np.asarray(vecs.data[vecs.get_row("cat")]))
    plain = _train(corpus, tmp_path / "ft0", algo="fasttext", ngrams=False)
    assert plain.ngrams is None
    with pytest.raises(KeyError):
        plain.get_vector(word)


def test_inputs_jsonl_and_conll(tmp_path: Path) -> None:
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps({"text": "Ada Lovelace wrote code."}) for _ in range(3)) + "\n"
    )
    assert list(iter_texts(jsonl)) == [["Ada", "Lovelace", "wrote", "code", "."]] * 3
    conll = RESOURCES / "conll_iob2.txt"
    first = next(iter(iter_texts(conll)))
    assert first == read(conll)[0].doc.words
    assert list(iter_texts(tmp_path / "t.jsonl", format="text")) == [jsonl.read_text()]


def test_no_text_is_an_error(tmp_path: Path) -> None:
    from nerkit.errors import FormatError

    empty = tmp_path / "e.txt"
    empty.write_text("\n\n")
    with pytest.raises(FormatError, match="E067"):
        train_vectors([empty], tmp_path / "v", dim=4, workers=1)


def test_cli_train_then_oov(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "vecs"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "vectors",
            "train",
            str(corpus),
            "-o",
            str(out),
            "--dim",
            "8",
            "--min-count",
            "1",
            "--epochs",
            "1",
            "--workers",
            "1",
            "--seed",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Trained" in result.output and "of dim 8" in result.output
    result = runner.invoke(app, ["vectors", "oov", str(out), str(RESOURCES / "vectors_oov.jsonl")])
    assert result.exit_code == 0, result.output
    assert "entity tokens" in result.output and "PER" in result.output


def test_oov_numbers_by_hand(tmp_path: Path) -> None:
    keys = ["ada", "wrote", "in", "london", ".", "met"]
    vecs = Vectors(keys, np.zeros((len(keys), 2), dtype=np.float32))
    # Ada Lovelace wrote code in London .  |  Babbage met Ada .
    # unknown: Lovelace, code, Babbage (3 of 11 tokens; "Ada"/"London" found lowercased)
    # entities: PER Ada Lovelace, PER Babbage, PER Ada -> 4 tokens, 2 unknown; LOC London -> 0 of 1
    report = oov_report_file(vecs, RESOURCES / "vectors_oov.jsonl")
    assert (report.tokens, report.oov_tokens) == (11, 3)
    assert (report.entity_tokens, report.oov_entity_tokens) == (5, 2)
    assert (report.per_label["PER"].tokens, report.per_label["PER"].oov) == (4, 2)
    assert (report.per_label["LOC"].tokens, report.per_label["LOC"].oov) == (1, 0)
    assert report.oov_rate == pytest.approx(3 / 11) and report.entity_oov_rate == pytest.approx(0.4)
    assert (report.types, report.oov_types) == (9, 3)
    assert dict(report.top_oov) == {"Lovelace": 1, "code": 1, "Babbage": 1}
    assert report.to_dict()["per_label"]["PER"]["oov_rate"] == 0.5
    assert oov_report(vecs, []).oov_rate == 0.0


def test_auto_epochs_gives_small_corpora_more_passes(corpus: Path, tmp_path: Path) -> None:
    from nerkit.vectors.train import auto_epochs

    assert auto_epochs(100_000_000) == 5  # big corpus: gensim's usual 5
    assert auto_epochs(1_300_000) == 19
    assert auto_epochs(10) == 20
    result = train_vectors([corpus], tmp_path / "v", dim=8, min_count=1, workers=1)
    assert result.settings["epochs"] == 20  # the default (0) picked it for ~1,000 tokens
    meta = json.loads((tmp_path / "v" / "meta.json").read_text())
    assert meta["settings"]["epochs"] == 20

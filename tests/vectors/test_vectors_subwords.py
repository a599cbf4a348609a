"""fastText subwords end to end: the OOV report counts composed words as covered, and the
neural recognizer feeds them the composed vector in training and in prediction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.corpus import Example
from nerkit.tokens import Doc
from nerkit.vectors import Vectors, import_vectors
from nerkit.vectors.oov import oov_report

SENTENCES = [
    ["angela", "merkel", "visited", "paris", "on", "monday"],
    ["acme", "opened", "in", "new", "york"],
] * 10
EXAMPLES = [
    Example(Doc.from_words(["Angela", "Merkel", "visited", "Parisville"]), [(0, 13, "PER")]),
    Example(Doc.from_words(["Acme", "opened", "in", "York"]), [(0, 4, "ORG"), (15, 19, "LOC")]),
]


@pytest.fixture(scope="module")
def ft_vectors(tmp_path_factory: pytest.TempPathFactory) -> Vectors:
    pytest.importorskip("gensim")
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    tmp = tmp_path_factory.mktemp("ft")
    model = FastText(
        SENTENCES, vector_size=16, min_count=1, epochs=1, bucket=2000, workers=1, seed=3
    )
    save_facebook_model(model, str(tmp / "model.bin"))
    return import_vectors(tmp / "model.bin", tmp / "vectors")


def test_oov_report_counts_subword_vectors_as_covered(ft_vectors: Vectors) -> None:
    report = oov_report(ft_vectors, EXAMPLES)
    # "Parisville" (O) and "Merkel" -> "merkel" is known; "Angela" known lowercased.
    assert report.tokens == 8 and report.oov_tokens == 0
    assert report.subword_tokens == 1 and report.subword_types == 1
    assert report.subword_entity_tokens == 0
    plain = Vectors(list(ft_vectors.keys), np.asarray(ft_vectors.data), {})
    without = oov_report(plain, EXAMPLES)
    assert without.oov_tokens == 1 and without.subword_tokens == 0
    assert without.top_oov == [("Parisville", 1)]
    entity = [Example(Doc.from_words(["Zorblax", "visited"]), [(0, 7, "PER")])]
    per = oov_report(ft_vectors, entity).per_label["PER"]
    assert (per.tokens, per.oov, per.subword) == (1, 0, 1)
    assert oov_report(ft_vectors, entity).to_dict()["per_label"]["PER"]["subword"] == 1


def test_oov_cli_shows_the_subword_column(ft_vectors: Vectors, tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "Zorblax visited Paris", "spans": []}\n', encoding="utf8")
    vec_dir = str(ft_vectors.meta["source"]).replace("model.bin", "vectors")
    result = CliRunner().invoke(app, ["vectors", "oov", vec_dir, str(data)])
    assert result.exit_code == 0, result.output
    assert "from subwords" in result.output


def test_featurizer_gives_unknown_words_their_composed_vector(ft_vectors: Vectors) -> None:
    from nerkit.models.neural.featurize import Featurizer, select

    fz = Featurizer(1024, 256, 3, 8, vectors=ft_vectors)
    n = len(ft_vectors)
    feats = fz([["paris", "Zorblax"], ["Quuxton", "york", "Zorblax"]])
    rows = feats.vec_rows.tolist()
    assert rows[0] == ft_vectors.get_row("paris") and rows[3] == ft_vectors.get_row("york")
    assert rows[1] == rows[4] > n and rows[2] > n and rows[2] != rows[1]
    assert feats.subword_vectors is not None
    for i, word in [(1, "Zorblax"), (2, "Quuxton")]:
        got = feats.subword_vectors[rows[i] - n - 1]
        assert np.allclose(got, ft_vectors.get_vector(word), atol=1e-6)
    # A batch of the second sequence keeps only its own composed vectors, renumbered.
    sub, _ = select(feats, [1])
    assert sub.subword_vectors is not None and len(sub.subword_vectors) == 2
    got = {
        w: sub.subword_vectors[r - n - 1]
        for w, r in zip(["Quuxton", "york", "Zorblax"], sub.vec_rows.tolist())
        if r > n
    }
    assert np.allclose(got["Zorblax"], ft_vectors.get_vector("Zorblax"), atol=1e-6)
    assert np.allclose(got["Quuxton"], ft_vectors.get_vector("Quuxton"), atol=1e-6)
    # Tables without subwords take the old path: unknown words get the unknown row.
    plain = Featurizer(1024, 256, 3, 8, vectors=Vectors(["paris"], np.ones((1, 16), np.float32)))
    feats = plain([["paris", "Zorblax"]])
    assert feats.vec_rows.tolist() == [0, 1] and feats.subword_vectors is None


@pytest.mark.parametrize("mode", ["static", "fine-tune"])
def test_neural_model_uses_subword_vectors_in_training_and_prediction(
    ft_vectors: Vectors, tmp_path: Path, mode: str
) -> None:
    torch = pytest.importorskip("torch")
    from nerkit.models import get_model_class
    from nerkit.models.neural.network import to_batch

    vec_dir = Path(str(ft_vectors.meta["source"])).parent / "vectors"
    settings = dict(
        hash_rows=2**10,
        affix_rows=2**8,
        word_dim=8,
        affix_dim=4,
        char_dim=8,
        char_filters=8,
        hidden=8,
        max_epochs=3,
        threads=1,
        mode=mode,
        path=str(vec_dir),
    )
    model = get_model_class("neural.v1")(**settings).fit(EXAMPLES)
    model.to_disk(tmp_path / "m")
    loaded = type(model).from_disk(tmp_path / "m")
    assert loaded._vectors.has_subwords  # the model's own copy keeps the n-grams
    for m in (model, loaded):
        m._net.eval()
        feats = m._featurizer([["Zorblax", "visited", "Parisville"]])
        with torch.no_grad():
            vecs = m._net.word_vectors(to_batch(feats)).numpy()[0]
        assert np.allclose(vecs[0], ft_vectors.get_vector("Zorblax"), atol=1e-5)
        assert np.allclose(vecs[2], ft_vectors.get_vector("Parisville"), atol=1e-5)
        unknown = m._net.unknown_vector if mode == "static" else m._net.vectors.weight[-1]
        assert not np.allclose(vecs[0], unknown.detach().numpy())
    assert [len(s) for s in loaded.predict([ex.doc for ex in EXAMPLES])] == [
        len(s) for s in model.predict([ex.doc for ex in EXAMPLES])
    ]

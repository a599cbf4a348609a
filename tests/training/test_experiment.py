"""`nerkit experiment`: one row per config with the promised columns, vectors OOV, failures kept."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.corpus import read
from nerkit.errors import ConfigError, NerkitWarning
from nerkit.training.data import check_held_out, read_splits
from nerkit.training.events import Evaluated, RunFinished, VectorsReady
from nerkit.training.experiment import run_experiment
from nerkit.training.specs import load_specs
from nerkit.training.vectorprep import prepare_vectors
from nerkit.vectors import Vectors
from nerkit.vectors.oov import oov_report

pytest.importorskip("torch", reason="the neural configs need torch")

DATA = Path(__file__).parents[2] / "examples" / "hardwareswap"
TRAIN, DEV, TEST = DATA / "train.jsonl", DATA / "dev.jsonl", DATA / "test.jsonl"
TINY = [
    "model.hash_rows=4096",
    "model.affix_rows=1024",
    "model.word_dim=16",
    "model.hidden=16",
    "model.char_filters=8",
    "train.max_epochs=2",
    "train.threads=1",
    "perceptron:train.ensemble=1",
]
COLUMNS = ["config", "vectors", "vectors trained on", "transformer", "F1", "P", "R", "OOV tokens %"]
COLUMNS += ["OOV entity tokens %", "train s", "words/s", "size", "status"]


def _hand_vectors(path: Path) -> Vectors:
    """Vectors for the lowercased words of the first half of the training texts."""
    words = sorted({w.lower() for ex in read(TRAIN)[:40] for w in ex.doc.words})
    rng = np.random.default_rng(0)
    vecs = Vectors(words, rng.normal(size=(len(words), 8)).astype(np.float32), {"lowercase": True})
    vecs.to_disk(path)
    return Vectors.from_disk(path)


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("experiment")
    vectors = _hand_vectors(tmp / "vecs")
    # Fails while training (its vectors have 8 dimensions, not 5): the others must survive.
    broken = tmp / "broken.toml"
    broken.write_text(
        '[model]\nname = "neural.v1"\n[vectors]\nmode = "static"\ndim = 5\n', encoding="utf8"
    )
    events: list[object] = []
    result = run_experiment(
        ["blank", "word2vec-static", "perceptron", broken],
        TRAIN,
        DEV,
        TEST,
        tmp / "out",
        vectors=tmp / "vecs",
        vectors_w2v=tmp / "vecs",
        seed=3,
        overrides=TINY,
        progress=events.append,
    )
    return result, vectors, events


def test_one_row_per_config_with_the_promised_columns(experiment) -> None:
    result, _, events = experiment
    headers, rows = result.table()
    assert [r[0] for r in rows] == ["blank", "word2vec-static", "perceptron", "broken"]
    for column in COLUMNS:
        assert column in headers, column
    labels = {ex_label for ex in read(TEST) for *_, ex_label in ex.spans}
    assert {f"F1 {label}" for label in labels} <= set(headers)
    blank, w2v, perc, _ = result.runs
    for run in (blank, w2v, perc):
        assert run.status == "ok" and run.f1 is not None and 0.0 <= run.f1 <= 1.0
        assert run.train_seconds > 0 and run.words_per_second > 0
        size = sum(p.stat().st_size for p in Path(run.model_dir).rglob("*") if p.is_file())
        assert run.model_bytes == size > 0
    # A perceptron that trained at all finds some of the test entities.
    assert perc.f1 > 0.3 and set(perc.per_label_f1) == labels
    kinds = [type(e).__name__ for e in events]
    assert kinds.count("RunStarted") == 4 and "Evaluated" in kinds
    failed = [e for e in events if isinstance(e, RunFinished) and e.error is not None]
    assert [e.name for e in failed] == ["broken"]
    assert {e.run for e in events if isinstance(e, Evaluated)} == {
        "blank",
        "word2vec-static",
        "perceptron",
    }


def test_oov_rate_from_the_vectors_package(experiment) -> None:
    result, vectors, _ = experiment
    blank, w2v, perc, _ = result.runs
    expected = oov_report(vectors, [ex for ex in read(TEST) if ex.answer == "accept"])
    assert 0 < expected.oov_rate < 1
    assert w2v.oov_rate == pytest.approx(expected.oov_rate)
    assert w2v.entity_oov_rate == pytest.approx(expected.entity_oov_rate)
    assert w2v.vectors is not None and w2v.vectors.dim == 8 and w2v.vectors.trained_on == "imported"
    # Configs without vectors show "-".
    headers, rows = result.table()
    col = headers.index("OOV tokens %")
    assert rows[0][col] == "-" and rows[2][col] == "-" and rows[1][col] != "-"
    assert blank.vectors is None and blank.oov_rate is None


def test_a_failed_config_is_a_row_and_the_others_are_kept(experiment) -> None:
    result, _, _ = experiment
    broken = result.runs[3]
    assert broken.status == "failed" and "5" in broken.error and broken.f1 is None
    data = json.loads((result.output / "results.json").read_text())
    assert [r["name"] for r in data["runs"]] == ["blank", "word2vec-static", "perceptron", "broken"]
    assert data["runs"][3]["status"] == "failed" and data["runs"][2]["f1"] == result.runs[2].f1
    md = (result.output / "results.md").read_text()
    assert md.count("\n| ") == 2 + 4 and "failed" in md and "F1 PRODUCT" in md
    # The configs as they ran, seed and vectors path included.
    cfg = (result.output / "configs" / "word2vec-static.toml").read_text()
    assert "seed = 3" in cfg and "vecs" in cfg


def test_vectors_trained_on_raw_plus_train_texts_and_cached(tmp_path: Path) -> None:
    pytest.importorskip("gensim", reason="training vectors needs gensim")
    raw = tmp_path / "raw.txt"
    raw.write_text("Selling a graphics card in Texas for cash.\n\nzzyzx quokka\n" * 5, "utf8")
    specs = load_specs(
        ["word2vec-static", "word2vec-fine-tune", "fasttext-fine-tune"],
        [
            "experiment.vectors_dim=8",
            "experiment.vectors_epochs=1",
            "experiment.vectors_min_count=1",
        ]
        + ["experiment.vectors_bucket=512"],
    )
    events: list[object] = []
    train = read(TRAIN)
    infos = prepare_vectors(
        specs, train, TRAIN, tmp_path / "cache", raw=[raw], progress=events.append
    )
    assert infos["word2vec-static"].path == infos["word2vec-fine-tune"].path  # trained once
    assert (
        infos["word2vec-static"].kind == "word2vec"
        and infos["fasttext-fine-tune"].kind == "fasttext"
    )
    for info in infos.values():
        assert info.dim == 8 and "raw.txt" in info.trained_on and "train.jsonl" in info.trained_on
        vecs = Vectors.from_disk(info.path)
        # Words only in the raw text and only in the training texts both have vectors.
        assert vecs.get_row("quokka") >= 0 and vecs.get_row("paypal") >= 0
    assert [e.cached for e in events if isinstance(e, VectorsReady)] == [False, False]
    events.clear()
    again = prepare_vectors(
        specs, train, TRAIN, tmp_path / "cache", raw=[raw], progress=events.append
    )
    assert [e.cached for e in events if isinstance(e, VectorsReady)] == [True, True]
    assert again["fasttext-fine-tune"].path == infos["fasttext-fine-tune"].path


def test_configs_are_checked_before_training(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        run_experiment([tmp_path / "nope.toml"], TRAIN, DEV, TEST, tmp_path / "o")
    assert err.value.code == "E320" and "nope.toml" in str(err.value)
    with pytest.raises(ConfigError) as err:
        run_experiment(["no-such-config"], TRAIN, DEV, TEST, tmp_path / "o")
    assert err.value.code == "E320" and "blank" in str(err.value)  # lists the packaged ones
    with pytest.raises(ConfigError) as err:
        run_experiment(
            ["perceptron"], TRAIN, DEV, TEST, tmp_path / "o", overrides=["model.hiden=3"]
        )
    assert err.value.code == "E321"
    with pytest.raises(ConfigError) as err:
        run_experiment(["word2vec-static"], TRAIN, DEV, TEST, tmp_path / "o")
    assert err.value.code == "E326" and "--vectors-raw" in str(err.value)
    assert not (tmp_path / "o").exists()  # nothing trained, nothing written


def test_cli_prints_and_writes_the_table(tmp_path: Path) -> None:
    args = ["experiment", "perceptron", "--train", str(TRAIN), "--dev", str(DEV)]
    args += ["--test", str(TEST), "-o", str(tmp_path / "out")]
    for item in ["train.max_epochs=2", "model.hash_rows=4096", "train.ensemble=1"]:
        args += ["--set", item]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "perceptron" in result.output and "F1 per label" in result.output
    assert (tmp_path / "out" / "results.md").is_file()
    assert json.loads((tmp_path / "out" / "results.json").read_text())["runs"][0]["status"] == "ok"
    bad = CliRunner().invoke(app, [*args[:1], str(tmp_path / "missing.toml"), *args[2:]])
    assert bad.exit_code != 0 and isinstance(bad.exception, ConfigError)
    assert "missing.toml" in str(bad.exception)
    # `--vectors-raw a.txt b.txt` leaves b.txt as a config: say how to pass several files.
    raw = tmp_path / "b.txt"
    raw.write_text("some raw text", encoding="utf8")
    stray = CliRunner().invoke(app, [*args, str(raw)])
    assert isinstance(stray.exception, ConfigError) and "--vectors-raw" in str(stray.exception)


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf8")
    return path


def test_read_data_trains_on_binary_answers_and_scores_complete_ones(tmp_path: Path) -> None:
    data = _jsonl(
        tmp_path / "answers.jsonl",
        [
            {"text": "Ann met Bob.", "spans": [{"start": 0, "end": 3, "label": "PER"}]},
            {"text": "Cy met Di.", "spans": [{"start": 0, "end": 2, "label": "PER"}]}
            | {"kind": "binary"},
            {"text": "Ed met Flo.", "spans": [{"start": 0, "end": 2, "label": "ORG"}]}
            | {"kind": "binary", "answer": "reject"},
            {"text": "Gus met Hal.", "spans": [], "answer": "reject"},
        ],
    )
    train, dev, test = read_splits(data, data, data)
    assert [(ex.text, ex.kind, ex.answer) for ex in train] == [
        ("Ann met Bob.", "complete", "accept"),
        ("Cy met Di.", "binary", "accept"),
        ("Ed met Flo.", "binary", "reject"),
    ]
    assert [ex.text for ex in dev] == [ex.text for ex in test] == ["Ann met Bob."]


def _codes(record: list[warnings.WarningMessage]) -> list[str]:
    return [w.message.code for w in record if isinstance(w.message, NerkitWarning)]


def test_check_held_out_warns_when_dev_or_test_is_not_held_out(tmp_path: Path) -> None:
    train, dev, test = read_splits(TRAIN, DEV, TEST)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        check_held_out(train, dev, test, DEV, TEST)
    assert _codes(record) == []  # the sample data is split properly

    def caught(*args: object) -> list[NerkitWarning]:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            check_held_out(*args)  # type: ignore[arg-type]
        return [w.message for w in record if isinstance(w.message, NerkitWarning)]

    (same,) = caught(train, dev, dev, DEV, DEV)
    assert same.code == "W203" and f"the same file ({DEV})" in str(same)
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(DEV.read_bytes())
    (same,) = caught(train, dev, read_splits(TRAIN, DEV, copy)[2], DEV, copy)
    assert same.code == "W203" and "the same 12 texts" in str(same)
    (part,) = caught(train, dev, [*test, *dev[:9]], DEV, TEST)
    assert part.code == "W203" and "9 of the 33 test texts are dev texts too" in str(part)
    dev_in, test_in = caught([*train, *dev[:3], *test[:5]], dev, test, DEV, TEST)
    assert dev_in.code == "W201" and "3 of the 12 dev texts are training texts" in str(dev_in)
    assert test_in.code == "W204" and "5 of the 24 test texts are training texts" in str(test_in)
    # A few shared texts are natural (CoNLL-2003 repeats short lines): under a fifth, no word.
    assert caught([*train, dev[0], *test[:2]], dev, [*test, *dev[:2]], DEV, TEST) == []


def test_cli_warns_once_before_training(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    from nerkit.cli import main

    other = tmp_path / "perceptron-2.toml"
    other.write_text('[model]\nname = "perceptron.v1"\n[train]\nseed = 1\n', encoding="utf8")
    args = ["nerkit", "experiment", "perceptron", str(other), "--train", str(TRAIN)]
    args += ["--dev", str(TRAIN), "--test", str(TRAIN), "-o", str(tmp_path / "out")]
    for item in ["train.max_epochs=1", "model.hash_rows=4096", "train.ensemble=1"]:
        args += ["--set", item]
    monkeypatch.setattr("sys.argv", args)
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    assert exit_info.value.code == 0, err
    flat = " ".join(err.split())
    # Said once for the run, before anything trained, not again by each config's training.
    assert flat.count("Warning [W201] 84 of the 84 dev texts are training texts too") == 1
    assert flat.count("Warning [W204] 84 of the 84 test texts are training texts too") == 1
    assert flat.count(f"Warning [W203] The dev and test data are the same file ({TRAIN})") == 1
    assert flat.count("[W20") == 3
    assert out.count("test F") == 2  # both configs ran

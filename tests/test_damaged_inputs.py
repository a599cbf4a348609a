"""Damaged or foreign files and URLs stop with a coded error (issue #10): a database URL of
an unknown kind or a file that is not SQLite, weights files that are truncated, random or a
pickle, a vectors header that promises more than the file holds."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nerkit
from nerkit.errors import FormatError, ModelError, NerkitError, StoreError
from nerkit.models import get_model_class
from nerkit.models.testing import TWO_SENTENCES


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model")
    get_model_class("perceptron")(hash_rows=2**12, max_epochs=3).fit(TWO_SENTENCES).to_disk(path)
    return path


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[:100],  # truncated
        lambda raw: bytes(range(256)) * 20,  # random bytes
        lambda raw: pickle.dumps({"weights": [1, 2, 3]}),  # a pickle
        lambda raw: (10**15).to_bytes(8, "little") + raw[8:],  # a header length of 10^15
        lambda raw: b"",  # empty
    ],
    ids=["truncated", "random", "pickle", "huge-header", "empty"],
)
def test_a_damaged_weights_file_is_e207(model_dir: Path, tmp_path: Path, damage) -> None:
    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy)
    weights = copy / "weights.safetensors"
    weights.write_bytes(damage(weights.read_bytes()))
    with pytest.raises(ModelError) as err:
        nerkit.load(copy)
    assert err.value.code == "E207" and "weights.safetensors" in str(err.value)


def test_an_unknown_database_kind_is_e406(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    from nerkit.store import Store

    with pytest.raises(StoreError) as err:
        Store("foo://x")
    assert err.value.code == "E406" and "postgresql+psycopg" in str(err.value)


def test_a_file_that_is_not_sqlite_is_e406_and_kept(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    from nerkit.store import Store

    path = tmp_path / "notes.db"
    path.write_text("my notes, not a database\n" * 100)
    with pytest.raises(StoreError) as err:
        Store(str(path))
    assert err.value.code == "E406"
    assert path.read_text() == "my notes, not a database\n" * 100


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("huge.bin", b"100000000000 300\n" + bytes(100), "E066"),
        ("huge.txt", b"100000000000 300\nabc " + b"1 " * 300 + b"\n", "E062"),
    ],
)
def test_a_vectors_header_promising_more_than_the_file_is_coded(
    tmp_path: Path, name: str, content: bytes, code: str
) -> None:
    from nerkit.vectors import import_vectors

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FormatError) as err:
        import_vectors(path, tmp_path / "out")
    assert err.value.code == code and "header says 100,000,000,000 rows" in str(err.value)


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pipeline")
    nerkit.train(
        list(TWO_SENTENCES), None, path, model="perceptron",
        overrides=["train.max_epochs=3", "model.hash_rows=4096"],
    )  # fmt: skip
    return path


def test_meta_records_a_checksum_of_every_file_loading_reads(pipeline_dir: Path) -> None:
    import json

    files = json.loads((pipeline_dir / "meta.json").read_text())["files"]
    assert {"config.toml", "labels.json", "tokenizer.json", "weights.safetensors"} <= set(files)
    assert all(len(digest) == 64 for digest in files.values())
    nerkit.load(pipeline_dir)  # the files as saved load


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("labels.json", lambda text: text.replace('"LOC"', '"XXX"')),  # relabelled, same count
        ("weights.safetensors", None),  # one byte flipped
        ("config.toml", lambda text: text + "\n# edited\n"),
    ],
)
def test_a_changed_file_is_e207(pipeline_dir: Path, tmp_path: Path, name: str, change) -> None:
    copy = tmp_path / "m"
    shutil.copytree(pipeline_dir, copy)
    target = copy / name
    if change is None:
        raw = bytearray(target.read_bytes())
        raw[-5] ^= 0xFF
        target.write_bytes(bytes(raw))
    else:
        target.write_text(change(target.read_text()))
    with pytest.raises(ModelError) as err:
        nerkit.load(copy)
    assert err.value.code == "E207" and name in str(err.value)


def test_a_missing_file_is_e207(pipeline_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(pipeline_dir, copy)
    (copy / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="tokenizer.json is missing"):
        nerkit.load(copy)


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_vectors_that_are_not_finite_are_e061(tmp_path: Path, bad: str) -> None:
    from nerkit.vectors import import_vectors

    text = tmp_path / "v.txt"
    text.write_text(f"2 3\nabc 1 2 3\nxyz 1 {bad} 3\n")
    with pytest.raises(FormatError) as err:
        import_vectors(text, tmp_path / "out")
    assert (err.value.code, err.value.line) == ("E061", 3)


def test_binary_vectors_that_are_not_finite_are_e061(tmp_path: Path) -> None:
    import numpy as np

    from nerkit.vectors import import_vectors

    rows = [("abc", [1.0, 2.0]), ("xyz", [float("nan"), 1.0])]
    raw = b"2 2\n" + b"".join(
        k.encode() + b" " + np.asarray(v, dtype="<f4").tobytes() + b"\n" for k, v in rows
    )
    path = tmp_path / "v.bin"
    path.write_bytes(raw)
    with pytest.raises(FormatError) as err:
        import_vectors(path, tmp_path / "out")
    assert err.value.code == "E061" and "'xyz'" in str(err.value)


def test_training_data_without_one_entity_is_e211(tmp_path: Path) -> None:
    from nerkit.corpus import Example

    plain = [Example(ex.doc) for ex in TWO_SENTENCES]
    with pytest.raises(ModelError) as err:
        nerkit.train(plain, None, tmp_path / "m", model="perceptron")
    assert err.value.code == "E211" and not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "meta",
    ["{broken", "[1, 2]", '{"files": {"../../etc/passwd": "x"}}', '{"files": [1]}'],
    ids=["not-json", "not-an-object", "outside-path", "files-not-a-map"],
)
def test_a_damaged_meta_json_is_e207(pipeline_dir: Path, tmp_path: Path, meta: str) -> None:
    copy = tmp_path / "m"
    shutil.copytree(pipeline_dir, copy)
    (copy / "meta.json").write_text(meta)
    with pytest.raises(ModelError) as err:
        nerkit.load(copy)
    assert err.value.code == "E207" and "meta.json" in str(err.value)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_model_files_load_or_fail_with_a_code(pipeline_dir: Path, data) -> None:
    """Every file of a model directory, mutated: the model loads or a NerkitError says why."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "m"
        shutil.copytree(pipeline_dir, copy)
        name = data.draw(st.sampled_from(sorted(p.name for p in copy.iterdir() if p.is_file())))
        raw = bytearray((copy / name).read_bytes())
        for _ in range(data.draw(st.integers(1, 4))):
            if raw:
                raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        (copy / name).write_bytes(bytes(raw))
        try:
            nerkit.load(copy)
        except NerkitError:
            pass


@pytest.mark.parametrize("sealed", [False, True], ids=["recognizer-dir", "pipeline-dir"])
def test_weights_symlinked_to_another_models_are_e207(
    model_dir: Path, pipeline_dir: Path, tmp_path: Path, sealed: bool
) -> None:
    """A symlink to another model's valid weights (other shapes): the checksum in meta.json
    says so, and without one the shapes disagree with the config."""
    other = tmp_path / "other"
    get_model_class("perceptron")(hash_rows=2**10, max_epochs=1).fit(TWO_SENTENCES).to_disk(other)
    copy = tmp_path / "m"
    shutil.copytree(pipeline_dir if sealed else model_dir, copy)
    (copy / "weights.safetensors").unlink()
    (copy / "weights.safetensors").symlink_to(other / "weights.safetensors")
    with pytest.raises(ModelError) as err:
        nerkit.load(copy)
    assert err.value.code == "E207" and "weights.safetensors" in str(err.value)

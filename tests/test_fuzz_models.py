"""Model directories and vectors files, fuzzed (issue #10): every outcome is a result or a
nerkit error with a code, never another exception.

The checksums in meta.json stop any changed file before it is parsed (tests/test_damaged_
inputs.py); here the directory is re-sealed after the mutation, as a user who edits files
and re-saves would, so the parsers and the checks that labels, config and weights agree
meet the damage themselves.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nerkit
from fuzzing import mutate
from nerkit.errors import NerkitError
from nerkit.models.testing import TWO_SENTENCES
from nerkit.pipeline import seal

RESOURCES = Path(__file__).parent / "resources"
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A perceptron, and a neural model carrying a vectors table in vectors/."""
    pytest.importorskip("torch", reason="the neural model needs the 'neural' extra")
    from nerkit.vectors import import_vectors

    base = tmp_path_factory.mktemp("models")
    import_vectors(RESOURCES / "vectors_tiny.vec", base / "vectors")
    nerkit.train(
        list(TWO_SENTENCES), None, base / "perceptron", model="perceptron",
        overrides=["train.max_epochs=3", "model.hash_rows=4096"],
    )  # fmt: skip
    nerkit.train(
        list(TWO_SENTENCES), None, base / "neural", model="neural",
        overrides=["train.max_epochs=2", "model.hidden=8", "vectors.mode=static",
                   f"vectors.path={base / 'vectors'}"],
    )  # fmt: skip
    return {"perceptron": base / "perceptron", "neural": base / "neural"}


def _files(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def test_the_neural_fixture_carries_its_vectors(model_dirs: dict[str, Path]) -> None:
    names = _files(model_dirs["neural"])
    assert "weights.safetensors" in names and "vectors/vectors.safetensors" in names
    assert nerkit.load(model_dirs["neural"])("Ann met Bob.").text == "Ann met Bob."


@pytest.mark.parametrize("kind", ["perceptron", "neural"])
@FUZZ
@given(data=st.data())
def test_mutated_and_resealed_model_files(model_dirs: dict[str, Path], kind: str, data) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "m"
        shutil.copytree(model_dirs[kind], copy)
        name = data.draw(st.sampled_from([n for n in _files(copy) if n != "meta.json"]))
        target = copy / name
        target.write_bytes(mutate(target.read_bytes(), data, most=4))
        seal(copy)  # the checksums now agree with the damage
        try:
            nlp = nerkit.load(copy)
            doc = nlp("Ann met Bob in Paris yesterday.")
        except NerkitError as err:
            assert err.code.startswith(("E", "W")), err
            return
        for ent in doc.ents:  # what it finds lies in the text
            assert 0 <= ent.start_char < ent.end_char <= len(doc.text)


@pytest.mark.parametrize(
    "name", ["vectors_tiny.vec", "vectors_tiny_glove.txt", "vectors_tiny_w2v.bin"]
)
@FUZZ
@given(data=st.data())
def test_mutated_vectors_files_import_or_fail_with_a_code(name: str, data) -> None:
    from nerkit.vectors import Vectors, import_vectors

    raw = (RESOURCES / name).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / name
        source.write_bytes(mutate(raw, data))
        try:
            import_vectors(source, Path(tmp) / "out")
        except NerkitError:
            assert not (Path(tmp) / "out").exists() or not any((Path(tmp) / "out").iterdir())
            return
        vectors = Vectors.from_disk(Path(tmp) / "out")
        assert vectors.dim > 0 and len(vectors) > 0


@FUZZ
@given(data=st.data())
def test_mutated_vectors_directories_load_or_fail_with_a_code(
    model_dirs: dict[str, Path], data
) -> None:
    from nerkit.vectors import Vectors

    source = model_dirs["neural"] / "vectors"
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "v"
        shutil.copytree(source, copy)
        target = copy / data.draw(st.sampled_from(_files(copy)))
        target.write_bytes(mutate(target.read_bytes(), data, most=4))
        try:
            vectors = Vectors.from_disk(copy)
            vectors.get_rows(["Ann", "the", "zzz-unknown"])
        except NerkitError:
            pass

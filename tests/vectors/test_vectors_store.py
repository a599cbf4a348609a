"""Vectors: our directory format round-trips any key, lookups (exact then lowercase), mmap and copies."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerkit.errors import FormatError
from nerkit.vectors import Vectors
from nerkit.vectors.keys import KeyTable
from nerkit.vectors.tensorfile import read_tensor, save_tensors

ODD_KEYS = [
    "the",
    "New York",
    "line\nbreak",
    "tab\there",
    "Zürich",
    "日本語",
    "🙂",
    "",
    " ",
    '"q"',
    "\\",
]


def _table(keys: list[str], dim: int = 4, seed: int = 0) -> Vectors:
    rng = np.random.default_rng(seed)
    return Vectors(keys, rng.standard_normal((len(keys), dim)).astype(np.float32), {"source": "x"})


@pytest.mark.parametrize("mmap", [True, False])
def test_round_trip_keeps_keys_rows_and_values(tmp_path: Path, mmap: bool) -> None:
    vecs = _table(ODD_KEYS)
    vecs.to_disk(tmp_path)
    loaded = Vectors.from_disk(tmp_path, mmap=mmap)
    assert list(loaded.keys) == ODD_KEYS
    assert np.array_equal(np.asarray(loaded.data), vecs.data)
    assert loaded.dim == 4 and len(loaded) == len(ODD_KEYS)
    assert isinstance(loaded.data, np.memmap) == mmap
    for i, key in enumerate(ODD_KEYS):
        assert loaded.get_row(key) == i
        assert loaded.key2row[key] == i
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["n"] == len(ODD_KEYS) and meta["dim"] == 4 and meta["source"] == "x"
    assert "date" in meta
    # keys.json is a JSON list in row order, readable by anyone.
    assert json.loads((tmp_path / "keys.json").read_text(encoding="utf8")) == ODD_KEYS


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=8), min_size=1, max_size=20, unique=True))
def test_any_unicode_key_survives_disk(keys: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        _table(keys, dim=2).to_disk(tmp)
        loaded = Vectors.from_disk(tmp)
        assert list(loaded.keys) == keys
        assert [loaded.keys.row(k) for k in keys] == list(range(len(keys)))


def test_lookup_is_exact_then_lowercase() -> None:
    vecs = _table(["apple", "Apple", "berlin"])
    assert vecs.get_row("Apple") == 1  # the exact key wins over the lowercase one
    assert vecs.get_row("APPLE") == 0
    assert vecs.get_row("Berlin") == 2
    assert vecs.get_row("paris") == -1
    assert "BERLIN" in vecs and "paris" not in vecs and 3 not in vecs
    assert vecs.get_rows(["Apple", "APPLE", "Berlin", "paris"]).tolist() == [1, 0, 2, -1]
    assert np.array_equal(vecs.get_vector("BERLIN"), vecs.data[2])
    with pytest.raises(KeyError):
        vecs.get_vector("paris")
    with pytest.raises(KeyError):
        vecs.key2row["paris"]
    assert vecs.key2row.get("paris") is None and vecs.key2row.get("berlin") == 2


def test_repeated_key_maps_to_its_first_row() -> None:
    vecs = _table(["a", "b", "a"])
    assert vecs.get_row("a") == 0
    assert len(vecs) == 3 and len(vecs.key2row) == 2 and list(vecs.key2row) == ["a", "b"]


def test_key_table_batch_lookup_matches_single_lookups() -> None:
    keys = [f"w{i}" for i in range(500)]
    table = KeyTable.build(keys)
    queries = ["w3", "w499", "nope", "w0", ""]
    assert table.rows_of(queries).tolist() == [table.row(q) for q in queries] == [3, 499, -1, 0, -1]
    assert table[-1] == "w499" and table[1:3] == ["w1", "w2"]


def test_stale_or_missing_index_is_rebuilt_from_keys_json(tmp_path: Path) -> None:
    _table(["a", "b", "c"]).to_disk(tmp_path)
    # Someone edits keys.json by hand: the index no longer matches and must not be trusted.
    (tmp_path / "keys.json").write_text(json.dumps(["x", "y", "z"]), encoding="utf8")
    loaded = Vectors.from_disk(tmp_path)
    assert list(loaded.keys) == ["x", "y", "z"] and loaded.get_row("y") == 1
    (tmp_path / "keys.index.safetensors").unlink()
    assert Vectors.from_disk(tmp_path).get_row("z") == 2


def test_keys_and_rows_that_disagree_are_an_error(tmp_path: Path) -> None:
    _table(["a", "b", "c"]).to_disk(tmp_path)
    (tmp_path / "keys.json").write_text(json.dumps(["a", "b"]), encoding="utf8")
    with pytest.raises(FormatError, match=r"E056.*2 keys but the table has 3 rows"):
        Vectors.from_disk(tmp_path)


def test_not_a_vectors_directory(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="E054.*nerkit vectors import"):
        Vectors.from_disk(tmp_path)


def test_truncated_tensor_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.safetensors"
    save_tensors(path, {"vectors": np.ones((10, 4), dtype=np.float32)})
    data = path.read_bytes()
    path.write_bytes(data[:-8])
    with pytest.raises(FormatError, match="E053.*truncated"):
        read_tensor(path, "vectors")


@pytest.mark.parametrize(
    "entry",
    [
        {"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 3]},  # fuzzing inserted a ","
        {"dtype": "F32", "shape": ["x"], "data_offsets": [0, 8]},
        {"dtype": "F32", "shape": [2], "data_offsets": 5},
        [1, 2],
    ],
)
def test_a_malformed_header_entry_is_a_coded_error(tmp_path: Path, entry: object) -> None:
    header = json.dumps({"t": entry}).encode()
    path = tmp_path / "t.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(8))
    with pytest.raises(FormatError) as err:
        read_tensor(path, "t")
    assert err.value.code == "E052"


def test_our_file_is_standard_safetensors(tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    vecs = _table(["a", "b"])
    vecs.to_disk(tmp_path)
    tensors = load_file(str(tmp_path / "vectors.safetensors"))
    assert list(tensors) == ["vectors"]
    assert tensors["vectors"].dtype == np.float32 and np.array_equal(tensors["vectors"], vecs.data)


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="n_keys"):
        Vectors(["a", "b"], np.zeros((3, 2), dtype=np.float32))


@pytest.mark.parametrize("mmap", [True, False])
def test_saving_over_the_directory_it_was_loaded_from(tmp_path: Path, mmap: bool) -> None:
    vecs = _table(["a", "b", "c"])
    vecs.to_disk(tmp_path)
    loaded = Vectors.from_disk(tmp_path, mmap=mmap)
    loaded.to_disk(tmp_path)  # the files it maps are replaced, not overwritten in place
    again = Vectors.from_disk(tmp_path)
    assert list(again.keys) == ["a", "b", "c"]
    assert np.array_equal(np.asarray(again.data), vecs.data)
    assert not list(tmp_path.glob("*.partial"))

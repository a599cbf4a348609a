"""Importing word2vec (binary, text), GloVe and fastText .vec files: values, detection, errors."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.errors import FormatError
from nerkit.vectors import Vectors, detect_vectors_format, import_vectors

RESOURCES = Path(__file__).parents[1] / "resources"
GLOVE = (
    Path(__file__).parents[2]
    / ".."
    / "shared"
    / "data"
    / "word_vectors"
    / "glove.6B.100d.top2604.txt"
)


def test_fasttext_vec_fixture(tmp_path: Path) -> None:
    path = RESOURCES / "vectors_tiny.vec"
    assert detect_vectors_format(path) == "fasttext-vec"
    vecs = import_vectors(path, tmp_path / "out")
    assert list(vecs.keys) == ["the", "New York", "Zürich", "."]  # a key with a space
    expected = np.array(
        [[0.1, 0.2, 0.3], [1.5, -2, 0.3], [-0.5, 0.25, 0], [1, 1, 1]], dtype=np.float32
    )
    assert np.array_equal(np.asarray(vecs.data), expected)
    assert vecs.meta["format"] == "fasttext-vec" and vecs.meta["lowercase"] is False
    assert vecs.get_row("new york") == -1 and vecs.get_row("zürich") == -1
    assert vecs.get_row("New York") == 1


def test_glove_fixture(tmp_path: Path) -> None:
    path = RESOURCES / "vectors_tiny_glove.txt"
    assert detect_vectors_format(path) == "glove"
    vecs = import_vectors(path, tmp_path)
    assert list(vecs.keys) == ["the", "cat", "\u2014"]
    assert vecs.data[1].tolist() == [-1.0, 0.5, 2.0]
    assert vecs.meta["lowercase"] is True and vecs.get_row("CAT") == 1


def test_word2vec_binary_fixture_with_newlines(tmp_path: Path) -> None:
    # Written like the original C tool: a newline after each row.
    path = RESOURCES / "vectors_tiny_w2v.bin"
    assert detect_vectors_format(path) == "word2vec-bin"
    vecs = import_vectors(path, tmp_path)
    assert list(vecs.keys) == ["the", "Cat", "日本"]
    assert vecs.data.tolist() == [[0.5, -1, 2], [0, 0.25, -0.125], [3, 2, 1]]


@pytest.mark.parametrize("binary", [True, False])
def test_gensim_written_files_round_trip(tmp_path: Path, binary: bool) -> None:
    kv_mod = pytest.importorskip(
        "gensim.models", reason="gensim (the vectors extra) is not installed"
    )
    kv = kv_mod.KeyedVectors(vector_size=5)
    keys = ["alpha", "Beta", "γάμμα", "d-e", "1996"]
    values = np.random.default_rng(3).standard_normal((5, 5)).astype(np.float32)
    kv.add_vectors(keys, values)
    path = tmp_path / ("w.bin" if binary else "w.txt")
    kv.save_word2vec_format(str(path), binary=binary)
    assert detect_vectors_format(path) == ("word2vec-bin" if binary else "word2vec-text")
    vecs = import_vectors(path, tmp_path / "out")
    assert list(vecs.keys) == keys
    if binary:
        assert np.array_equal(np.asarray(vecs.data), values)
    else:  # the text format keeps gensim's printed precision
        assert np.allclose(np.asarray(vecs.data), values, atol=1e-6)
    again = Vectors.from_disk(tmp_path / "out", mmap=False)
    assert np.array_equal(again.data, np.asarray(vecs.data))


@pytest.mark.skipif(not GLOVE.is_file(), reason=f"shared data not present: {GLOVE}")
def test_real_glove_file(tmp_path: Path) -> None:
    vecs = import_vectors(GLOVE, tmp_path)
    assert len(vecs) == 2604 and vecs.dim == 100
    # Compare with a plain, independent parse of the same file.
    with open(GLOVE, encoding="utf8") as fh:
        rows = [line.rstrip("\n").split(" ") for line in fh]
    assert list(vecs.keys) == [r[0] for r in rows]
    expected = np.array([r[1:] for r in rows], dtype=np.float32)
    assert np.array_equal(np.asarray(vecs.data), expected)
    assert vecs.get_row("The") == vecs.get_row("the") == 0


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf8")
    return path


@pytest.mark.parametrize(
    ("name", "text", "pattern"),
    [
        (
            "ragged.txt",
            "a 1 2 3\nb 1 2\nc 1 2 3\n",
            r"E063.*ragged.txt:2: The row of 'b' has 2 values, expected 3",
        ),
        (
            "long.txt",
            "a 1 2\nb 1 2\nc 1 2 3\n",
            r"E063.*long.txt:3: The row of 'c' has 3 values, expected 2",
        ),
        ("nan.txt", "a 1 2\nb 1 x2\n", r"E061.*nan.txt:2: Not a number: 'x2'"),
        ("dims.txt", "2 4\na 1 2 3\nb 1 2 3\n", r"E063.*dims.txt:2: .*3 values, expected 4"),
        (
            "short.txt",
            "3 2\na 1 2\nb 1 2\n",
            r"E062.*header says 3 rows but the file has 2.*truncated",
        ),
        ("more.txt", "1 2\na 1 2\nb 1 2\n", r"E060.*more.txt:3: More rows than the header's 1"),
    ],
)
def test_broken_text_files_name_the_line(
    tmp_path: Path, name: str, text: str, pattern: str
) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(FormatError, match=pattern):
        import_vectors(path, tmp_path / "out")
    # A failed import leaves no table that would load as if it were complete.
    assert not (tmp_path / "out" / "vectors.safetensors").exists()


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"a 1 2\ncaf\xe9 1 2\n")
    with pytest.raises(FormatError, match=r"E059.*latin1.txt:2: Not valid UTF-8.*iconv"):
        import_vectors(path, tmp_path / "out", format="glove")


def test_truncated_binary_gives_the_row_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "cut.bin"
    row = b"word " + struct.pack("<3f", 1, 2, 3)
    path.write_bytes(b"3 3\n" + row + row + row[:-5])
    with pytest.raises(
        FormatError, match=r"E066.*cut.bin, offset \d+: The file ends inside row 3 of 3"
    ):
        import_vectors(path, tmp_path / "out")


def test_binary_with_wrong_header_count(tmp_path: Path) -> None:
    path = tmp_path / "extra.bin"
    row = b"word " + struct.pack("<3f", 1, 2, 3)
    path.write_bytes(b"1 3\n" + row + row)
    with pytest.raises(FormatError, match=r"E060.*More data after the header's 1 rows"):
        import_vectors(path, tmp_path / "out")


def test_binary_without_header_and_empty_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.dat"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(FormatError, match="E057.*header"):
        detect_vectors_format(junk)
    empty = _write(tmp_path, "empty.txt", "\n")
    with pytest.raises(FormatError, match="E065.*empty"):
        import_vectors(empty, tmp_path / "out")


def test_unknown_format_name(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="E058.*word2vec-bin"):
        import_vectors(RESOURCES / "vectors_tiny.vec", tmp_path, format="gloves")


def test_cli_import_and_error_exit(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["vectors", "import", str(RESOURCES / "vectors_tiny.vec"), "-o", str(tmp_path / "v")]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 4 vectors of dim 3 (fasttext-vec)" in result.output
    assert Vectors.from_disk(tmp_path / "v").get_row("Zürich") == 2
    bad = _write(tmp_path, "bad.txt", "a 1 2\nb 1\n")
    result = runner.invoke(app, ["vectors", "import", str(bad), "-o", str(tmp_path / "w")])
    assert isinstance(result.exception, FormatError) and "bad.txt:2" in str(result.exception)

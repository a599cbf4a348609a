"""Import the word vectors of a spaCy pipeline: a pipeline directory or an installed package.

spaCy reads its own files (``Vocab().from_disk`` on the pipeline's ``vocab/``); no pipeline
component is built, so a pipeline whose components need packages that are not installed
(spacy-transformers, scispaCy's linker) still gives its vectors. spaCy's table maps 64-bit
key hashes to rows, resolved to strings through the pipeline's string store; several keys
may share a row (a pruned table) and some rows may have no key. Ours has one row per key, so
a shared row is written once for each of its keys, in spaCy's row order, and a row without
a key is left out. Rows are copied a block at a time into the memory-mapped output.

Example (spaCy installed; ``nlp.to_disk`` writes a pipeline directory):
    >>> import pathlib, tempfile, spacy
    >>> nlp = spacy.blank("en")
    >>> nlp.vocab.set_vector("cat", np.ones(4, dtype=np.float32))
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> nlp.to_disk(d / "pipeline")
    >>> vecs = import_spacy_vectors(str(d / "pipeline"), d / "out")
    >>> vecs.get_row("cat"), vecs.dim, vecs.meta["format"]
    (0, 4, 'spacy')
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, missing_extra
from .keys import KeyTable
from .store import VECTORS_FILE, Vectors, write_keys, write_meta
from .tensorfile import TensorWriter

Progress = Callable[[int, int], None]
_PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BLOCK = 1 << 14  # rows copied at a time


def could_be_package(source: str) -> bool:
    """Whether ``source`` is no path on disk but could name an installed Python package."""
    return bool(_PACKAGE_NAME.fullmatch(source)) and not Path(source).exists()


def _spacy() -> Any:
    try:
        import spacy
        import spacy.vocab  # noqa: F401
    except ImportError as err:
        raise missing_extra("spacy", "spacy", "Importing the vectors of a spaCy pipeline") from err
    return spacy


def find_pipeline(source: str) -> Path:
    """The directory holding the ``vocab/`` of the spaCy pipeline ``source`` names: a
    pipeline directory, or an installed pipeline package (``en_core_web_lg``)."""
    p = Path(source)
    if p.is_dir():
        if (p / "vocab").is_dir():
            return p
        raise FormatError(
            "E084",
            "Not a spaCy pipeline directory (it has no vocab/)",
            path=p,
            hint="Pass the directory nlp.to_disk() wrote (config.cfg, meta.json, vocab/), "
            "the name of an installed spaCy pipeline package, or a vectors file.",
        )
    spacy = _spacy()
    if not spacy.util.is_package(source):
        raise FormatError(
            "E084",
            f"No file, directory or installed spaCy pipeline package named '{source}'",
            hint=f"Check the path, or install the pipeline (python -m spacy download {source}).",
        )
    package = Path(spacy.util.get_package_path(source))
    meta = json.loads((package / "meta.json").read_text(encoding="utf8"))
    data = package / f"{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"
    for candidate in (data, package):
        if (candidate / "vocab").is_dir():
            return candidate
    raise FormatError(
        "E084",
        f"The spaCy package '{source}' has no pipeline directory with a vocab/",
        path=package,
        hint="Reinstall the package, or pass its pipeline directory.",
    )


def import_spacy_vectors(source: str, out: Path, progress: Progress | None = None) -> Vectors:
    """Write the vectors of the spaCy pipeline ``source`` (directory or package) to ``out``."""
    pipeline = find_pipeline(source)
    vocab_dir = pipeline / "vocab"
    spacy = _spacy()
    try:
        vocab = spacy.vocab.Vocab().from_disk(vocab_dir, exclude=["lookups"])
    except Exception as err:  # spaCy's loaders raise whatever the damaged file causes
        raise FormatError(
            "E085",
            f"spaCy cannot read the pipeline's vocabulary: {err}",
            path=vocab_dir,
            hint="Reinstall or copy the pipeline again.",
        ) from err
    vectors = vocab.vectors
    if str(getattr(vectors, "mode", "default")) == "floret":
        raise FormatError(
            "E086",
            "The pipeline has floret vectors (only hashed subword rows, no word keys)",
            path=vocab_dir,
            hint="Import the floret .vec file of the words you need, or a pipeline with "
            "ordinary vectors (md, lg).",
        )
    data = np.asarray(vectors.data) if vectors.data is not None else np.zeros((0, 0))
    key2row = dict(vectors.key2row)
    if not key2row or data.size == 0:
        raise FormatError(
            "E083",
            "The spaCy pipeline has no word vectors",
            path=pipeline,
            hint="Small (sm) and blank pipelines have none: use a md or lg pipeline, or a "
            "vectors file.",
        )
    strings = vocab.strings
    pairs: list[tuple[int, str]] = []
    for key, row in key2row.items():
        if key in strings:
            pairs.append((int(row), strings[key]))
    if not pairs:
        raise FormatError(
            "E085",
            f"None of the {len(key2row):,} vector keys is in the pipeline's string store",
            path=vocab_dir,
            hint="The pipeline's vocab/strings.json does not belong to its vectors: copy the "
            "pipeline again.",
        )
    pairs.sort()
    return _write(out, pairs, data, source, pipeline, len(key2row) - len(pairs), progress)


def _write(
    out: Path,
    pairs: list[tuple[int, str]],
    data: np.ndarray,
    source: str,
    pipeline: Path,
    unresolved: int,
    progress: Progress | None,
) -> Vectors:
    out.mkdir(parents=True, exist_ok=True)
    n, dim = len(pairs), int(data.shape[1])
    rows = np.fromiter((r for r, _ in pairs), dtype=np.int64, count=n)
    writer = TensorWriter(out / VECTORS_FILE, "vectors", n, dim)
    for a in range(0, n, _BLOCK):
        block = np.asarray(data[rows[a : a + _BLOCK]], dtype=np.float32)
        if not np.isfinite(block).all():
            bad = a + int(np.flatnonzero(~np.isfinite(block).all(axis=1))[0])
            del writer.array
            writer.path.unlink(missing_ok=True)
            raise FormatError(
                "E061",
                f"The vector of {pairs[bad][1]!r} holds NaN or an infinite value",
                path=pipeline,
                hint="Vectors must be finite numbers: fix the pipeline's vectors.",
            )
        writer.array[a : a + len(block)] = block
        if progress is not None:
            progress(a + len(block), n)
    writer.close(n, {"format": "nerkit.vectors"})
    keys = [k for _, k in pairs]
    write_keys(out, KeyTable.build(keys))
    spacy_meta: dict[str, Any] = {"rows": int(data.shape[0]), "keys_without_string": unresolved}
    meta_path = pipeline / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf8"))
        spacy_meta["pipeline"] = f"{meta.get('lang')}_{meta.get('name')}"
        spacy_meta["version"] = meta.get("version")
    write_meta(
        out,
        {
            "dim": dim,
            "n": n,
            "source": source,
            "format": "spacy",
            "algorithm": None,
            "training_data": None,
            "lowercase": all(k == k.lower() for k in keys),
            "spacy": spacy_meta,
        },
    )
    return Vectors.from_disk(out)

"""Read and write safetensors files without copies: tensors are memory-mapped or read in place.

The format (https://github.com/huggingface/safetensors) is an 8-byte little-endian header
length ``N``, ``N`` bytes of JSON (``{name: {"dtype", "shape", "data_offsets": [begin, end]}}``
plus an optional ``__metadata__`` of strings), then the raw little-endian data. Parsing it here
lets a 1 GB table be ``np.memmap``-ed (nothing read until touched) or read straight into one
preallocated array, where ``safetensors.numpy.load_file`` would hold bytes and array at once.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.safetensors"
    >>> save_tensors(p, {"x": np.arange(6, dtype=np.float32).reshape(2, 3)}, {"k": "v"})
    >>> read_tensor(p, "x", mmap=True)[1].tolist(), read_header(p)[1]
    ([3.0, 4.0, 5.0], {'k': 'v'})
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError

_DTYPES: dict[str, np.dtype[Any]] = {
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U8": np.dtype("u1"),
    "I8": np.dtype("i1"),
    "BOOL": np.dtype("?"),
}
_NAMES = {dt: name for name, dt in _DTYPES.items()}
_MAX_HEADER = 100_000_000


def read_header(
    path: str | PathLike[str],
) -> tuple[dict[str, dict[str, Any]], dict[str, str], int]:
    """The tensor entries, the ``__metadata__`` and the byte offset where the data starts."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            raw = fh.read(8)
            if len(raw) < 8:
                raise ValueError("shorter than the 8-byte header length")
            (n,) = struct.unpack("<Q", raw)
            if n > _MAX_HEADER:
                raise ValueError(f"header length {n} is implausible")
            header = json.loads(fh.read(n).decode("utf8"))
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise FormatError(
            "E050",
            f"Not a readable safetensors file: {err}",
            path=p,
            hint="Write it again with `nerkit vectors import` or Vectors.to_disk().",
        ) from err
    meta = header.pop("__metadata__", None) or {}
    return header, meta, 8 + n


def read_tensor(path: str | PathLike[str], name: str, mmap: bool = True) -> np.ndarray:
    """Tensor ``name`` of the file: a read-only ``np.memmap`` (``mmap``) or one fresh array."""
    return read_tensors(path, [name], mmap=mmap)[0][name]


def read_tensors(
    path: str | PathLike[str],
    names: Sequence[str],
    *,
    optional: Sequence[str] = (),
    mmap: bool = True,
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Tensors ``names`` (and those of ``optional`` the file has) and the ``__metadata__``.

    The header is parsed once for all of them (:func:`read_tensor` reads one).
    """
    p = Path(path)
    header, meta, start = read_header(p)
    size = p.stat().st_size
    wanted = [*names, *(name for name in optional if name in header)]
    return {name: _read_entry(p, header, name, start, size, mmap) for name in wanted}, meta


def _read_entry(
    p: Path, header: dict[str, dict[str, Any]], name: str, start: int, size: int, mmap: bool
) -> np.ndarray:
    if name not in header:
        raise FormatError(
            "E051",
            f"The file has no tensor '{name}' (it has: {', '.join(sorted(header)) or 'none'})",
            path=p,
            hint="Was it written by nerkit? Import the vectors again.",
        )
    entry = header[name]
    try:  # a damaged header may hold anything where the fields are
        dtype = _DTYPES.get(entry.get("dtype", ""))
        shape = tuple(int(d) for d in entry.get("shape", ()))
        begin, end = (int(x) for x in entry.get("data_offsets", (0, -1)))
    except (AttributeError, TypeError, ValueError):
        dtype = None
    if dtype is None or end - begin != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise FormatError("E052", f"Tensor '{name}' has a bad dtype or size", path=p)
    if size < start + end:
        raise FormatError(
            "E053",
            f"The file is truncated: tensor '{name}' needs {start + end} bytes, "
            f"the file has {size}",
            path=p,
            hint="Copy or write the file again.",
        )
    if end == begin:  # np.memmap refuses empty maps
        return np.zeros(shape, dtype=dtype)
    if mmap:
        return np.memmap(p, dtype=dtype, mode="r", offset=start + begin, shape=shape)
    out = np.empty(shape, dtype=dtype)
    with open(p, "rb") as fh:
        fh.seek(start + begin)
        # readinto fills the array's own buffer: no second copy of the data in memory.
        view = out.reshape(-1).view(np.uint8).data
        done = 0
        while done < len(view):
            got = fh.readinto(view[done:])
            if not got:
                raise FormatError("E053", "The file ended early", path=p)
            done += got
    return out


def _header_bytes(
    specs: Mapping[str, tuple[np.dtype[Any], tuple[int, ...]]],
    metadata: Mapping[str, str] | None,
    pad_to: int = 0,
) -> tuple[bytes, dict[str, tuple[int, int]]]:
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offsets: dict[str, tuple[int, int]] = {}
    pos = 0
    for name, (dtype, shape) in specs.items():
        size = np.dtype(dtype).itemsize * int(np.prod(shape, dtype=np.int64))
        header[name] = {
            "dtype": _NAMES[np.dtype(dtype).newbyteorder("<")],
            "shape": list(shape),
            "data_offsets": [pos, pos + size],
        }
        offsets[name] = (pos, pos + size)
        pos += size
    raw = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf8")
    # Pad with spaces (the format allows it) so the data starts 8-byte aligned, or to a
    # reserved size so a header can be rewritten in place once the final shape is known.
    size = max(len(raw), pad_to)
    size += (-(8 + size)) % 8
    return raw + b" " * (size - len(raw)), offsets


def save_tensors(
    path: str | PathLike[str],
    arrays: Mapping[str, np.ndarray],
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write ``arrays`` (C-contiguous little-endian copies are made only where needed).

    The file is written beside ``path`` and moved over it at the end, so arrays memory-mapped
    from the old file (even the ones being saved) stay valid.
    """
    specs = {
        name: (np.dtype(a.dtype).newbyteorder("<"), tuple(a.shape)) for name, a in arrays.items()
    }
    header, _ = _header_bytes(specs, metadata)
    target = Path(path)
    tmp = target.with_name(target.name + ".partial")
    with open(tmp, "wb") as fh:
        fh.write(struct.pack("<Q", len(header)))
        fh.write(header)
        for name, a in arrays.items():
            a = np.ascontiguousarray(a, dtype=specs[name][0])
            flat = a.reshape(-1)
            step = max(1, (64 << 20) // max(1, a.itemsize))  # 64 MB at a time
            for i in range(0, flat.size, step):
                fh.write(flat[i : i + step].tobytes())
    os.replace(tmp, target)


class TensorWriter:
    """Create a file of one 2-D tensor whose row count is known only at the end.

    Rows are written through :attr:`array` (a memmap of ``capacity`` rows); :meth:`close`
    rewrites the header with the real row count and truncates the file, so importing a
    table of any size needs no more memory than a page cache.
    """

    _RESERVED = 512

    def __init__(self, path: str | PathLike[str], name: str, capacity: int, dim: int) -> None:
        self.path = Path(path)
        self.name = name
        self.dim = dim
        self.capacity = capacity
        header, _ = _header_bytes(
            {name: (np.dtype("<f4"), (capacity, dim))}, None, pad_to=self._RESERVED
        )
        self._start = 8 + len(header)
        with open(self.path, "wb") as fh:
            fh.write(struct.pack("<Q", len(header)))
            fh.write(header)
            fh.truncate(self._start + 4 * capacity * dim)
        self.array: np.ndarray = (
            np.memmap(self.path, dtype="<f4", mode="r+", offset=self._start, shape=(capacity, dim))
            if capacity * dim
            else np.zeros((capacity, dim), dtype=np.float32)
        )

    def close(self, n_rows: int, metadata: Mapping[str, str] | None = None) -> None:
        """Keep the first ``n_rows`` rows and write the final header."""
        if isinstance(self.array, np.memmap):
            self.array.flush()
        del self.array
        header, _ = _header_bytes(
            {self.name: (np.dtype("<f4"), (n_rows, self.dim))},
            metadata,
            pad_to=self._start - 8,
        )
        if 8 + len(header) != self._start:  # metadata too long for the reserved space
            raise ValueError("metadata does not fit the reserved header")
        with open(self.path, "r+b") as fh:
            fh.write(struct.pack("<Q", len(header)))
            fh.write(header)
            fh.truncate(self._start + 4 * n_rows * self.dim)

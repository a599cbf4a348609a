"""Loading a large table costs the table's bytes and little more (peak RSS, in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nerkit.vectors.keys import KeyTable
from nerkit.vectors.store import VECTORS_FILE, write_keys, write_meta
from nerkit.vectors.tensorfile import TensorWriter

# Runs in a subprocess: its own peak RSS is what we measure. The baseline is taken after
# numpy and nerkit.vectors are imported, before the table is loaded.
PROBE = r"""
import json, sys
import numpy as np
from nerkit.vectors import Vectors

def status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)

path, mmap = sys.argv[1], sys.argv[2] == "1"
base = status("VmRSS")
vecs = Vectors.from_disk(path, mmap=mmap)
total = float(np.asarray(vecs.data).sum(dtype=np.float64))   # touches every page of the table
n = len(vecs)
probe = [f"w{i}" for i in range(0, n, max(1, n // 1000))] + ["missing"]
rows = vecs.get_rows(probe).tolist()
ok = rows[:-1] == list(range(0, n, max(1, n // 1000))) and rows[-1] == -1
ok = ok and vecs.get_row(f"W{n - 1}") == n - 1 and vecs.keys[n - 1] == f"w{n - 1}"
print(json.dumps({"base": base, "peak": status("VmHWM"), "sum": total, "lookups_ok": ok,
                  "table_bytes": int(vecs.data.nbytes)}))
"""


def _write_table(path: Path, n: int, dim: int) -> float:
    """Write an ``n x dim`` table in chunks (this process never holds all of it); its sum."""
    path.mkdir(parents=True, exist_ok=True)
    writer = TensorWriter(path / VECTORS_FILE, "vectors", n, dim)
    rng = np.random.default_rng(0)
    total = 0.0
    step = 50_000
    for a in range(0, n, step):
        block = rng.standard_normal((min(step, n - a), dim), dtype=np.float32)
        writer.array[a : a + len(block)] = block
        total += float(block.sum(dtype=np.float64))
    writer.close(n)
    write_keys(path, KeyTable.build(f"w{i}" for i in range(n)))
    write_meta(path, {"dim": dim, "n": n, "source": "synthetic", "lowercase": True})
    return total


def _measure(path: Path, mmap: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), "1" if mmap else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def _check(path: Path, n: int, dim: int, expected_sum: float) -> None:
    table_bytes = n * dim * 4
    for mmap in (True, False):
        m = _measure(path, mmap)
        assert m["lookups_ok"]
        assert m["table_bytes"] == table_bytes
        assert m["sum"] == pytest.approx(expected_sum, rel=1e-6, abs=1e-3)
        extra = m["peak"] - m["base"]
        # The table itself plus 15%: no second copy, no dict of all keys.
        assert extra <= 1.15 * table_bytes, (mmap, m)
        print(
            f"mmap={mmap}: baseline {m['base'] / 2**20:.0f} MB, peak {m['peak'] / 2**20:.0f} MB, "
            f"table {table_bytes / 2**20:.0f} MB, extra over baseline {extra / 2**20:.0f} MB"
        )


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc for RSS")
def test_loading_200k_x_300_costs_the_table_and_little_more(tmp_path: Path) -> None:
    n, dim = 200_000, 300
    total = _write_table(tmp_path / "v", n, dim)
    _check(tmp_path / "v", n, dim, total)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc for RSS")
def test_loading_1m_x_300_costs_the_table_and_little_more(tmp_path: Path) -> None:
    n, dim = 1_000_000, 300
    total = _write_table(tmp_path / "v", n, dim)
    _check(tmp_path / "v", n, dim, total)

"""Shared data loading for the NER benchmarks: the same splits feed spaCy and nerkit.

This module reads the raw files itself (no nerkit, no spaCy import) so that
``spacy_train.py`` can run on its own and both systems see exactly the same
sentences, texts and gold character spans. It also runs the training subprocesses
(``run_logged``), so every script times them the same way.

Splits:
  * conll2003: train.txt / valid.txt (dev) / test.txt, one sentence per example,
    ``-DOCSTART-`` lines dropped. A sentence's text is its words joined by one space.
  * fashion_brands, drugs: the ``*_eval.jsonl`` file is the test set. A dev set is
    split off the training file (every 5th accepted record, i.e. 20%, by file order),
    so that neither system selects its model on the data it is scored on. The
    remaining 80% is the training set.
"""

from __future__ import annotations

import json
import resource
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DATA_DIR = REPO_DIR.parent / "shared" / "data"
CACHE_DIR = BENCH_DIR / "cache"
RESULTS_DIR = BENCH_DIR / "results"
SPACY_DIR = CACHE_DIR / "spacy"  # spacy_train.py's models, read by every benchmark

ALL_SETS = ("conll2003", "fashion_brands", "drugs")
DEV_EVERY = 5  # every DEV_EVERY-th accepted training record goes to dev (Prodigy sets)


@dataclass
class Sample:
    """One example: the text, its gold tokens (char offsets) and gold entity char spans."""

    text: str
    words: list[str]
    spaces: list[bool]
    token_offsets: list[tuple[int, int]]
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start_char, end_char, label)
    record: dict | None = None  # the original JSON record (Prodigy sets)

    @property
    def n_tokens(self) -> int:
        return len(self.words)


def _iob_to_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """IOB1/IOB2 tags -> token spans (start, end exclusive, label)."""
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, lab = tag.partition("-")
        begins = prefix == "B" or (prefix == "I" and lab != label)
        if start is not None and (prefix == "O" or begins):
            spans.append((start, i, label))
            start, label = None, None
        if prefix in ("B", "I") and start is None:
            start, label = i, lab
    return spans


def read_conll(path: Path) -> list[Sample]:
    """Read a CoNLL-2003 column file: one Sample per sentence, text = words joined by spaces."""
    samples: list[Sample] = []
    words: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if not words:
            return
        offsets, pos = [], 0
        for w in words:
            offsets.append((pos, pos + len(w)))
            pos += len(w) + 1
        text = " ".join(words)
        spans = [
            (offsets[s][0], offsets[e - 1][1], lab) for s, e, lab in _iob_to_spans(tags)
        ]
        samples.append(
            Sample(text, list(words), [True] * (len(words) - 1) + [False], offsets, spans)
        )
        words.clear()
        tags.clear()

    with open(path, encoding="utf8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                flush()
                continue
            if parts[0] == "-DOCSTART-":
                flush()
                continue
            words.append(parts[0])
            tags.append(parts[-1])
    flush()
    return samples


def read_prodigy(path: Path) -> list[Sample]:
    """Read Prodigy JSONL: accepted records only; spans from their char offsets."""
    samples: list[Sample] = []
    with open(path, encoding="utf8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            if rec.get("answer", "accept") != "accept":
                continue
            text = rec["text"]
            toks = rec["tokens"]
            words = [t["text"] for t in toks]
            offsets = [(t["start"], t["end"]) for t in toks]
            spaces = [
                (offsets[i][1] < offsets[i + 1][0]) if i + 1 < len(toks) else False
                for i in range(len(toks))
            ]
            spans = [(s["start"], s["end"], s["label"]) for s in rec.get("spans", [])]
            samples.append(Sample(text, words, spaces, offsets, spans, rec))
    return samples


def load_set(name: str) -> dict[str, list[Sample]]:
    """Return {"train", "dev", "test"} Sample lists for a benchmark set."""
    if name == "conll2003":
        d = DATA_DIR / "conll2003"
        return {
            "train": read_conll(d / "train.txt"),
            "dev": read_conll(d / "valid.txt"),
            "test": read_conll(d / "test.txt"),
        }
    if name in ("fashion_brands", "drugs"):
        d = DATA_DIR / name
        full = read_prodigy(d / f"{name}_training.jsonl")
        return {
            "train": [s for i, s in enumerate(full) if i % DEV_EVERY != DEV_EVERY - 1],
            "dev": [s for i, s in enumerate(full) if i % DEV_EVERY == DEV_EVERY - 1],
            "test": read_prodigy(d / f"{name}_eval.jsonl"),
        }
    raise SystemExit(f"unknown benchmark set {name!r}; choose from {', '.join(ALL_SETS)}")


CURVE_SEED = 0  # seed of the one shuffle the learning-curve subsets are cut from


def curve_order(n_total: int, seed: int = CURVE_SEED) -> list[int]:
    """The seeded shuffle of the training examples that learning-curve subsets are cut from.

    It is the same permutation ``nerkit curve --seed 0`` draws
    (``numpy.random.default_rng(seed).permutation``), and nerkit reads CoNLL-2003's train.txt
    into the same 14,041 sentences in the same order as ``read_conll``, so a subset of size n
    is the same sentences for spaCy and nerkit. Subsets are nested: n=200 is a prefix of n=1000.
    """
    import numpy as np

    return np.random.default_rng(seed).permutation(n_total).tolist()


def train_subset(samples: list[Sample], n: int | None, seed: int = CURVE_SEED) -> list[Sample]:
    """The first ``n`` examples of the seeded shuffle (all of them, in file order, if n is None)."""
    if n is None:
        return samples
    if not 1 <= n <= len(samples):
        raise SystemExit(f"--train-limit {n} is not between 1 and {len(samples)}")
    return [samples[j] for j in curve_order(len(samples), seed)[:n]]


def set_key(name: str, limit: int | None) -> str:
    """Cache key of a set, with ``-n<limit>`` for a learning-curve subset (conll2003-n200)."""
    return name if limit is None else f"{name}-n{limit}"


def split_files(name: str) -> dict[str, Path]:
    """Paths of train/dev/test files in a format nerkit reads, written to the cache if needed.

    CoNLL-2003 files are used as they are; for Prodigy sets the train/dev split is
    written as JSONL (the original records, unchanged) under benchmarks/cache/data/.
    """
    if name == "conll2003":
        d = DATA_DIR / "conll2003"
        return {"train": d / "train.txt", "dev": d / "valid.txt", "test": d / "test.txt"}
    out = CACHE_DIR / "data" / name
    paths = {part: out / f"{part}.jsonl" for part in ("train", "dev", "test")}
    if not all(p.exists() for p in paths.values()):
        out.mkdir(parents=True, exist_ok=True)
        for part, samples in load_set(name).items():
            with open(paths[part], "w", encoding="utf8") as f:
                for s in samples:
                    f.write(json.dumps(s.record, ensure_ascii=False) + "\n")
    return paths


def describe_splits(name: str, data: dict[str, list[Sample]]) -> dict[str, Any]:
    """The ``splits`` (examples, tokens, entities per part) and ``dev`` entries of a result."""
    return {
        "splits": {
            part: {"examples": len(v), "tokens": sum(s.n_tokens for s in v),
                   "entities": sum(len(s.spans) for s in v)}
            for part, v in data.items()
        },
        "dev": "valid.txt" if name == "conll2003" else
        f"every {DEV_EVERY}th accepted record of {name}_training.jsonl (the rest is train); "
        f"{name}_eval.jsonl is the test set",
    }


def parse_sets(arg: str) -> list[str]:
    """Parse a comma-separated --sets value."""
    sets = [s.strip() for s in arg.split(",") if s.strip()]
    for s in sets:
        if s not in ALL_SETS:
            raise SystemExit(f"unknown benchmark set {s!r}; choose from {', '.join(ALL_SETS)}")
    return sets


def dir_size(path: Path) -> int:
    """Total bytes of the files under a directory."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def children_cpu() -> float:
    """User + system CPU seconds of finished child processes (robust to a busy machine)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_logged(cmd: list[str], log_path: Path) -> tuple[float, float]:
    """Run ``cmd`` with its output in ``log_path``; return (wall, CPU) seconds; exit on failure."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"[run] {' '.join(cmd)}", flush=True)
    cpu0, t0 = children_cpu(), time.perf_counter()
    with open(log_path, "w", encoding="utf8") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    if proc.returncode != 0:
        tail = log_path.read_text(encoding="utf8")[-3000:]
        raise SystemExit(f"failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")
    return wall, cpu


def write_results(name: str, result: dict, markdown: str) -> None:
    """Write ``results/NAME.json`` (``result``) and ``results/NAME.md`` (``markdown``) and
    print the markdown."""
    import json

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS_DIR / f"{name}.md").write_text(markdown)
    print(markdown)

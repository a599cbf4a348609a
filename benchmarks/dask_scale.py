"""Batch prediction at scale: one local process vs Dask with 1 and 2 workers, one run (issue #12).

The corpus is 1,000,000 non-empty lines of ../shared/data/raw_text (its lines repeated in
order), a post per line; the model is the CoNLL-2003 perceptron that ``ner_benchmark.py``
caches. Each system predicts the whole corpus into a JSONL file (the same bytes: a test
checks the equality on small inputs):

- local: ``nerkit predict MODEL corpus.txt -o out.jsonl`` in this process
  (``predict_into``), one core;
- Dask, 1 and 2 workers: a real ``dask scheduler`` and ``dask worker --nthreads 1``
  processes on 127.0.0.1 (the client here plans partitions of ``--partition-rows`` lines,
  gathers them in order and writes the file).

Words/s = whitespace-separated words of the corpus / wall seconds of the whole run (cluster
start not included; model shipping, partitioning and writing are). Writes
results/dask_scale.{json,md}.

    python benchmarks/dask_scale.py [--lines 1000000] [--partition-rows 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
CACHE = ROOT / "cache"
RAW = ROOT.parent.parent / "shared" / "data" / "raw_text"
MODEL = CACHE / "nerkit" / "conll2003" / "model"


def corpus(lines: int) -> tuple[Path, int]:
    path = CACHE / "data" / f"raw_{lines}.txt"
    source = [
        line.strip()
        for f in sorted(RAW.glob("*.txt"))
        for line in f.read_text(encoding="utf8").splitlines()
        if line.strip()
    ]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf8") as fh:
            for i in range(lines):
                fh.write(source[i % len(source)] + "\n")
    words = sum(len(source[i % len(source)].split()) for i in range(lines))
    return path, words


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_cluster(workers: int, tmp: Path) -> tuple[str, list[subprocess.Popen[bytes]]]:
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]  # fmt: skip
    for _ in range(workers):
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
             "--no-dashboard", "--host", "127.0.0.1", "--no-nanny", "--local-directory",
             str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
    deadline = time.monotonic() + 120
    while True:
        try:
            with Client(address, timeout="5s") as client:
                client.wait_for_workers(workers, timeout=90)
            return address, procs
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)


def main() -> None:
    from nerkit.predict import predict_into, read_source
    from nerkit.predict.partitions import plan_partitions
    from nerkit.predict.run import predict_on_dask

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--partition-rows", type=int, default=20_000)
    args = parser.parse_args()
    if not MODEL.exists():
        sys.exit(f"{MODEL} is missing: run python benchmarks/ner_benchmark.py --sets conll2003")
    path, words = corpus(args.lines)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "local.jsonl"
        t0 = time.perf_counter()
        predict_into(MODEL, read_source(path), output=out)
        results["local"] = {"seconds": time.perf_counter() - t0}
        print(f"local: {results['local']['seconds']:.1f} s", flush=True)
        for workers in (1, 2):
            address, procs = start_cluster(workers, Path(tmp))
            try:
                target = Path(tmp) / f"dask{workers}.jsonl"
                t0 = time.perf_counter()
                parts = plan_partitions(path, rows=args.partition_rows)
                predict_on_dask(MODEL, parts, output=target, scheduler=address)
                seconds = time.perf_counter() - t0
            finally:
                stop(procs)
            same = target.read_bytes() == out.read_bytes()
            results[f"dask_{workers}"] = {"seconds": seconds, "same_output": same}
            print(f"dask {workers} worker(s): {seconds:.1f} s, output same as local: {same}",
                  flush=True)  # fmt: skip
    for r in results.values():
        r["words_per_second"] = words / r["seconds"]
        r["lines_per_second"] = args.lines / r["seconds"]
    one = results["dask_1"]["words_per_second"] / results["local"]["words_per_second"]
    two = results["dask_2"]["words_per_second"] / results["dask_1"]["words_per_second"]
    import nerkit

    data = {
        "corpus": {"lines": args.lines, "words": words, "from": "shared/data/raw_text/*.txt"},
        "model": str(MODEL.relative_to(ROOT)),
        "partition_rows": args.partition_rows,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "nerkit": nerkit.__version__,
        "results": results,
        "ratios": {"dask_1_vs_local": one, "dask_2_vs_dask_1": two},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dask_scale.json").write_text(json.dumps(data, indent=2) + "\n")
    ok = lambda b: "met" if b else "**missed**"  # noqa: E731
    lines = [
        "# Batch prediction: one process vs Dask",
        "",
        f"Generated by `python benchmarks/dask_scale.py`: {args.lines:,} lines ({words:,} words) "
        "of shared/data/raw_text, the CoNLL-2003 perceptron, into JSONL; Dask partitions of "
        f"{args.partition_rows:,} lines on a real scheduler and `dask worker --nthreads 1` "
        f"processes, {os.cpu_count()} CPUs. One run each, the same run.",
        "",
        "| system | seconds | words/s | lines/s | output as local |",
        "|---|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        lines.append(f"| {name.replace('_', ' ')} | {r['seconds']:,.1f} | "
                     f"{r['words_per_second']:,.0f} | {r['lines_per_second']:,.0f} | "
                     f"{'-' if name == 'local' else ('same' if r['same_output'] else 'DIFFERS')} |")  # fmt: skip
    lines += [
        "",
        f"- Dask, 1 worker, vs the local process >= 0.9x: {one:.2f}x: {ok(one >= 0.9)}",
        f"- Dask, 2 workers, vs 1 worker >= 1.8x: {two:.2f}x: {ok(two >= 1.8)}",
    ]
    (RESULTS / "dask_scale.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""Load test: `nerkit serve` next to a minimal FastAPI app serving a spaCy pipeline, same
machine, same run, same posts (issue #11).

Both models are trained on CoNLL-2003 by ``ner_benchmark.py`` (cached in benchmarks/cache/):
nerkit's default perceptron and spaCy's default CPU efficiency NER (tok2vec + ner). Each
server is a uvicorn subprocess with one worker on 127.0.0.1. The posts are 50-word chunks of
the CoNLL-2003 test set's raw text. For 1, 8 and 32 concurrent clients, each client sends one
post per request (``POST /v1/predict {"text": ...}``) and waits for the answer before the
next; a level ends after ``--requests`` answers or ``--seconds``, whichever comes first, and
is measured in ``--rounds`` rounds, the servers taking turns. Requests/s and p50/p99 latency
are the medians over the rounds. Every loop is bounded in count and time; the servers are
stopped by their process ids.

    python benchmarks/serve_load.py            # writes results/serve_load.{json,md}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
CACHE = ROOT / "cache"
SHARED = ROOT.parent.parent / "shared" / "data"
NERKIT_MODEL = CACHE / "nerkit" / "conll2003" / "model"
SPACY_MODEL = CACHE / "spacy" / "conll2003" / "model-best"
LEVELS = (1, 8, 32)

SPACY_APP = """
import os
import spacy
from fastapi import FastAPI
from pydantic import BaseModel

nlp = spacy.load(os.environ["SPACY_MODEL"])
app = FastAPI()


class Body(BaseModel):
    text: str


@app.post("/v1/predict")
def predict(body: Body):
    doc = nlp(body.text)
    return {"results": [{"entities": [
        {"start": e.start_char, "end": e.end_char, "label": e.label_, "text": e.text}
        for e in doc.ents]}]}


@app.get("/health")
def health():
    return {"status": "ok"}
"""


def posts(n_words: int = 50, limit: int = 400) -> list[str]:
    """50-word chunks of the CoNLL-2003 test set's raw text (sentences joined by spaces)."""
    words: list[str] = []
    for line in (SHARED / "conll2003" / "test.txt").read_text(encoding="utf8").splitlines():
        if line.strip() and not line.startswith("-DOCSTART-"):
            words.append(line.split()[0])
    chunks = [" ".join(words[i : i + n_words]) for i in range(0, len(words) - n_words, n_words)]
    return chunks[:limit]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(name: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    if name == "nerkit":
        cmd = [sys.executable, "-m", "nerkit", "serve", str(NERKIT_MODEL), "--port", str(port)]
        env = dict(os.environ)
    else:
        (workdir / "spacy_app.py").write_text(SPACY_APP)
        cmd = [sys.executable, "-m", "uvicorn", "spacy_app:app", "--port", str(port),
               "--host", "127.0.0.1", "--log-level", "warning"]  # fmt: skip
        env = {**os.environ, "SPACY_MODEL": str(SPACY_MODEL), "PYTHONPATH": str(workdir)}
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the {name} server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"the {name} server did not start in 120 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(15)


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """Send one HTTP/1.1 request on a kept-alive connection; returns the status code."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


def _request(port: int, text: str) -> bytes:
    body = json.dumps({"text": text}).encode()
    return (
        f"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def load(base: str, texts: list[str], clients: int, requests: int, seconds: float) -> dict:
    """``clients`` connections, each sending a request and waiting for its answer, until
    ``requests`` answers or ``seconds``. A plain asyncio HTTP/1.1 client (an HTTP library's
    own cost would make the load generator, on the same CPUs, the bottleneck)."""
    port = int(base.rsplit(":", 1)[1])
    requests_bytes = [_request(port, t) for t in texts]
    latencies: list[float] = []
    errors = 0
    sent = 0
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(clients)]
    for reader, writer in connections[:1]:
        for req in requests_bytes[:20]:  # warm up, not counted
            await _exchange(reader, writer, req)
    deadline = time.perf_counter() + seconds

    async def one_client(k: int) -> None:
        nonlocal sent, errors
        reader, writer = connections[k]
        while sent < requests and time.perf_counter() < deadline:
            req = requests_bytes[(sent + k) % len(requests_bytes)]
            sent += 1
            t0 = time.perf_counter()
            status = await _exchange(reader, writer, req)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(one_client(k) for k in range(clients)))
    wall = time.perf_counter() - t0
    for _, writer in connections:
        writer.close()
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": wall,
        "rps": len(latencies) / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500, help="answers per level and round")
    parser.add_argument("--seconds", type=float, default=20.0, help="longest a level may run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for path in (NERKIT_MODEL, SPACY_MODEL):
        if not path.exists():
            sys.exit(f"{path} is missing: run python benchmarks/ner_benchmark.py --sets conll2003")
    texts = posts()
    runs: dict[str, dict[int, list[dict]]] = {"nerkit": {}, "spacy": {}}
    with tempfile.TemporaryDirectory() as tmp:
        servers = {name: start(name, Path(tmp)) for name in runs}
        try:
            for _ in range(args.rounds):
                for clients in LEVELS:
                    for name, (_, base) in servers.items():
                        result = asyncio.run(
                            load(base, texts, clients, args.requests, args.seconds)
                        )
                        runs[name].setdefault(clients, []).append(result)
                        print(f"{name:>6} {clients:>2} clients: {result['rps']:,.0f} req/s, "
                              f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms",
                              flush=True)  # fmt: skip
        finally:
            for proc, _ in servers.values():
                stop(proc)
    summary = {
        name: {
            str(c): {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_ms", "p99_ms")}
            for c, rs in levels.items()
        }
        for name, levels in runs.items()
    }
    import spacy

    import nerkit

    out = {
        "what": "requests/s and latency of one-post requests, 1/8/32 concurrent clients",
        "posts": {"count": len(texts), "words_each": 50, "source": "conll2003/test.txt"},
        "models": {
            "nerkit": str(NERKIT_MODEL.relative_to(ROOT)),
            "spacy": str(SPACY_MODEL.relative_to(ROOT)),
        },  # fmt: skip
        "versions": {"nerkit": nerkit.__version__, "spacy": spacy.__version__},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },  # fmt: skip
        "settings": vars(args),
        "summary": summary,
        "runs": {n: {str(c): rs for c, rs in lv.items()} for n, lv in runs.items()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "serve_load.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [
        "# Serving: `nerkit serve` vs a minimal FastAPI app with spaCy",
        "",
        "Generated by `python benchmarks/serve_load.py`: one uvicorn worker each, loopback, "
        f"one 50-word post per request, medians of {args.rounds} rounds (the servers taking "
        f"turns), each level up to {args.requests} answers or {args.seconds:.0f} s. Models "
        "trained on CoNLL-2003: nerkit's default perceptron, spaCy "
        f"{spacy.__version__}'s default CPU efficiency NER.",
        "",
        "| clients | nerkit req/s | spaCy req/s | ratio | nerkit p50 ms | nerkit p99 ms "
        "| spaCy p50 ms | spaCy p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in LEVELS:
        n, s = summary["nerkit"][str(c)], summary["spacy"][str(c)]
        lines.append(
            f"| {c} | {n['rps']:,.0f} | {s['rps']:,.0f} | {n['rps'] / s['rps']:.2f}x | "
            f"{n['p50_ms']:.1f} | {n['p99_ms']:.1f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} |"
        )
    n32, s32, n8 = summary["nerkit"]["32"], summary["spacy"]["32"], summary["nerkit"]["8"]
    ok = lambda b: "met" if b else "**missed**"  # noqa: E731
    lines += [
        "",
        f"- Throughput at 32 clients >= 2x spaCy: {n32['rps'] / s32['rps']:.2f}x: "
        f"{ok(n32['rps'] >= 2 * s32['rps'])}",
        f"- p99 latency at 8 clients < 100 ms: {n8['p99_ms']:.1f} ms: {ok(n8['p99_ms'] < 100)}",
        f"- Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; the load "
        "generator runs on the same CPUs.",
    ]
    (RESULTS / "serve_load.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""The annotation page on a 50,000-character text: time to render the task, to select tokens
and to mark a span, in Debian's headless chromium (issue #14).

The text is CoNLL-2003 test documents (sentences joined by spaces, documents by a blank
line) up to 50,000 characters, served by ``nerkit annotate manual`` (the app in a thread on
127.0.0.1, a temporary SQLite store) in two ways: plain, and with the documents' gold
entities pre-filled as input spans (about 1,000 highlighted spans, like ``correct`` on a
long text). All times are measured inside the page with ``performance.now()``:

- render: from the ``/api/tasks`` reply to the text in the page and laid out (``update``),
  and to the next painted frame (``frame``, two ``requestAnimationFrame``s later); over
  ``--loads`` page loads.
- select: a selection over two tokens and the ``mouseup`` the page listens to, to the tokens
  shown selected; at ``--positions`` places spread over the text.
- mark: the key ``1`` after a selection, to the new span shown.

The machine may be busy: the figures are medians, for orders of magnitude, not asserted
anywhere.

    python benchmarks/annotate_long_text.py   # writes results/annotate_long_text.{json,md}
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
SHARED = ROOT.parent.parent / "shared" / "data"
sys.path.insert(0, str(ROOT.parent / "tests"))  # tests/browser.py: how chromium is started

TOKEN = "bench-token-0123456789"
LABELS = ["PER", "ORG", "LOC", "MISC"]

# Installed before the page's own script: notes when the tasks arrive and when the text is
# first filled, laid out and painted; ``__bench.until`` waits for a change of the text.
INIT = """
window.__bench = { tasksAt: 0, updatedAt: 0, paintedAt: 0 };
const realFetch = window.fetch;
window.fetch = async function (...args) {
  const res = await realFetch.apply(this, args);
  if (String(args[0]).startsWith("/api/tasks") && !window.__bench.tasksAt) {
    window.__bench.tasksAt = performance.now();
  }
  return res;
};
window.__bench.frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
window.__bench.until = (check) => new Promise((resolve) => {
  const box = document.getElementById("text");
  if (check(box)) return resolve();
  const obs = new MutationObserver(() => { if (check(box)) { obs.disconnect(); resolve(); } });
  obs.observe(box, { subtree: true, childList: true, attributes: true });
});
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("text");
  const obs = new MutationObserver(() => {
    if (!box.querySelector(".tok")) return;
    obs.disconnect();
    box.getBoundingClientRect();  // forces style and layout of the new text
    window.__bench.updatedAt = performance.now();
    window.__bench.frame().then(() => { window.__bench.paintedAt = performance.now(); });
  });
  obs.observe(box, { childList: true, subtree: true });
});
"""

SELECT = """
async (at) => {
  const b = window.__bench, box = document.getElementById("text");
  const toks = box.querySelectorAll(".tok");
  // Two words from ``at`` on that no span covers yet, so marking them adds a span.
  const free = (t) => !t.closest("mark") && t.textContent.trim();
  let i = at;
  while (!(free(toks[i]) && free(toks[i + 1]))) i++;
  const j = i + 1;
  const first = toks[i].firstChild, last = toks[j].firstChild;
  toks[i].scrollIntoView({ block: "center" });
  // Let the browser lay out the blocks that came into view before the clock starts.
  await b.frame();
  await b.frame();
  box.getBoundingClientRect();
  const t0 = performance.now();
  const range = document.createRange();
  range.setStart(first, 0);
  range.setEnd(last, last.length);
  const sel = getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  box.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
  await b.until((x) => x.querySelectorAll(".tok.sel").length === j - i + 1);
  box.getBoundingClientRect();
  const t1 = performance.now();
  await b.frame();
  return [t1 - t0, performance.now() - t0];
}
"""

MARK = """
async () => {
  const b = window.__bench, box = document.getElementById("text");
  const before = box.querySelectorAll("mark.ent").length;
  const t0 = performance.now();
  document.dispatchEvent(new KeyboardEvent("keydown", { key: "1", bubbles: true }));
  await b.until((x) => x.querySelectorAll("mark.ent").length > before);
  box.getBoundingClientRect();
  const t1 = performance.now();
  await b.frame();
  return [t1 - t0, performance.now() - t0];
}
"""


def long_text(limit: int) -> tuple[str, list[dict[str, Any]]]:
    """CoNLL-2003 test documents up to ``limit`` characters, with their gold entities."""
    return next(conll_long_texts(limit))


def conll_long_texts(limit: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The CoNLL-2003 test set as texts of at most ``limit`` characters: sentences joined by
    a space, documents by a blank line (a text ends between two sentences), with their gold
    entities as character spans."""
    sys.path.insert(0, str(ROOT))
    from _common import _iob_to_spans

    docs: list[list[list[tuple[str, str]]]] = []
    sentence: list[tuple[str, str]] = []
    path = SHARED / "conll2003" / "test.txt"
    for line in path.read_text(encoding="utf8").splitlines() + [""]:
        parts = line.split()
        if parts and parts[0] == "-DOCSTART-":
            docs.append([])
        elif parts:
            sentence.append((parts[0], parts[-1]))
        elif sentence:
            docs[-1].append(sentence)
            sentence = []
    text, spans = "", []
    for doc in docs:
        for k, sent in enumerate(doc):
            words = [w for w, _ in sent]
            piece = ("" if not text else " " if k else "\n\n") + " ".join(words)
            if text and len(text) + len(piece) > limit:
                yield text, spans
                text, spans, piece = "", [], " ".join(words)
            at = len(text) + len(piece) - len(" ".join(words))
            starts = [at + sum(len(w) + 1 for w in words[:n]) for n in range(len(words))]
            for a, b, label in _iob_to_spans([t for _, t in sent]):
                spans.append({"start": starts[a], "end": starts[b - 1] + len(words[b - 1]),
                              "label": label})  # fmt: skip
            text += piece
    if text:
        yield text, spans


class Server:
    """The app of ``nerkit annotate manual`` in a uvicorn thread on a free loopback port."""

    def __init__(self, app: Any) -> None:
        import socket

        import uvicorn

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise SystemExit("the app did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def measure(page: Any, url: str, loads: int, positions: int) -> dict[str, Any]:
    """Render, select and mark times (ms) of the page at ``url``."""
    render: list[list[float]] = []
    for _ in range(loads):
        page.goto(url)
        deadline = time.monotonic() + 120
        # Polled: the page's Content-Security-Policy forbids wait_for_function's eval.
        while not page.evaluate("window.__bench.paintedAt > 0"):
            if time.monotonic() > deadline:
                raise SystemExit("the text was not shown in 120 s")
            time.sleep(0.05)
        b = page.evaluate("window.__bench")
        render.append([b["updatedAt"] - b["tasksAt"], b["paintedAt"] - b["tasksAt"]])
    n_tokens = page.locator("#text .tok").count()
    nodes = page.evaluate("document.getElementById('text').getElementsByTagName('*').length")
    select, mark = [], []
    for p in range(positions):
        i = int(n_tokens * (p + 0.5) / positions)
        select.append(page.evaluate(SELECT, i))
        mark.append(page.evaluate(MARK))

    def summary(times: list[list[float]]) -> dict[str, float]:
        return {
            "update_ms": round(statistics.median(t[0] for t in times), 1),
            "frame_ms": round(statistics.median(t[1] for t in times), 1),
            "max_frame_ms": round(max(t[1] for t in times), 1),
        }

    return {
        "tokens": n_tokens,
        "elements_in_text": nodes,
        "render": summary(render),
        "select": summary(select),
        "mark": summary(mark),
        "runs": {"render": render, "select": select, "mark": mark},
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    from _common import RESULTS_DIR, write_results
    from browser import open_page
    from ner_benchmark import _machine
    from nerkit.annotate.launch import prepare
    from nerkit.store import Store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=50_000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--positions", type=int, default=5)
    parser.add_argument("--name", default="annotate_long_text")
    parser.add_argument(
        "--baseline", type=Path, help="a JSON this script wrote earlier, shown as 'before'"
    )
    args = parser.parse_args()
    text, spans = long_text(args.chars)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        store = Store(f"sqlite:///{tmp}/bench.db")
        for case, prefilled in (("plain", []), ("prefilled", spans)):
            source = Path(tmp) / f"{case}.jsonl"
            source.write_text(json.dumps({"text": text, "spans": prefilled}) + "\n")
            launch = prepare(store, "manual", case, str(source), labels=LABELS, token=TOKEN)
            server = Server(launch.app)
            try:
                with open_page(pw, Path(tmp) / f"profile-{case}", 1100, 800) as page:
                    page.add_init_script(INIT)
                    url = f"http://127.0.0.1:{server.port}/?token={TOKEN}&session=bench"
                    results[case] = measure(page, url, args.loads, args.positions)
                    results[case]["prefilled_spans"] = len(prefilled)
            finally:
                server.stop()
        store.close()
    result = {
        "code": code_version(),
        "characters": len(text),
        "cases": results,
        "browser": "Debian chromium, headless (tests/browser.py)",
        "machine": _machine(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    lines = [
        f"# The annotation page on a {len(text):,}-character text",
        "",
        f"Generated by `python benchmarks/annotate_long_text.py` ({result['date']}): one text of "
        f"{len(text):,} characters (CoNLL-2003 test documents), `nerkit annotate manual`, "
        "headless chromium at 1100x800. Medians in milliseconds, measured in the page: "
        "*update* = the page changed and laid out, *frame* = the next frame painted "
        f"({args.loads} page loads; select and mark at {args.positions} places). "
        "On a shared 2-core machine: orders of magnitude, not exact figures.",
        "",
        f"nerkit {result['code']}.",
        "",
        *table(results),
    ]
    if args.baseline:
        before = json.loads(args.baseline.read_text())
        lines += [
            f"Before (`{args.baseline.name}`, nerkit {before.get('code', '?')}, "
            f"{before['date']}, {len(before['cases']['plain']['runs']['render'])} loads):",
            "",
            *table(before["cases"]),
        ]
        result["baseline"] = {"file": args.baseline.name, "cases": before["cases"]}
    _ = RESULTS_DIR
    write_results(args.name, result, "\n".join(lines))


def code_version() -> str:
    """The commit of the nerkit this run imported (with "+changes" if its tree differs)."""
    import subprocess

    import nerkit

    where = Path(nerkit.__file__).parent

    def git(*cmd: str) -> str:
        run = subprocess.run(["git", "-C", str(where), *cmd], capture_output=True, text=True)
        return run.stdout.strip()

    dirty = git("status", "--porcelain", "--", ".")
    return (git("rev-parse", "--short", "HEAD") or "?") + ("+changes" if dirty else "")


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| case | tokens | elements | render update | render frame | select update | "
        "select frame | mark update | mark frame |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case, r in results.items():
        name = (
            f"{case} ({r['prefilled_spans']:,} spans pre-filled)" if r["prefilled_spans"] else case
        )
        lines.append(
            f"| {name} | {r['tokens']:,} | {r['elements_in_text']:,} | "
            f"{r['render']['update_ms']} | {r['render']['frame_ms']} | "
            f"{r['select']['update_ms']} | {r['select']['frame_ms']} | "
            f"{r['mark']['update_ms']} | {r['mark']['frame_ms']} |"
        )
    return [*lines, ""]


if __name__ == "__main__":
    main()

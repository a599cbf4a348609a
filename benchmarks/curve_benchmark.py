"""Learning curve on CoNLL-2003: nerkit's neural recognizer vs spaCy on the same nested subsets.

The subsets are the first N sentences of one seeded shuffle of ``train.txt``
(``_common.curve_order``: numpy ``default_rng(0).permutation``, the order ``nerkit curve --seed 0``
draws); dev is the full ``valid.txt``, test ``test.txt``, for both systems.

  * nerkit: ``nerkit curve CONFIG --train train.txt --dev valid.txt --test test.txt
    --steps 200,1000,3000 --unit examples --seed 0 --vectors DIR --keep-models``; this script
    checks that the order ``nerkit curve`` recorded is the one spaCy was trained on.
  * spaCy: the default CPU efficiency NER trained by ``spacy_train.py --train-limit N``
    (cached in ``benchmarks/cache/spacy/conll2003-n<N>/``), scored here on the test set.

Both are scored with ``nerkit.scoring.score_spans`` on the gold test tokens. The full training
set (14,041 sentences) is added as the last point from ``results/neural_conll2003.json`` when
that exists. Writes ``results/curve_conll2003.{json,md,png}``.

Usage:
    python benchmarks/curve_benchmark.py [--config w2v-fine-tune] [--steps 200,1000,3000]

The config defaults to the neural config with vectors that is best on dev in
``results/neural_conll2003.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    CACHE_DIR,
    RESULTS_DIR,
    SPACY_DIR,
    curve_order,
    load_set,
    run_logged,
    set_key,
)
from ner_benchmark import _machine, _score, spacy_on_gold_tokens  # noqa: E402
from neural_benchmark import (  # noqa: E402
    CONFIGS,
    DESCRIPTIONS,
    PACKAGED,
    _log_timing,
    _nerkit_cmd,
    _shown,
    split_files,
    train_vectors,
    vectors_dir,
)

SET = "conll2003"
CURVE_DIR = CACHE_DIR / "curve"


def run_nerkit_curve(config: str, steps: list[int], force: bool) -> dict[str, Any]:
    out = CURVE_DIR / f"{SET}-{config}"
    if not force and (out / "bench_meta.json").exists():
        return json.loads((out / "bench_meta.json").read_text())
    files = split_files(SET)
    cmd = _nerkit_cmd("curve", PACKAGED[config], "--train", str(files["train"]),
                      "--dev", str(files["dev"]), "--test", str(files["test"]),
                      "--steps", ",".join(map(str, steps)), "--unit", "examples",
                      "--seed", "0", "--output", str(out), "--keep-models")
    algo = CONFIGS[config]
    if algo:
        train_vectors(SET, algo, 100)
        cmd += ["--vectors", str(vectors_dir(SET, algo))]
    wall, cpu = run_logged(cmd, CURVE_DIR / f"{SET}-{config}.log")
    meta = {"command": _shown(cmd), "seconds": round(wall, 1), "cpu_seconds": round(cpu, 1)}
    (out / "bench_meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def nerkit_points(config: str, n_train: int) -> list[dict[str, Any]]:
    out = CURVE_DIR / f"{SET}-{config}"
    curve = json.loads((out / "curve.json").read_text())
    if curve["order"] != curve_order(n_train):
        raise SystemExit("nerkit curve drew a different shuffle than spaCy's subsets")
    points = []
    for s in curve["steps"]:
        log = out / "models" / f"{s['n_examples']}-examples" / "training_log.jsonl"
        timing = _log_timing(log, s["train_seconds"] or 0.0) if log.exists() else {}
        points.append({
            "examples": s["n_examples"], "words": s["n_words"], "status": s["status"],
            "test_f1": s["f1"], "precision": s["precision"], "recall": s["recall"],
            "dev_f1": s["dev_f1"], "train_seconds": s["train_seconds"],
            "best_epoch": timing.get("best_epoch"), "epochs_run": timing.get("epochs_run"),
        })
    return points


def spacy_points(steps: list[int], test: list, batch_size: int) -> list[dict[str, Any]]:
    import spacy

    points = []
    for n in steps:
        d = SPACY_DIR / set_key(SET, n)
        if not (d / "train_meta.json").exists():
            print(f"[curve] spaCy n={n}: not trained yet ({d}); skipped", flush=True)
            continue
        pred = spacy_on_gold_tokens(spacy.load(d / "model-best"), test, batch_size)
        sc = _score([s.spans for s in test], pred)
        meta = json.loads((d / "train_meta.json").read_text())
        points.append({"examples": n, "test_f1": sc["f1"], "precision": sc["precision"],
                       "recall": sc["recall"], "train_seconds": meta["train_seconds"],
                       "train_cpu_seconds": meta["train_cpu_seconds"],
                       "command": meta["command"]})
    return points


def full_points(config: str) -> tuple[dict | None, dict | None]:
    p = RESULTS_DIR / f"neural_{SET}.json"
    if not p.exists():
        return None, None
    res = json.loads(p.read_text())["systems"]
    n = 14041
    nk = res.get(f"neural_{config}")
    sp = res.get("spacy")
    to_point = lambda s: None if s is None else {  # noqa: E731
        "examples": n, "test_f1": s["test_gold_tokens"]["f1"],
        "precision": s["test_gold_tokens"]["precision"],
        "recall": s["test_gold_tokens"]["recall"],
        "dev_f1": s.get("dev_gold_tokens", {}).get("f1"),
        "train_seconds": s["train"]["train_seconds"], "full": True}
    return to_point(nk), to_point(sp)


def plot(nk: list[dict], sp: list[dict], label: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for pts, name, marker in ((nk, label, "o"), (sp, "spaCy default CPU NER", "s")):
        pts = [p for p in pts if p.get("test_f1") is not None]
        ax.plot([p["examples"] for p in pts], [100 * p["test_f1"] for p in pts],
                marker=marker, label=name)
        for p in pts:
            ax.annotate(f"{100 * p['test_f1']:.1f}", (p["examples"], 100 * p["test_f1"]),
                        textcoords="offset points", xytext=(4, -12 if marker == "s" else 6),
                        fontsize=8)
    ax.set_xscale("log")
    ax.margins(x=0.08, y=0.1)  # room for the value labels
    ax.set_xlabel("training sentences (nested subsets, seed 0)")
    ax.set_ylabel("test F1 (CoNLL-2003, gold tokens)")
    ax.set_title("Learning curve on CoNLL-2003")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="", help=f"neural config: {', '.join(CONFIGS)}")
    parser.add_argument("--steps", default="200,1000,3000")
    parser.add_argument("--force", action="store_true", help="rerun nerkit curve")
    parser.add_argument("--report-only", action="store_true", help="do not train")
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    steps = sorted(int(s) for s in args.steps.split(","))
    config = args.config
    if not config:
        p = RESULTS_DIR / f"neural_{SET}.json"
        if not p.exists():
            raise SystemExit("no results/neural_conll2003.json to pick the config; pass --config")
        systems = json.loads(p.read_text())["systems"]
        with_vectors = [c for c, algo in CONFIGS.items()
                        if algo and c != "perceptron-w2v" and f"neural_{c}" in systems]
        config = max(with_vectors,
                     key=lambda c: systems[f"neural_{c}"]["dev_gold_tokens"]["f1"])
    data = load_set(SET)
    cached = CURVE_DIR / f"{SET}-{config}" / "bench_meta.json"
    if args.report_only:
        meta = json.loads(cached.read_text()) if cached.exists() else {}
    else:
        meta = run_nerkit_curve(config, steps, args.force)
    nk = nerkit_points(config, len(data["train"]))
    sp = spacy_points(steps, data["test"], args.batch_size)
    nk_full, sp_full = full_points(config)
    if nk_full and sp_full:
        nk, sp = nk + [nk_full], sp + [sp_full]
    label = f"nerkit {DESCRIPTIONS[config]}"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    png = RESULTS_DIR / f"curve_{SET}.png"
    plot(nk, sp, label, png)
    result = {
        "set": SET, "config": config, "description": DESCRIPTIONS[config],
        "subsets": "first N of numpy default_rng(0).permutation(14041) of train.txt; nested",
        "dev": "valid.txt (all 3,250 sentences)", "test": "test.txt (gold tokens)",
        "nerkit_command": meta.get("command"), "nerkit_curve_seconds": meta.get("seconds"),
        "spacy_command": "python benchmarks/spacy_train.py --sets conll2003 --train-limit "
                         + ",".join(map(str, steps)),
        "nerkit": nk, "spacy": sp, "machine": _machine(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    (RESULTS_DIR / f"curve_{SET}.json").write_text(json.dumps(result, indent=2) + "\n")
    by_n = {p["examples"]: p for p in sp}
    lines = [
        "# Learning curve on CoNLL-2003: nerkit neural vs spaCy",
        "",
        "Generated by `python benchmarks/curve_benchmark.py`. Both systems are trained on the "
        "same nested subsets (the first N sentences of one seeded shuffle of `train.txt`, seed "
        "0), pick their model on the full `valid.txt` and are scored on `test.txt` (gold tokens) "
        "with `nerkit.scoring.score_spans`. The 14,041 row is the full training set "
        "(`neural.md`).",
        "",
        f"nerkit: {label} (of the configs with vectors, the one best on dev on the full set). spaCy: default CPU "
        "efficiency NER config, unchanged.",
        "",
        "| train sentences | nerkit test F1 | spaCy test F1 | difference | nerkit dev F1 | "
        "nerkit train s | spaCy train s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.1f}"

    def secs(x: float | None) -> str:
        return "-" if x is None else f"{x:.0f}"

    for p in nk:
        s = by_n.get(p["examples"]) or {}
        f, g = p.get("test_f1"), s.get("test_f1")
        diff = f"{100 * (f - g):+.1f}" if f is not None and g is not None else "-"
        lines.append(
            f"| {p['examples']:,} | {pct(f)} | {pct(g)} | {diff} | {pct(p.get('dev_f1'))} | "
            f"{secs(p.get('train_seconds'))} | {secs(s.get('train_seconds'))} |"
        )
    lines += ["", "![learning curve](curve_conll2003.png)", "", "Commands:", "",
              f"- nerkit: `{result['nerkit_command']}`",
              f"- spaCy: `{result['spacy_command']}` (then `spacy train` with the default config "
              "on `cache/spacy/conll2003-n<N>/train.spacy`)",
              "", "nerkit train s: the training loop of each step (`nerkit curve`'s "
              "`train_seconds`); spaCy train s: the whole `spacy train` subprocess. Other work "
              "was running on the 2-core machine at the same time.", ""]
    (RESULTS_DIR / f"curve_{SET}.md").write_text("\n".join(lines), encoding="utf8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

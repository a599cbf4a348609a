"""What each way of annotating saves, measured: ``nerkit simulate`` on CoNLL-2003 and drugs.

The gold annotations play the annotator (see ``nerkit.training.simulate``): each strategy is
run with ``nerkit simulate`` on the training split as the pool, a perceptron retrained from
scratch every STEP texts and scored on the test split. Per set:

  * ``manual``: random texts, annotated from scratch, seeds 0, 1, 2, up to 2 x BUDGET texts
    (so that every uncertain point has random texts to compare with at twice its size);
  * ``uncertain``: from scratch, the texts the model is least sure of, seeds 0, 1, to BUDGET;
  * ``correct``: the model's predictions fixed, retrained every STEP texts, seeds 0, 1;
  * ``correct`` from the first START texts only (``--step BUDGET-START``: one model, trained
    on the START texts, pre-fills all the others), seeds 0, 1;
  * ``teach``: binary answers about one suggested span per text, seed 0, to 2 x BUDGET texts.

Goals (issue #14, part 1): (a) uncertainty-chosen texts reach the test F1 that random texts
reach with twice as many; (b) correcting the predictions of a model trained on the first 200
texts takes at most half the span edits of annotating the same texts from scratch.

Usage:
    python benchmarks/annotation_cost.py [--sets conll2003,drugs] [--force]

Runs are cached in benchmarks/cache/annotation_cost/<set>/<run>/ (``--force`` reruns them);
results go to benchmarks/results/annotation_cost.{json,md} and annotation_cost_<set>.svg.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CACHE_DIR, REPO_DIR, RESULTS_DIR, run_logged, split_files, write_results  # noqa: E402
from ner_benchmark import _machine  # noqa: E402

OUT = CACHE_DIR / "annotation_cost"
# The model of every run: the packaged perceptron, one member instead of an ensemble of 3 and
# at most 8 epochs (each picked on dev), so that a run's many retrainings stay cheap.
MODEL = ["--config", "perceptron", "--set", "train.ensemble=1", "--set", "train.max_epochs=8"]
SETS: dict[str, dict[str, Any]] = {
    # CoNLL-2003: the 14,041 training sentences are the pool; dev is a seeded sample of 1,000
    # of valid.txt's 3,250 (dev scoring runs after every epoch of every retraining).
    "conll2003": {"start": 200, "step": 200, "budget": 1000, "dev_sample": 1000},
    # drugs: the train split of _common (80% of drugs_training.jsonl) is the pool, its dev
    # split dev, drugs_eval.jsonl test.
    "drugs": {"start": 100, "step": 100, "budget": 500, "dev_sample": None},
}
GOAL_A, GOAL_B = 2.0, 0.5


def _files(name: str) -> dict[str, Path]:
    files = split_files(name)
    sample = SETS[name]["dev_sample"]
    if sample is None:
        return files
    dev = OUT / name / f"dev-{sample}.jsonl"
    if not dev.exists():
        from nerkit.corpus import read, write

        examples = read(files["dev"])
        keep = np.sort(np.random.default_rng(0).permutation(len(examples))[:sample])
        dev.parent.mkdir(parents=True, exist_ok=True)
        write([examples[i] for i in keep.tolist()], dev)
    return {**files, "dev": dev}


def _runs(name: str) -> dict[str, list[str]]:
    """Each run's own options of ``nerkit simulate``."""
    s = SETS[name]
    start, step, budget = str(s["start"]), str(s["step"]), s["budget"]
    common = ["--start", start, "--step", step]
    return {
        "manual": ["--strategy", "manual", "--seeds", "0,1,2", *common, "--budget", str(2 * budget)],
        "uncertain": ["--strategy", "uncertain", "--seeds", "0,1", *common, "--budget", str(budget)],
        "correct": ["--strategy", "correct", "--seeds", "0,1", *common, "--budget", str(budget)],
        "correct-first": [
            "--strategy", "correct", "--seeds", "0,1", "--start", start,
            "--step", str(budget - s["start"]), "--budget", str(budget),
        ],
        "teach": ["--strategy", "teach", "--seeds", "0", *common, "--budget", str(2 * budget)],
    }  # fmt: skip


def _simulate(name: str, run: str, args: list[str], files: dict[str, Path], force: bool) -> dict:
    out = OUT / name / run
    done = out / "simulation.json"
    cmd = [
        sys.executable, "-m", "nerkit", "simulate", str(files["train"]), "--test",
        str(files["test"]), "--dev", str(files["dev"]), *MODEL, *args, "--output", str(out),
    ]  # fmt: skip
    if force or not done.exists() or not (out / "finished").exists():
        wall, _ = run_logged(cmd, OUT / name / f"{run}.log")
        (out / "finished").write_text(f"{wall:.0f}\n")
    data = json.loads(done.read_text())
    data["command"] = (
        " ".join(["nerkit", *cmd[3:]])
        .replace(str(REPO_DIR) + "/", "")
        .replace(str(REPO_DIR.parent) + "/", "../")
    )
    data["seconds"] = float((out / "finished").read_text())
    return data


def _relative(path: Path) -> str:
    """``path`` from the repository (data in ../shared/data as ``../shared/...``)."""
    path = path.resolve()
    if path.is_relative_to(REPO_DIR):
        return str(path.relative_to(REPO_DIR))
    return str(Path("..") / path.relative_to(REPO_DIR.parent))


def _mean_curve(data: dict, key: str = "texts") -> list[dict[str, float]]:
    """Per number of texts, the mean over seeds of texts, decisions, span edits and F1."""
    by_n: dict[int, list[dict]] = {}
    for run in data["runs"]:
        for p in run["points"]:
            by_n.setdefault(p[key], []).append(p)
    n_seeds = len(data["runs"])
    return [
        {
            "texts": n,
            "decisions": float(np.mean([p["decisions"] for p in ps])),
            "span_edits": float(np.mean([p["span_edits"] for p in ps])),
            "f1": float(np.mean([p["f1"] for p in ps])),
            "f1_min": float(min(p["f1"] for p in ps)),
            "seeds": len(ps),
        }
        for n, ps in sorted(by_n.items())
        if len(ps) == n_seeds  # teach may stop early on one seed: only points all seeds have
    ]


def _needed(curve: list[dict[str, float]], f1: float, x: str) -> float | None:
    """The ``x`` (texts or decisions) at which ``curve`` first reaches ``f1``, by linear
    interpolation between its points; None when it never does."""
    prev = None
    for p in curve:
        if p["f1"] >= f1:
            if prev is None:
                return p[x]
            frac = (f1 - prev["f1"]) / (p["f1"] - prev["f1"])
            return prev[x] + frac * (p[x] - prev[x])
        prev = p
    return None


def _goal_a(random: list[dict], uncertain: list[dict], start: int) -> list[dict[str, Any]]:
    rows = []
    for p in uncertain:
        if p["texts"] <= start:
            continue  # the first model is trained on the same random texts
        texts = _needed(random, p["f1"], "texts")
        decisions = _needed(random, p["f1"], "decisions")
        rows.append(
            {
                "texts": p["texts"],
                "f1": p["f1"],
                "decisions": p["decisions"],
                "random_texts": texts,
                "random_decisions": decisions,
                "texts_ratio": texts / p["texts"] if texts is not None else None,
                "decisions_ratio": decisions / p["decisions"] if decisions is not None else None,
                "random_max_texts": random[-1]["texts"],
            }
        )
    return rows


def _goal_b(data: dict, start: int) -> dict[str, Any]:
    """Span edits of the texts after ``start``, corrected, against their gold spans."""
    per_seed = []
    for run in data["runs"]:
        first = next(p for p in run["points"] if p["texts"] == start)
        last = run["points"][-1]
        edits = {
            k: last["cost"][k] - first["cost"][k]
            for k in ("added", "removed", "resized", "relabelled")
        }
        scratch = last["scratch"] - first["scratch"]
        per_seed.append(
            {
                "seed": run["seed"],
                "texts": last["texts"] - start,
                "span_edits": sum(edits.values()),
                **edits,
                "from_scratch": scratch,
                "ratio": sum(edits.values()) / scratch if scratch else None,
                "model_f1": first["f1"],
            }
        )
    ratios = [s["ratio"] for s in per_seed if s["ratio"] is not None]
    return {"per_seed": per_seed, "ratio": float(np.mean(ratios)) if ratios else None}


def _chart(name: str, curves: dict[str, list[dict[str, float]]]) -> Path:
    from nerkit.report.svg import lines

    series = {k: [(c["decisions"], c["f1"]) for c in v] for k, v in curves.items() if v}
    svg = lines(
        series,
        title=f"{name}: test F1 against annotation decisions (mean over seeds)",
        x_label="decisions (spans added, removed, resized, relabelled; accepts; answers)",
        y_label="test F1 (%)",
        width=720,
        height=360,
    )
    path = RESULTS_DIR / f"annotation_cost_{name}.svg"
    path.write_text(svg, encoding="utf8")
    return path


def run_set(name: str, force: bool) -> dict[str, Any]:
    files = _files(name)
    s = SETS[name]
    runs = {run: _simulate(name, run, args, files, force) for run, args in _runs(name).items()}
    curves = {run: _mean_curve(data) for run, data in runs.items() if run != "correct-first"}
    goal_a = _goal_a(curves["manual"], curves["uncertain"], s["start"])
    goal_b = _goal_b(runs["correct-first"], s["start"])
    goal_b_retrained = _goal_b(runs["correct"], s["start"])
    chart = _chart(name, curves)
    return {
        "set": name,
        "settings": s,
        "files": {k: _relative(v) for k, v in files.items()},
        "pool": runs["manual"]["data"]["pool"],
        "pool_entities": runs["manual"]["data"]["pool_entities"],
        "curves": curves,
        "goal_a": goal_a,
        "goal_b": goal_b,
        "goal_b_retrained": goal_b_retrained,
        "chart": chart.name,
        "runs": runs,
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "-" if x is None else format(x, fmt)


def render(result: dict[str, Any]) -> str:
    lines = [
        "# What each way of annotating saves (simulated)",
        "",
        f"Generated by `python benchmarks/annotation_cost.py` ({result['date']}). The gold "
        'annotations play the annotator (`nerkit simulate`, see docs/annotate.md, "Which '
        'recipe when"); after every step a perceptron (`--config perceptron --set '
        "train.ensemble=1 --set train.max_epochs=8`, best epoch on dev) is trained from "
        "scratch on the answers so far and scored on the test set (raw text, exact spans). "
        "Decisions: a span added, removed, resized or relabelled, a text accepted, a binary "
        "answer. Curves are means over seeds (manual 0-2, uncertain and correct 0-1, teach 0); "
        "each seed is its own random order of the pool and model seed.",
        "",
    ]
    for res in result["sets"]:
        name, s = res["set"], res["settings"]
        lines += [
            f"## {name}",
            "",
            f"Pool: {res['pool']:,} texts ({res['pool_entities']:,} entities), "
            f"`{res['files']['train']}`; dev `{res['files']['dev']}`; test "
            f"`{res['files']['test']}`. Start: {s['start']} random texts from scratch; "
            f"retrained every {s['step']} texts (teach: answers).",
            "",
            "| strategy | texts | decisions | span edits | test F1 | lowest seed |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for strategy, curve in res["curves"].items():
            lines += [
                f"| {strategy} | {c['texts']:,} | {c['decisions']:,.0f} | {c['span_edits']:,.0f} "
                f"| {_pct(c['f1'])} | {_pct(c['f1_min'])} |"
                for c in curve
            ]
        lines += ["", f"![test F1 against decisions]({res['chart']})", ""]
        met_a = [r for r in res["goal_a"] if r["texts_ratio"] is None or r["texts_ratio"] >= GOAL_A]
        lines += [
            "**(a) uncertain vs random texts.** For each uncertain point: the texts (and "
            "decisions) random texts need for the same test F1 (interpolated on the mean random "
            f"curve; '>' when random texts never reach it by {res['curves']['manual'][-1]['texts']:,}).",
            "",
            "| uncertain texts | test F1 | random texts for it | ratio | uncertain decisions | random decisions for it | ratio |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in res["goal_a"]:
            never = r["random_texts"] is None
            lines.append(
                f"| {r['texts']:,} | {_pct(r['f1'])} | "
                f"{'> ' + format(r['random_max_texts'], ',') if never else _num(r['random_texts'])} | "
                f"{'> ' + format(r['random_max_texts'] / r['texts'], '.2f') if never else _num(r['texts_ratio'], '.2f')} | "
                f"{r['decisions']:,.0f} | {'-' if never else _num(r['random_decisions'])} | "
                f"{'-' if never else _num(r['decisions_ratio'], '.2f')} |"
            )
        verdict = (
            "met"
            if len(met_a) == len(res["goal_a"])
            else (f"met at {len(met_a)} of {len(res['goal_a'])} points" if met_a else "not met")
        )
        lines += [
            "",
            f"Goal (a), a texts ratio of at least {GOAL_A:g} at every point: **{verdict}**.",
            "",
        ]
        b, br = res["goal_b"], res["goal_b_retrained"]
        lines += [
            f"**(b) correct vs from scratch.** The texts after the first {s['start']}, "
            f"pre-filled by a model trained on those {s['start']} alone and corrected, against "
            "annotating the same texts from scratch (one span edit per gold span):",
            "",
            "| seed | texts | model test F1 | added | removed | resized | relabelled | span edits | from scratch | ratio |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {p['seed']} | {p['texts']:,} | {_pct(p['model_f1'])} | {p['added']:,} | "
            f"{p['removed']:,} | {p['resized']:,} | {p['relabelled']:,} | {p['span_edits']:,} | "
            f"{p['from_scratch']:,} | {_num(p['ratio'], '.2f')} |"
            for p in b["per_seed"]
        ]
        ok = b["ratio"] is not None and b["ratio"] <= GOAL_B
        lines += [
            "",
            f"Goal (b), at most {GOAL_B:g} of the span edits (mean over seeds): "
            f"{_num(b['ratio'], '.2f')}, **{'met' if ok else 'not met'}**. Retrained every "
            f"{s['step']} texts while correcting, the same texts take "
            f"{_num(br['ratio'], '.2f')} of the span edits.",
            "",
            "Commands:",
            "",
        ]
        lines += [f"- `{run['command']}` ({run['seconds']:.0f} s)" for run in res["runs"].values()]
        lines.append("")
    lines += [
        f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, shared with "
        "other work (times are not speed measurements).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="conll2003,drugs")
    parser.add_argument("--force", action="store_true", help="rerun the cached simulations")
    parser.add_argument("--report", action="store_true", help="only re-render the markdown")
    args = parser.parse_args()
    if args.report:
        result = json.loads((RESULTS_DIR / "annotation_cost.json").read_text())
    else:
        sets = [s.strip() for s in args.sets.split(",") if s.strip()]
        start = time.time()
        result = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "machine": _machine(),
            "sets": [run_set(name, args.force) for name in sets],
            "seconds": round(time.time() - start),
        }
    write_results("annotation_cost", result, render(result))


if __name__ == "__main__":
    main()

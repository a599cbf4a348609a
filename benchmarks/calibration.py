"""Do the span scores mean what they say? Expected calibration error on unseen test text.

Each model type is trained with its packaged defaults by ``nerkit train TRAIN DEV``, which
calibrates its span scores on DEV when training ends. The test texts are then predicted from
raw text through the public API (``nerkit.load(dir).pipe(texts, with_scores=True)``) and
every predicted entity is marked right (same boundaries and label as a gold entity) or not.
The expected calibration error (ECE, 10 equal-width bins, weighted by entities) is reported
for the calibrated scores and for the same model's raw scores (its calibration removed: the
perceptron's mean softmax probability, the CRF's span probability), with the reliability
diagram of each (SVG), and precision and recall when entities below a threshold are dropped.

Goal (issue #13, part 3): ECE <= 0.05 for both models on the CoNLL-2003 test set, raw text.

spaCy's default NER gives no score per entity (only its beam parser or spancat do), so there
is no peer row.

Usage:
    python benchmarks/calibration.py [--sets conll2003,fashion_brands,drugs]
        [--models perceptron,neural] [--force] [--threads N]

Models are cached in benchmarks/cache/calibration (--force retrains); results go to
benchmarks/results/calibration.json, .md and calibration_SET_MODEL.svg.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    CACHE_DIR,
    RESULTS_DIR,
    load_set,
    parse_sets,
    run_logged,
    split_files,
    write_results,
)

OUT = CACHE_DIR / "calibration"
GOAL = 0.05
THRESHOLDS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95)


def _train(set_name: str, model: str, threads: int, force: bool) -> dict[str, Any]:
    out = OUT / set_name / model
    done = OUT / set_name / f"{model}.json"
    if not force and done.exists():
        return json.loads(done.read_text())
    files = split_files(set_name)
    cmd = [sys.executable, "-m", "nerkit", "train", str(files["train"]), str(files["dev"])]
    cmd += ["--model", model, "--output", str(out)]
    if model != "perceptron":
        cmd += ["--set", f"train.threads={threads}"]
    wall, cpu = run_logged(cmd, OUT / set_name / f"{model}.log")
    info = {
        "command": " ".join(["nerkit", *cmd[3:]]).replace(str(OUT) + "/", ""),
        "train_seconds": round(wall, 1),
        "train_cpu_seconds": round(cpu, 1),
        "calibration": json.loads((out / "calibration.json").read_text()),
    }
    done.write_text(json.dumps(info, indent=1) + "\n")
    return info


def _predicted(nlp: Any, samples: list[Any]) -> tuple[list[float], list[bool], list[str], int]:
    """Every predicted entity's score, whether it is right, its label; and the gold count."""
    scores, right, labels = [], [], []
    for sample, (_, spans) in zip(samples, nlp.pipe([s.text for s in samples], with_scores=True)):
        gold = set(sample.spans)
        for s in spans:
            scores.append(s.score)
            right.append((s.span.start_char, s.span.end_char, s.span.label) in gold)
            labels.append(s.span.label)
    return scores, right, labels, sum(len(s.spans) for s in samples)


def _summary(scores: list[float], right: list[bool], n_gold: int) -> dict[str, Any]:
    from nerkit.scoring.calibration import expected_calibration_error, reliability

    bins = reliability(scores, right, 10)
    curve = []
    for t in THRESHOLDS:
        kept = [r for s, r in zip(scores, right) if s >= t]
        tp = sum(kept)
        p = tp / len(kept) if kept else 0.0
        r = tp / n_gold if n_gold else 0.0
        curve.append(
            {
                "threshold": t,
                "entities": len(kept),
                "precision": p,
                "recall": r,
                "f1": 2 * p * r / (p + r) if p + r else 0.0,
            }
        )
    return {
        "entities": len(scores),
        "accuracy": sum(right) / len(right) if right else 0.0,
        "mean_score": sum(scores) / len(scores) if scores else 0.0,
        "ece": expected_calibration_error(bins),
        "bins": [b.to_dict() for b in bins],
        "thresholds": curve,
    }


def _svg(title: str, bins: list[dict[str, Any]]) -> str:
    from nerkit.report.svg import reliability_diagram
    from nerkit.scoring.calibration import Bin

    objs = [Bin(b["low"], b["high"], b["count"], b["correct"], b["mean_score"]) for b in bins]
    body = reliability_diagram(objs)
    return body.replace("<svg ", f'<svg data-title="{title}" ', 1)


def run(sets: list[str], models: list[str], threads: int, force: bool) -> dict[str, Any]:
    import nerkit

    rows: list[dict[str, Any]] = []
    for set_name in sets:
        test = load_set(set_name)["test"]
        for model in models:
            info = _train(set_name, model, threads, force)
            nlp = nerkit.load(OUT / set_name / model)
            calibrated = _summary(*_unpack(_predicted(nlp, test)))
            nlp.recognizer.calibration_ = None  # the same model's raw scores
            raw = _summary(*_unpack(_predicted(nlp, test)))
            row = {"set": set_name, "model": model, **info, "calibrated": calibrated, "raw": raw}
            rows.append(row)
            svg = RESULTS_DIR / f"calibration_{set_name}_{model}.svg"
            svg.write_text(_svg(f"{set_name} {model}", calibrated["bins"]))
            print(
                f"{set_name} {model}: ECE {calibrated['ece']:.3f} (raw {raw['ece']:.3f}), "
                f"accuracy {calibrated['accuracy']:.3f}, mean score {calibrated['mean_score']:.3f}",
                flush=True,
            )
    return {
        "benchmark": "calibration",
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "goal_ece": GOAL,
        "rows": rows,
    }


def _unpack(
    predicted: tuple[list[float], list[bool], list[str], int],
) -> tuple[list[float], list[bool], int]:
    scores, right, _, n_gold = predicted
    return scores, right, n_gold


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Calibrated span scores: expected calibration error on test text",
        "",
        f"Generated by `python benchmarks/calibration.py` ({result['date']}; "
        f"{result['machine']}). Each model trained with its packaged defaults by "
        "`nerkit train TRAIN DEV`, which fits its scores on DEV when training ends; test texts "
        "predicted from raw text (`nerkit.load(dir).pipe(texts, with_scores=True)`). *right*: "
        "the share of predicted entities that exactly match a gold entity; *mean score*: their "
        "mean calibrated score (a calibrated model has the two close); ECE: 10 equal-width "
        "bins, weighted by entities. *raw*: the same model with its calibration removed "
        "(perceptron: mean softmax probability of the chosen tags; neural: the CRF's "
        "probability of the span). *dev ECE*: on the dev entities it was fitted on.",
        "",
        "| set | model | entities | right | mean score | **ECE** | ECE raw | dev ECE | diagram |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in result["rows"]:
        c, raw = r["calibrated"], r["raw"]
        lines.append(
            f"| {r['set']} | {r['model']} | {c['entities']:,} | {100 * c['accuracy']:.1f}% | "
            f"{100 * c['mean_score']:.1f}% | **{c['ece']:.3f}** | {raw['ece']:.3f} | "
            f"{r['calibration'].get('dev_ece', float('nan')):.3f} | "
            f"[svg](calibration_{r['set']}_{r['model']}.svg) |"
        )
    lines += [
        "",
        "## Thresholds: precision and recall when entities below the score are dropped",
        "",
    ]
    lines += [
        "| set | model | " + " | ".join(f">= {t:g}" for t in THRESHOLDS) + " |",
        "|---|---|" + "---|" * len(THRESHOLDS),
    ]
    for r in result["rows"]:
        cells = [
            f"P {100 * t['precision']:.1f} / R {100 * t['recall']:.1f}"
            for t in r["calibrated"]["thresholds"]
        ]
        lines.append(f"| {r['set']} | {r['model']} | " + " | ".join(cells) + " |")
    lines += ["", f"## Goal: ECE <= {GOAL:g} on CoNLL-2003 test (raw text)", ""]
    for r in result["rows"]:
        if r["set"] != "conll2003":
            continue
        ece = r["calibrated"]["ece"]
        lines.append(f"- {r['model']}: {ece:.3f}: " + ("met" if ece <= GOAL else "**missed**"))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="conll2003")
    parser.add_argument("--models", default="perceptron,neural")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of neural training")
    parser.add_argument("--force", action="store_true", help="retrain cached models")
    args = parser.parse_args()
    result = run(parse_sets(args.sets), args.models.split(","), args.threads, args.force)
    write_results("calibration", result, markdown(result))


if __name__ == "__main__":
    main()

"""Continuing from a trained model without forgetting: ``nerkit train --base`` with rehearsal.

A perceptron base is trained on CoNLL-2003 (PER, ORG, LOC, MISC); then models are trained on
fashion_brands (FASHION_BRAND) with ``--base`` that base:

  * ``no rehearsal``: ``--set train.rehearsal=false`` (plain continued training),
  * ``rehearsal``: the default: the base's predictions of its labels merged into the
    fashion texts (no ``--rehearse``),
  * ``rehearsal + CoNLL texts``: also ``--rehearse`` CoNLL-2003's train.txt (its texts
    with the base's predictions, as many as there are fashion training examples),

and one model on fashion_brands alone, from scratch. Every score is predicted from the raw
test texts through the public API (``nerkit.load(dir).pipe(texts)``) and scored with
``nerkit.scoring.score_spans``: CoNLL-2003 test F1 on the old labels (predictions of the
new label left out), fashion_brands test F1 on FASHION_BRAND (predictions of the old labels
left out: that data does not annotate them).

Goal (issue, part 1): with rehearsal the old labels lose at most 1 F1 point against the base
and the new label is within 2 points of the fashion-only model.

Usage:
    python benchmarks/base_rehearsal.py [--force]

Models are cached in benchmarks/cache/base_rehearsal (--force retrains); results go to
benchmarks/results/base_rehearsal.json and .md. About 10 minutes on 2 cores.
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

from _common import CACHE_DIR, load_set, run_logged, split_files, write_results  # noqa: E402

OUT = CACHE_DIR / "base_rehearsal"
OLD = ("LOC", "MISC", "ORG", "PER")
NEW = ("FASHION_BRAND",)
OLD_GOAL, NEW_GOAL = 1.0, 2.0  # points of F1


def _train(name: str, args: list[str], force: bool) -> dict[str, Any]:
    """``nerkit train ARGS --model perceptron --output cache/NAME`` unless cached."""
    model = OUT / name
    done = OUT / f"{name}.json"
    if not force and done.exists():
        return json.loads(done.read_text())
    cmd = [sys.executable, "-m", "nerkit", "train", *args, "--model", "perceptron"]
    cmd += ["--output", str(model)]
    wall, cpu = run_logged(cmd, OUT / f"{name}.log")
    meta = json.loads((model / "meta.json").read_text())
    info = {
        "command": " ".join(["nerkit", *cmd[3:]]).replace(str(OUT) + "/", ""),
        "train_seconds": round(wall, 1),
        "train_cpu_seconds": round(cpu, 1),
        "base": meta.get("base"),
    }
    done.write_text(json.dumps(info, indent=1) + "\n")
    return info


def _score(model: Path, samples: list[Any], labels: tuple[str, ...]) -> dict[str, Any]:
    """P/R/F1 on ``labels``, predicted from the raw texts of ``samples``."""
    import nerkit
    from nerkit.scoring import score_spans

    nlp = nerkit.load(model)
    docs = list(nlp.pipe([s.text for s in samples]))
    pred = [
        [(e.start_char, e.end_char, e.label) for e in d.ents if e.label in labels] for d in docs
    ]
    gold = [[sp for sp in s.spans if sp[2] in labels] for s in samples]
    scores = score_spans(gold, pred)
    others = sum(1 for d in docs for e in d.ents if e.label not in labels)
    return {
        "precision": scores.precision,
        "recall": scores.recall,
        "f1": scores.f1,
        "per_label": {lab: scores.per_label[lab].f1 for lab in labels if lab in scores.per_label},
        "predicted_other_labels": others,
    }


def run(force: bool) -> dict[str, Any]:
    OUT.mkdir(parents=True, exist_ok=True)
    conll, fashion = split_files("conll2003"), split_files("fashion_brands")
    base = OUT / "conll_base"
    ft, fd = str(fashion["train"]), str(fashion["dev"])
    runs = {
        "base (CoNLL-2003)": ("conll_base", [str(conll["train"]), str(conll["dev"])]),
        "fashion_brands alone": ("fashion_alone", [ft, fd]),
        "--base, no rehearsal": (
            "base_no_rehearsal",
            [ft, fd, "--base", str(base), "--set", "train.rehearsal=false"],
        ),
        "--base, rehearsal (default)": ("base_rehearsal", [ft, fd, "--base", str(base)]),
        "--base, rehearsal + --rehearse CoNLL train": (
            "base_rehearse_conll",
            [ft, fd, "--base", str(base), "--rehearse", str(conll["train"])],
        ),
    }
    conll_test = load_set("conll2003")["test"]
    fashion_test = load_set("fashion_brands")["test"]
    rows: dict[str, Any] = {}
    for title, (name, args) in runs.items():
        info = _train(name, args, force or (name != "conll_base" and not base.exists()))
        model = OUT / name
        info["conll_test_old_labels"] = _score(model, conll_test, OLD)
        if name != "conll_base":
            info["fashion_test_new_label"] = _score(model, fashion_test, NEW)
        rows[title] = info
        print(f"{title}: {json.dumps({k: v for k, v in info.items() if 'test' in k})}")
    return {
        "benchmark": "base_rehearsal",
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "model": "perceptron (packaged defaults)",
        "old_labels": OLD,
        "new_labels": NEW,
        "runs": rows,
    }


def markdown(result: dict[str, Any]) -> str:
    rows = result["runs"]
    base_f1 = rows["base (CoNLL-2003)"]["conll_test_old_labels"]["f1"]
    alone_f1 = rows["fashion_brands alone"]["fashion_test_new_label"]["f1"]
    lines = [
        "# A trained model as the base: continued training with and without rehearsal",
        "",
        f"Generated by `python benchmarks/base_rehearsal.py` ({result['date']}). Perceptron "
        "(packaged defaults). The base is trained on CoNLL-2003 (dev: valid.txt); the others on "
        "fashion_brands (80% of its training file; dev: every 5th record; test: "
        "fashion_brands_eval.jsonl). All F1 predicted from raw test texts through "
        "`nerkit.load(...).pipe`. *CoNLL old F1*: CoNLL-2003 test, labels PER/ORG/LOC/MISC "
        "(predictions of FASHION_BRAND left out). *fashion F1*: fashion_brands test, "
        "FASHION_BRAND (predictions of the old labels left out: that data does not annotate "
        "them).",
        "",
        "| model | CoNLL old F1 | change | fashion F1 | vs alone | train s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for title, r in rows.items():
        old = r["conll_test_old_labels"]["f1"]
        new = r.get("fashion_test_new_label", {}).get("f1")
        lines.append(
            f"| {title} | {100 * old:.1f} | "
            + ("-" if title.startswith("fashion") else f"{100 * (old - base_f1):+.1f}")
            + " | "
            + ("-" if new is None else f"{100 * new:.1f}")
            + " | "
            + (
                "-"
                if new is None or title.startswith("fashion")
                else f"{100 * (new - alone_f1):+.1f}"
            )
            + f" | {r['train_seconds']:.0f} |"
        )
    lines += [
        "",
        f"## Goals (old labels lose at most {OLD_GOAL:g}, new label within {NEW_GOAL:g} of alone)",
        "",
    ]
    for title, r in rows.items():
        if not title.startswith("--base"):
            continue
        d_old = 100 * (r["conll_test_old_labels"]["f1"] - base_f1)
        d_new = 100 * (r["fashion_test_new_label"]["f1"] - alone_f1)
        ok = d_old >= -OLD_GOAL and d_new >= -NEW_GOAL
        lines.append(
            f"- {title}: old labels {d_old:+.1f}, new label {d_new:+.1f} vs alone: "
            + ("**met**" if ok else "not met")
        )
    lines += [
        "",
        "Per label (CoNLL-2003 test F1):",
        "",
        "| model | " + " | ".join(OLD) + " |",
        "|---|" + "---:|" * len(OLD),
    ]
    for title, r in rows.items():
        per = r["conll_test_old_labels"]["per_label"]
        lines.append(
            f"| {title} | " + " | ".join(f"{100 * per.get(lab, 0):.1f}" for lab in OLD) + " |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="retrain cached models")
    args = parser.parse_args()
    result = run(args.force)
    write_results("base_rehearsal", result, markdown(result))


if __name__ == "__main__":
    main()

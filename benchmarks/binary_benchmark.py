"""Binary answers as constraints: 10 complete posts plus 0, 25, 50 and 100 teach answers.

On the bundled hardwareswap posts (examples/hardwareswap: 84 train, 12 dev, 24 test), both
recognizers are trained on the first 10 complete training posts of a seeded shuffle plus the
first N binary answers about the other 74 posts. The answers are simulated from the gold
annotations the way a teach session produces them: a model trained on the 10 complete posts
suggests spans; a suggestion that is a gold span is accepted, a wrong one rejected, and a gold
span it missed is accepted as if a pattern had suggested it. Accepts and rejects alternate
while both last, in a seeded order, so each N is a prefix of the next.

Each N is trained twice: with the answers as binary constraints (what nerkit does), and, for
contrast, with each answer taken as a complete annotation of its text (what it did before:
an accepted span taught the rest of the post to be "O"). Test F1 is predicted from the raw
test texts through the public API (``nerkit.train`` + ``nerkit.scoring.evaluate``).
Writes ``results/binary_answers.{json,md}``.

Usage:
    python benchmarks/binary_benchmark.py [--seeds 0,1,2,3,4] [--steps 0,25,50,100]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO_DIR, write_results  # noqa: E402
from ner_benchmark import _machine  # noqa: E402
from nerkit.corpus import Example, read  # noqa: E402
from nerkit.scoring import evaluate  # noqa: E402
from nerkit.training import train  # noqa: E402

DATA = REPO_DIR / "examples" / "hardwareswap"
N_COMPLETE = 10
MODELS = ("perceptron", "neural")


def simulate_answers(nlp: Any, posts: list[Example], rng: np.random.Generator) -> list[Example]:
    """Teach-style binary answers about ``posts``: accept gold suggestions and missed gold
    spans, reject wrong suggestions; accepts and rejects alternate in a seeded order."""
    accepts: list[Example] = []
    rejects: list[Example] = []
    for post, doc in zip(posts, nlp.pipe(ex.text for ex in posts)):
        gold = set(post.spans)
        predicted = {(e.start_char, e.end_char, e.label) for e in doc.ents}
        for span in sorted(gold):
            accepts.append(Example(post.doc, [span], answer="accept", kind="binary"))
        for span in sorted(predicted - gold):
            rejects.append(Example(post.doc, [span], answer="reject", kind="binary"))
    out: list[Example] = []
    a = [accepts[i] for i in rng.permutation(len(accepts))]
    r = [rejects[i] for i in rng.permutation(len(rejects))]
    while a or r:
        if a:
            out.append(a.pop(0))
        if r:
            out.append(r.pop(0))
    return out


def as_complete(answers: list[Example]) -> list[Example]:
    """The pre-fix reading: an accepted answer as a complete annotation (rejects dropped)."""
    return [dataclasses.replace(ex, kind="complete") for ex in answers if ex.answer == "accept"]


def score(model: str, data: list[Example], dev: list[Example], test: list[Example], seed: int):
    start = time.perf_counter()
    overrides = ["train.threads=1"] if model == "neural" else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train(data, dev, model=model, seed=seed, overrides=overrides)
    ev = evaluate(result.nlp, test)
    return {
        "f1": ev.scores.f1,
        "precision": ev.scores.precision,
        "recall": ev.scores.recall,
        "seconds": round(time.perf_counter() - start, 1),
    }


def run(seeds: list[int], steps: list[int]) -> dict[str, Any]:
    train_posts, dev, test = (read(DATA / f"{s}.jsonl") for s in ("train", "dev", "test"))
    runs: list[dict[str, Any]] = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(train_posts))
        complete = [train_posts[i] for i in order[:N_COMPLETE]]
        others = [train_posts[i] for i in order[N_COMPLETE:]]
        for model in MODELS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                suggester = train(complete, dev, model=model, seed=seed).nlp
            answers = simulate_answers(suggester, others, np.random.default_rng(seed))
            for n in steps:
                shown = answers[:n]
                row = {
                    "seed": seed,
                    "model": model,
                    "answers": len(shown),
                    "accepts": sum(ex.answer == "accept" for ex in shown),
                    "rejects": sum(ex.answer == "reject" for ex in shown),
                    "binary": score(model, complete + shown, dev, test, seed),
                }
                if n:
                    row["as_complete"] = score(
                        model, complete + as_complete(shown), dev, test, seed
                    )
                runs.append(row)
                print(json.dumps(row), flush=True)
    return {"runs": runs}


def summary(runs: list[dict[str, Any]], steps: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in MODELS:
        rows = [r for r in runs if r["model"] == model]
        per_step = {}
        for n in steps:
            at = [r for r in rows if r["answers"] == n]
            binary = [r["binary"]["f1"] for r in at]
            flat = [r["as_complete"]["f1"] for r in at if "as_complete" in r]
            per_step[str(n)] = {
                "binary_mean": statistics.mean(binary) if binary else None,
                "binary_min": min(binary) if binary else None,
                "as_complete_mean": statistics.mean(flat) if flat else None,
                "seeds": len(at),
            }
        base = {r["seed"]: r["binary"]["f1"] for r in rows if r["answers"] == 0}
        top = max(steps)
        mean_base = per_step[str(min(steps))]["binary_mean"]
        never_lower = all(
            per_step[str(n)]["binary_mean"] >= mean_base - 1e-9 for n in steps if n > 0
        )
        raised = per_step[str(top)]["binary_mean"] > mean_base
        dips = [
            (r["seed"], r["answers"])
            for r in rows
            if r["answers"] > 0 and r["binary"]["f1"] < base[r["seed"]] - 1e-9
        ]
        out[model] = {
            "per_step": per_step,
            "never_below_base": never_lower,
            "raised_at_max": raised,
            "dips": dips,
            "raised_every_seed": all(
                r["binary"]["f1"] > base[r["seed"]] for r in rows if r["answers"] == top
            ),
        }
    return out


def markdown(result: dict[str, Any]) -> str:
    steps = result["steps"]
    lines = [
        "# Binary answers as constraints (hardwareswap sample posts)",
        "",
        f"Generated by `python benchmarks/binary_benchmark.py` ({result['date']}). Each model is "
        f"trained on {N_COMPLETE} complete posts plus N simulated teach answers about other "
        "posts (accept a gold suggestion or a missed gold span, reject a wrong suggestion), "
        "and scored on the 24 test posts, predicted from their raw text. *binary*: the answers "
        "as constraints (what nerkit does); *as complete*: each accepted answer taken as a "
        "complete annotation of its post, rejects dropped (what nerkit did before). "
        f"Seeds {', '.join(map(str, result['seeds']))}: each seed draws other complete posts, "
        "answers and model seed. Test F1, mean over seeds (lowest seed in brackets).",
        "",
        "| model | answers | " + " | ".join(str(n) for n in steps) + " |",
        "|---|---|" + "---:|" * len(steps),
    ]
    for model, s in result["summary"].items():
        cells = []
        for n in steps:
            p = s["per_step"][str(n)]
            cells.append(f"{100 * p['binary_mean']:.1f} ({100 * p['binary_min']:.1f})")
        lines.append(f"| {model} | binary | " + " | ".join(cells) + " |")
        flat = []
        for n in steps:
            p = s["per_step"][str(n)]
            flat.append(
                "-" if p["as_complete_mean"] is None else f"{100 * p['as_complete_mean']:.1f}"
            )
        lines.append(f"| {model} | as complete | " + " | ".join(flat) + " |")
    lines += ["", "## Targets", ""]
    for model, s in result["summary"].items():
        n_runs = sum(1 for r in result["runs"] if r["model"] == model and r["answers"] > 0)
        dips = ", ".join(f"seed {seed} at {n}" for seed, n in s["dips"]) or "none"
        lines.append(
            f"- {model}: adding binary answers never lowers mean test F1 below the "
            f"{N_COMPLETE}-post model (every N): "
            f"{'met' if s['never_below_base'] else '**missed**'}; "
            f"{max(steps)} answers raise it: {'met' if s['raised_at_max'] else '**missed**'} "
            f"({'on every seed' if s['raised_every_seed'] else 'not on every seed'}). "
            f"Single runs below their seed's {N_COMPLETE}-post model: {len(s['dips'])} of "
            f"{n_runs} ({dips})."
        )
    lines += [
        "",
        "## Runs",
        "",
        "| seed | model | answers (accept/reject) | binary F1 | as complete F1 | train s |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for r in result["runs"]:
        flat = r.get("as_complete")
        flat_f1 = "-" if flat is None else f"{100 * flat['f1']:.1f}"
        lines.append(
            f"| {r['seed']} | {r['model']} | {r['answers']} ({r['accepts']}/{r['rejects']}) | "
            f"{100 * r['binary']['f1']:.1f} | {flat_f1} | "
            f"{r['binary']['seconds']} |"
        )
    machine = result["machine"]
    lines += [
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores; Python {machine['python']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--steps", default="0,25,50,100")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    steps = [int(s) for s in args.steps.split(",")]
    result = run(seeds, steps)
    result.update(
        seeds=seeds,
        steps=steps,
        summary=summary(result["runs"], steps),
        machine=_machine(),
        date=time.strftime("%Y-%m-%d %H:%M:%S"),
    )
    write_results("binary_answers", result, markdown(result))


if __name__ == "__main__":
    main()

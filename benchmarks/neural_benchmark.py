"""Issue #3 benchmark: nerkit's neural recognizer (blank and with our own word vectors) vs spaCy.

Same data, splits, scorer and speed harness as ``ner_benchmark.py`` (issue #2): the spaCy model
is the cached default CPU efficiency NER of ``spacy_train.py`` and the perceptron the cached
model of ``ner_benchmark.py``; both are evaluated again in this run so that every figure of a
table comes from the same run on the same texts.

Per set it
  1. trains word2vec vectors (``nerkit vectors train``) on ``../shared/data/raw_text/*.txt``
     plus the set's training texts (the train split only; never dev or test), cached in
     ``benchmarks/cache/vectors/<set>-word2vec/``,
  2. trains the neural recognizer once per config (``nerkit train TRAIN DEV --model neural``
     with ``--set`` overrides; cached in ``benchmarks/cache/neural/<set>/<config>/``), timing
     the whole subprocess and reading the time to the best dev evaluation from its
     ``training_log.jsonl``,
  3. scores every model on the test set (gold tokens; and raw texts in the speed run), picks
     the neural config with the best **dev** F1 as "neural (best on dev)",
  4. times prediction (raw texts, one process, batched, tokenization included, systems taking
     turns, best of ``--repeats``),
  5. writes ``results/neural_<set>.json`` and the table ``results/neural.md``.

Usage:
    python benchmarks/neural_benchmark.py --sets conll2003
    python benchmarks/neural_benchmark.py --sets fashion_brands,drugs --configs blank,w2v-static
    python benchmarks/neural_benchmark.py --report      # only re-render results/neural.md

Training takes roughly 10-20 minutes per config on CoNLL-2003 on 2 CPU cores, a few minutes
per config on the smaller sets; run it with nohup and watch the training logs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ALL_SETS,
    CACHE_DIR,
    DATA_DIR,
    RESULTS_DIR,
    SPACY_DIR,
    describe_splits,
    load_set,
    parse_sets,
    run_logged,
    split_files,
)
from ner_benchmark import (  # noqa: E402
    Predictor,
    _git_commit,
    _machine,
    _nerkit_model_dir,
    _relative,
    _time_systems,
    _torch_threads,
    eval_nerkit_dir,
    eval_spacy,
    train_entities,
)

NEURAL_DIR = CACHE_DIR / "neural"
VECTORS_DIR = CACHE_DIR / "vectors"
PERCEPTRON_DIR = CACHE_DIR / "nerkit"
RAW_TEXT = sorted((DATA_DIR / "raw_text").glob("*.txt"))

# our benchmark config name -> the packaged config (src/nerkit/configs/<name>.toml), trained
# with `nerkit train --config NAME`
PACKAGED = {
    "blank": "blank",
    "w2v-static": "word2vec-static",
    "w2v-fine-tune": "word2vec-fine-tune",
    "ft-fine-tune": "fasttext-fine-tune",
    "perceptron-w2v": "perceptron-word2vec",
    "minilm": "transformer-minilm",
    "minilm-w2v": "transformer-minilm-word2vec",
}
# name -> the vectors algorithm it is given, or None
CONFIGS: dict[str, str | None] = {
    "blank": None,
    "w2v-static": "word2vec",
    "w2v-fine-tune": "word2vec",
    "ft-fine-tune": "fasttext",
    "perceptron-w2v": "word2vec",
    "minilm": None,
    "minilm-w2v": "word2vec",
}
DESCRIPTIONS = {
    "blank": "neural, no vectors",
    "w2v-static": "neural + our word2vec (static)",
    "w2v-fine-tune": "neural + our word2vec (fine-tuned)",
    "ft-fine-tune": "neural + our fastText (fine-tuned)",
    "perceptron-w2v": "perceptron + clusters of our word2vec",
    "minilm": "neural + all-MiniLM-L6-v2 states (frozen)",
    "minilm-w2v": "neural + all-MiniLM-L6-v2 states + our word2vec (both frozen)",
}


def _nerkit_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "nerkit", *args]


def _shown(cmd: Sequence[str]) -> str:
    """The command as a user would type it (``nerkit ...``, paths relative to the repo)."""
    parts = list(cmd)
    if parts[:3] == [sys.executable, "-m", "nerkit"]:
        parts = ["nerkit", *parts[3:]]

    def rel(p: str) -> str:
        key, eq, value = p.rpartition("=")
        if value.startswith("/"):
            return key + eq + _relative(Path(value))
        return p

    return " ".join(rel(p) for p in parts)


# ---------------------------------------------------------------------------------- vectors


def vectors_dir(name: str, algo: str) -> Path:
    return VECTORS_DIR / f"{name}-{algo}"


def train_vectors(name: str, algo: str, dim: int) -> dict[str, Any]:
    """``nerkit vectors train`` on raw_text + the set's train split, unless cached."""
    out = vectors_dir(name, algo)
    meta_path = out / "bench_meta.json"
    train_file = split_files(name)["train"]
    # --epochs left at its default: 0 = as many passes as ~25M tokens (19-20 here).
    cmd = _nerkit_cmd(
        "vectors",
        "train",
        *map(str, RAW_TEXT),
        str(train_file),
        "--algo",
        algo,
        "--dim",
        str(dim),
        "--min-count",
        "2",
        "--seed",
        "0",
        "--workers",
        "1",
        "--output",
        str(out),
    )
    if meta_path.exists():
        cached = json.loads(meta_path.read_text())
        if cached.get("command") == _shown(cmd):
            return cached
        shutil.rmtree(out)  # made by another command: train again
    wall, cpu = run_logged(cmd, VECTORS_DIR / f"{name}-{algo}.log")
    vmeta = json.loads((out / "meta.json").read_text())
    meta = {
        "command": _shown(cmd),
        "algorithm": algo,
        "dim": vmeta.get("dim"),
        "words": vmeta.get("n"),
        "tokens": vmeta.get("tokens"),
        "epochs": vmeta.get("settings", {}).get("epochs"),
        "min_count": vmeta.get("settings", {}).get("min_count"),
        "trained_on": [Path(p).name for p in vmeta.get("training_data", [])],
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return meta


# ---------------------------------------------------------------------------------- neural


def _log_timing(log_path: Path, wall: float) -> dict[str, Any]:
    """Best dev evaluation and the time to it, from the model's training_log.jsonl.

    ``elapsed`` in the log counts from the start of the training loop; the time to the best
    evaluation in wall seconds of the whole run adds what came before the loop (loading,
    featurizing) and leaves out what came after the best evaluation (the evaluations that
    found nothing better, saving).
    """
    records = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    if not records:
        return {}
    if "elapsed" not in records[-1]:  # the perceptron: its members' epochs, no loop clock
        return {"evaluations": len(records), "best_dev_f1": records[-1].get("dev_f1")}
    best = max(records, key=lambda r: (r.get("dev_f1") or -1, -records.index(r)))
    # On a tie the training loop keeps the later evaluation.
    ties = [r for r in records if r.get("dev_f1") == best.get("dev_f1")]
    best = ties[-1]
    last = records[-1]
    after_best = last["elapsed"] - best["elapsed"]
    return {
        "evaluations": len(records),
        "epochs_run": last["epoch"],
        "best_epoch": best["epoch"],
        "best_dev_f1": best.get("dev_f1"),
        "loop_seconds_to_best": best["elapsed"],
        "loop_seconds_total": last["elapsed"],
        "wall_seconds_to_best": round(wall - after_best, 1),
        "dev_curve": [(r["epoch"], round(100 * (r.get("dev_f1") or 0), 2)) for r in records],
    }


def train_neural(
    name: str, config: str, seed: int, extra: Sequence[str], force: bool
) -> dict[str, Any]:
    """``nerkit train TRAIN DEV --config PACKAGED`` for one config, unless cached; its meta."""
    out = NEURAL_DIR / name / config
    meta_path = out / "train_meta.json"
    if not force and meta_path.exists():
        return json.loads(meta_path.read_text())
    algo = CONFIGS[config]
    sets = list(extra)
    if algo:
        sets.append(f"vectors.path={vectors_dir(name, algo)}")
    files = split_files(name)
    cmd = _nerkit_cmd(
        "train",
        str(files["train"]),
        str(files["dev"]),
        "--config",
        PACKAGED[config],
        "--output",
        str(out / "model"),
        "--seed",
        str(seed),
    )
    for s in sets:
        cmd += ["--set", s]
    wall, cpu = run_logged(cmd, out / "train.log")
    meta = {
        "set": name,
        "config": config,
        "git_commit": _git_commit(),
        "command": _shown(cmd),
        "train_seconds": round(wall, 1),
        "train_cpu_seconds": round(cpu, 1),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        **_log_timing(out / "model" / "training_log.jsonl", wall),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return meta


# ---------------------------------------------------------------------------------- run


def run_set(name: str, args: argparse.Namespace) -> dict[str, Any]:
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    for c in configs:
        if c not in CONFIGS:
            raise SystemExit(f"unknown config {c!r}; choose from {', '.join(CONFIGS)}")
    vectors: dict[str, Any] = {}
    for algo in sorted({a for c in configs if (a := CONFIGS[c])}):
        print(f"[vectors] {name}: {algo}", flush=True)
        vectors[algo] = train_vectors(name, algo, args.dim)
    metas = {}
    for c in configs:
        print(f"[neural] {name}: {c}", flush=True)
        metas[c] = train_neural(name, c, args.seed, args.set, args.force)
    if args.train_only:
        return {}

    data = load_set(name)
    seen = train_entities(data["train"])
    result: dict[str, Any] = {
        "set": name,
        **describe_splits(name, data),
        "vectors": vectors,
        "batch_size": args.batch_size,
        "repeats": args.repeats,
        "machine": _machine(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "systems": {},
    }
    predictors: dict[str, Predictor] = {}
    systems = result["systems"]
    if (SPACY_DIR / name / "train_meta.json").exists():
        print(f"[spacy] {name}: evaluating", flush=True)
        res, pred = eval_spacy(name, data["test"], args.batch_size, dev=data["dev"], seen=seen)
        res["train"] = json.loads((SPACY_DIR / name / "train_meta.json").read_text())
        systems["spacy"], predictors["spacy"] = res, pred
    else:
        print(f"[spacy] {name}: no cached model (run spacy_train.py); skipped", flush=True)
    if (PERCEPTRON_DIR / name / "train_meta.json").exists():
        print(f"[perceptron] {name}: evaluating", flush=True)
        res, pred = eval_nerkit_dir(
            _nerkit_model_dir(name), data["test"], args.batch_size, dev=data["dev"], seen=seen
        )
        res["train"] = json.loads((PERCEPTRON_DIR / name / "train_meta.json").read_text())
        systems["nerkit_perceptron"], predictors["nerkit_perceptron"] = res, pred
    neural_preds: dict[str, Predictor] = {}
    for c in configs:
        print(f"[neural] {name}: evaluating {c}", flush=True)
        res, pred = eval_nerkit_dir(
            NEURAL_DIR / name / c / "model",
            data["test"],
            args.batch_size,
            dev=data["dev"],
            seen=seen,
        )
        res["train"] = metas[c]
        res["description"] = DESCRIPTIONS[c]
        systems[f"neural_{c}"] = res
        neural_preds[c] = pred
    # The neural config a user would pick: the best dev F1 predicted from raw text.
    neural = [c for c in configs if not c.startswith("perceptron")] or configs
    best = max(neural, key=lambda c: systems[f"neural_{c}"]["dev_raw_text"]["f1"])
    result["neural_best_on_dev"] = best
    candidates = {f"neural_{c}" for c in configs} | {"nerkit_perceptron"}
    result["best_on_dev"] = max(
        (k for k in candidates if k in systems), key=lambda k: systems[k]["dev_raw_text"]["f1"]
    )
    # "best" is the config picked on dev; names add others (e.g. "best,minilm").
    asked = [best if c == "best" else c for c in args.speed_configs.split(",")]
    timed = [c for c in dict.fromkeys(asked) if c in neural_preds]
    for c in timed:
        predictors[f"neural_{c}"] = neural_preds[c]
    print(f"[speed] {name}: {args.repeats} rounds over {', '.join(predictors)}", flush=True)
    for key, measured in _time_systems(predictors, data["test"], args.repeats).items():
        systems[key].update(measured)
    result["torch_threads"] = _torch_threads()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"neural_{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(ALL_SETS))
    parser.add_argument(
        "--configs",
        default="blank,w2v-static,w2v-fine-tune,perceptron-w2v",
        help=f"neural configs, from: {', '.join(CONFIGS)}",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        help="extra nerkit train --set override for every neural config",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=100, help="vector width")
    parser.add_argument("--force", action="store_true", help="retrain the neural models")
    parser.add_argument("--train-only", action="store_true", help="train (cached) and stop")
    parser.add_argument(
        "--speed-configs",
        default="best",
        help="neural configs to time: 'best' (best on dev) and/or config names, comma-separated",
    )
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--report", action="store_true", help="only re-render results/neural.md")
    args = parser.parse_args()
    if not args.report:
        for name in parse_sets(args.sets):
            run_set(name, args)
    if args.train_only:
        return  # the results files are the evaluated run's; nothing new to tabulate
    from _neural_report import write_neural_table

    print(write_neural_table(), flush=True)


if __name__ == "__main__":
    main()

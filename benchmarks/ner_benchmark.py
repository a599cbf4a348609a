"""NER accuracy and speed: nerkit's averaged perceptron against spaCy's default CPU NER.

Both systems are trained on the same files and scored on the same test examples with the
same scorer (``nerkit.scoring.score_spans``: exact character spans and label, micro P/R/F1).

Per set and system it reports:
  * F1/P/R on the gold tokens of the test set (each system is given the gold tokenization,
    as in the standard CoNLL evaluation), and F1 on the raw test texts (each system's own
    tokenizer; these predictions come from the speed run),
  * training wall time and CPU time (``nerkit train`` / ``spacy train`` as subprocesses),
  * prediction speed: words per second over the raw test texts in one process, batched,
    tokenization included, after a warm-up; best of ``--repeats`` passes. "Words" are the
    gold tokens of the test set, so both systems are divided by the same number,
  * model size: bytes of the saved model directory (spaCy: ``model-best``).

Usage:
    python benchmarks/ner_benchmark.py [--sets conll2003,fashion_brands,drugs] [--skip-spacy-train]

Training spaCy (if not cached in benchmarks/cache/spacy) takes about 40 minutes for the
three sets on a 2-core CPU; nerkit models are cached in benchmarks/cache/nerkit. Results go to
benchmarks/results/ner_<set>.json and the table benchmarks/results/ner.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ALL_SETS,
    CACHE_DIR,
    REPO_DIR,
    RESULTS_DIR,
    SPACY_DIR,
    Sample,
    describe_splits,
    dir_size,
    load_set,
    parse_sets,
    run_logged,
    split_files,
)

NERKIT_DIR = CACHE_DIR / "nerkit"
CharSpans = list[tuple[int, int, str]]


# ---------------------------------------------------------------------------------- helpers


def _git_commit() -> str | None:
    """HEAD of the repository, with "+dirty" when tracked files under src/ differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "src"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def _machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "gpu": "none used",
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_DIR))
    except ValueError:
        return str(path)


def _score(gold: Sequence[CharSpans], pred: Sequence[CharSpans]) -> dict[str, Any]:
    from nerkit.scoring import score_spans

    s = score_spans(gold, pred).to_dict()
    keep = ("precision", "recall", "f1", "tp", "fp", "fn", "per_label")
    return {k: s[k] for k in keep}


Predictor = Callable[[Sequence[str]], list[CharSpans]]


def _time_systems(
    predictors: dict[str, Predictor], test: list[Sample], repeats: int
) -> dict[str, dict[str, Any]]:
    """Time full passes over the raw test texts, the systems taking turns in each round.

    Taking turns means a burst of other load on the machine hits both systems alike. Each
    system warms up on the first 200 texts; the fastest of its ``repeats`` passes is kept.
    Returns per system its speed (and, as a check, the raw-text scores of its last pass,
    which :func:`_evaluate` reports too).
    """
    texts = [s.text for s in test]
    gold = [s.spans for s in test]
    n_words = sum(s.n_tokens for s in test)
    for predict in predictors.values():
        predict(texts[:200])
    best: dict[str, tuple[float, float]] = {k: (float("inf"), 0.0) for k in predictors}
    preds: dict[str, list[CharSpans]] = {}
    for _ in range(repeats):
        for key, predict in predictors.items():
            c0, t0 = time.process_time(), time.perf_counter()
            preds[key] = predict(texts)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if wall < best[key][0]:
                best[key] = (wall, cpu)
    out: dict[str, dict[str, Any]] = {}
    for key, (wall, cpu) in best.items():
        raw = _score(gold, preds[key])
        out[key] = {
            "timed_raw_text": _prf(raw),
            "speed": {
                "texts": len(texts),
                "words": n_words,
                "seconds": round(wall, 4),
                "cpu_seconds": round(cpu, 4),
                "words_per_second": round(n_words / wall, 1),
                "words_per_cpu_second": round(n_words / cpu, 1) if cpu > 0 else None,
            },
        }
    return out


# ---------------------------------------------------------------------------------- nerkit


def train_nerkit(name: str, force: bool) -> dict[str, Any]:
    """Run ``nerkit train TRAIN DEV --model perceptron`` unless cached; return its meta."""
    out = NERKIT_DIR / name
    meta_path = out / "train_meta.json"
    if not force and meta_path.exists():
        return json.loads(meta_path.read_text())
    files = split_files(name)
    cmd = [
        sys.executable,
        "-m",
        "nerkit",
        "train",
        str(files["train"]),
        str(files["dev"]),
        "--model",
        "perceptron",
        "--output",
        str(out / "model"),
    ]
    seconds, cpu = run_logged(cmd, out / "train.log")
    meta = {
        "set": name,
        "git_commit": _git_commit(),
        "train_seconds": round(seconds, 1),
        "train_cpu_seconds": round(cpu, 1),
        "command": " ".join(["nerkit"] + cmd[3:]),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def _nerkit_model_dir(name: str) -> Path:
    out = NERKIT_DIR / name / "model"
    return out / "model-best" if (out / "model-best").is_dir() else out


def train_entities(train: list[Sample]) -> set[str]:
    """The entity texts the training split annotates (as ``nerkit.scoring.seen`` compares)."""
    from nerkit.scoring.seen import entity_key

    return {entity_key(s.text[a:b]) for s in train for a, b, _ in s.spans}


def eval_nerkit(
    name: str, test: list[Sample], batch_size: int, seen: set[str] | None = None
) -> tuple[dict[str, Any], Predictor]:
    """Scores and size of the cached nerkit model, and its raw-text predictor."""
    return eval_nerkit_dir(_nerkit_model_dir(name), test, batch_size, seen=seen)


def _torch_threads() -> int | None:
    """torch's CPU threads in this process (None: torch not imported)."""
    torch = sys.modules.get("torch")
    return None if torch is None else int(torch.get_num_threads())


def _set_torch_threads(n: int | None) -> None:
    torch = sys.modules.get("torch")
    if torch is not None and n is not None and torch.get_num_threads() != n:
        torch.set_num_threads(n)


def eval_nerkit_dir(
    path: Path,
    test: list[Sample],
    batch_size: int,
    dev: list[Sample] | None = None,
    seen: set[str] | None = None,
) -> tuple[dict[str, Any], Predictor]:
    """Gold-token test (and dev) scores of a nerkit model directory, and its raw-text predictor."""
    import nerkit
    from nerkit import Doc

    nlp = nerkit.load(path)
    # Loading sets torch's threads to what the model asks for (a transformer model: every
    # core, the others one); torch's setting is per process, so each pass sets it again.
    threads = _torch_threads()

    def on_gold_tokens(part: list[Sample]) -> list[CharSpans]:
        _set_torch_threads(threads)
        docs = [
            Doc(
                s.text,
                [a for a, _ in s.token_offsets],
                [b for _, b in s.token_offsets],
                check=False,
            )
            for s in part
        ]
        out: list[CharSpans] = []
        for i in range(0, len(docs), batch_size):
            for doc in nlp.pipe_docs(docs[i : i + batch_size]):
                out.append([(e.start_char, e.end_char, e.label) for e in doc.ents])
        return out

    def on_texts(texts: Sequence[str]) -> list[CharSpans]:
        _set_torch_threads(threads)
        return [
            [(e.start_char, e.end_char, e.label) for e in doc.ents]
            for doc in nlp.pipe(texts, batch_size=batch_size)
        ]

    result = _evaluate(nerkit.__version__, path, test, on_gold_tokens, on_texts, dev, seen)
    return result, on_texts


# ---------------------------------------------------------------------------------- spaCy


def spacy_on_gold_tokens(nlp: Any, samples: list[Sample], batch_size: int) -> list[CharSpans]:
    """The entities a loaded spaCy pipeline predicts on the gold tokens of ``samples``."""
    from spacy.tokens import Doc

    docs = [Doc(nlp.vocab, words=s.words, spaces=s.spaces) for s in samples]
    return [
        [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        for doc in nlp.pipe(docs, batch_size=batch_size)
    ]


def eval_spacy(
    name: str,
    test: list[Sample],
    batch_size: int,
    dev: list[Sample] | None = None,
    seen: set[str] | None = None,
) -> tuple[dict[str, Any], Predictor]:
    """Gold-token test (and dev) scores and size of the cached spaCy model-best, and its
    raw-text predictor."""
    import spacy

    path = SPACY_DIR / name / "model-best"
    nlp = spacy.load(path)

    def on_texts(texts: Sequence[str]) -> list[CharSpans]:
        return [
            [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            for doc in nlp.pipe(texts, batch_size=batch_size)
        ]

    result = _evaluate(
        spacy.__version__,
        path,
        test,
        lambda part: spacy_on_gold_tokens(nlp, part, batch_size),
        on_texts,
        dev,
        seen,
    )
    result["pipeline"] = list(nlp.pipe_names)
    return result, on_texts


# ---------------------------------------------------------------------------------- shared


def _prf(scores: dict[str, Any]) -> dict[str, Any]:
    return {k: scores[k] for k in ("precision", "recall", "f1")}


def _evaluate(
    version: str,
    path: Path,
    test: list[Sample],
    on_gold_tokens: Callable[[list[Sample]], list[CharSpans]],
    on_texts: Predictor,
    dev: list[Sample] | None = None,
    seen: set[str] | None = None,
) -> dict[str, Any]:
    """Scores from the raw texts (the headline: what a user gets) and on the gold tokens;
    with ``seen`` (entity texts of the training data), raw-text recall on seen and unseen
    gold entities."""
    from nerkit.scoring.seen import seen_unseen_recall

    texts, gold = [s.text for s in test], [s.spans for s in test]
    raw = on_texts(texts)
    result = {
        "version": version,
        "model_dir": _relative(path),
        "model_bytes": dir_size(path),
        "test_raw_text": _score(gold, raw),
        "test_gold_tokens": _score(gold, on_gold_tokens(test)),
    }
    if seen is not None:
        result["test_raw_seen_unseen"] = seen_unseen_recall(texts, gold, raw, seen).to_dict()
    if dev is not None:
        gold = [s.spans for s in dev]
        result["dev_raw_text"] = _prf(_score(gold, on_texts([s.text for s in dev])))
        result["dev_gold_tokens"] = _prf(_score(gold, on_gold_tokens(dev)))
    return result


def run_set(name: str, args: argparse.Namespace) -> dict[str, Any] | None:
    data = load_set(name)
    test = data["test"]
    seen = train_entities(data["train"])
    result: dict[str, Any] = {
        "set": name,
        **describe_splits(name, data),
        "batch_size": args.batch_size,
        "repeats": args.repeats,
        "machine": _machine(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "systems": {},
    }
    # spaCy
    spacy_meta = SPACY_DIR / name / "train_meta.json"
    if not spacy_meta.exists() and not args.skip_spacy_train:
        print(
            f"[spacy] {name}: training (spaCy's early stopping: ~20 min for CoNLL-2003, "
            f"4-12 min for the smaller sets)",
            flush=True,
        )
        from spacy_train import train_set

        train_set(name)
    predictors: dict[str, Predictor] = {}
    if spacy_meta.exists():
        print(f"[spacy] {name}: evaluating", flush=True)
        res, predictors["spacy"] = eval_spacy(name, test, args.batch_size, seen=seen)
        res["train"] = json.loads(spacy_meta.read_text())
        result["systems"]["spacy"] = res
    else:
        print(f"[spacy] {name}: no trained model in {SPACY_DIR / name}; skipped", flush=True)
    # nerkit
    if not args.skip_nerkit:
        meta = train_nerkit(name, args.force_nerkit)
        print(f"[nerkit] {name}: evaluating", flush=True)
        res, predictors["nerkit_perceptron"] = eval_nerkit(name, test, args.batch_size, seen)
        res["train"] = meta
        result["systems"]["nerkit_perceptron"] = res
    if not result["systems"]:
        return None
    print(f"[speed] {name}: {args.repeats} rounds, systems taking turns", flush=True)
    for key, measured in _time_systems(predictors, test, args.repeats).items():
        result["systems"][key].update(measured)
    sp, nk = result["systems"].get("spacy"), result["systems"].get("nerkit_perceptron")
    if sp and nk:
        result["speed_ratio_nerkit_over_spacy"] = round(
            nk["speed"]["words_per_second"] / sp["speed"]["words_per_second"], 2
        )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"ner_{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(ALL_SETS))
    parser.add_argument(
        "--skip-spacy-train",
        action="store_true",
        help="do not train spaCy; evaluate it only where a cached model exists",
    )
    parser.add_argument("--skip-nerkit", action="store_true", help="evaluate spaCy only")
    parser.add_argument("--force-nerkit", action="store_true", help="retrain nerkit")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=1000,
        help="texts per batch for both systems (spaCy's default nlp.batch_size)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed passes; the best is kept")
    args = parser.parse_args()
    sets = parse_sets(args.sets)
    missing = [s for s in sets if not (SPACY_DIR / s / "train_meta.json").exists()]
    if missing and not args.skip_spacy_train:
        print(
            f"spaCy models not cached for {', '.join(missing)}: training them first "
            f"(about 40 minutes for all three sets on 2 cores).",
            flush=True,
        )
    for name in sets:
        run_set(name, args)
    from _report import write_table

    print(write_table(), flush=True)


if __name__ == "__main__":
    main()

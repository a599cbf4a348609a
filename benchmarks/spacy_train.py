"""Train spaCy's default CPU efficiency NER pipeline on each benchmark set (cached).

For each set this script
  1. converts train/dev to ``.spacy`` files with spaCy's own Doc/DocBin APIs
     (Docs are built from the gold tokens; entity char spans are mapped with
     ``Doc.char_span``; spans that do not align to tokens are skipped and counted),
  2. writes the config ``spacy init config --lang en --pipeline ner --optimize efficiency``
     gives (unchanged; only paths are passed on the command line),
  3. runs ``python -m spacy train`` on CPU into ``benchmarks/cache/spacy/<set>/``
     (``model-best`` is what the benchmark evaluates) and records the wall time.

A set whose ``model-best`` and ``train_meta.json`` already exist is skipped.
``--train-limit N`` trains on the first N examples of one seeded shuffle of the training
set (the learning-curve subsets, nested, the same ones ``nerkit curve --seed 0`` uses) with
the full dev set, cached as ``benchmarks/cache/spacy/<set>-n<N>/``.
Sets are trained one after another, never in parallel. spaCy's own early stopping
decides when training ends: roughly 20 minutes for CoNLL-2003 and 4-12 minutes for
each smaller set on a 2-core CPU.

Usage:
    python benchmarks/spacy_train.py [--sets conll2003,fashion_brands,drugs] [--force]
    python benchmarks/spacy_train.py --sets conll2003 --train-limit 200,1000,3000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ALL_SETS,
    SPACY_DIR,
    Sample,
    load_set,
    parse_sets,
    run_logged,
    set_key,
    train_subset,
)


def _require_spacy():
    try:
        import spacy  # noqa: F401
    except ImportError:
        raise SystemExit(
            "spaCy is needed only for the benchmarks: pip install 'nerkit[spacy]' "
            "(or pip install 'spacy==3.8.*')"
        ) from None
    return spacy


def to_docbin(samples: list[Sample], out: Path) -> dict[str, int]:
    """Write samples as a spaCy DocBin; return counts (docs, spans kept, spans skipped)."""
    spacy = _require_spacy()
    from spacy.tokens import Doc, DocBin
    from spacy.util import filter_spans

    nlp = spacy.blank("en")
    db = DocBin(attrs=["ENT_IOB", "ENT_TYPE"])
    kept = skipped = 0
    for s in samples:
        doc = Doc(nlp.vocab, words=s.words, spaces=s.spaces)
        ents = []
        for start, end, label in s.spans:
            span = doc.char_span(start, end, label=label, alignment_mode="strict")
            if span is None:
                skipped += 1
            else:
                ents.append(span)
        chosen = filter_spans(ents)
        skipped += len(ents) - len(chosen)
        kept += len(chosen)
        # An accepted record without spans is a negative example: every token is "O".
        doc.set_ents(chosen, default="outside")
        db.add(doc)
    out.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(out)
    return {"docs": len(samples), "spans": kept, "spans_skipped": skipped}


def write_config(path: Path) -> None:
    """Write spaCy's default CPU efficiency NER config for blank English."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "spacy", "init", "config", str(path),
           "--lang", "en", "--pipeline", "ner", "--optimize", "efficiency", "--force"]
    subprocess.run(cmd, check=True)


def train_set(name: str, force: bool = False, limit: int | None = None) -> dict:
    """Convert, then train spaCy on one set unless already cached; return its train meta.

    With ``limit``, train on that many examples of the seeded shuffle (learning curve).
    """
    spacy = _require_spacy()
    key = set_key(name, limit)
    out = SPACY_DIR / key
    meta_path = out / "train_meta.json"
    if not force and meta_path.exists() and (out / "model-best").exists():
        print(f"[spacy_train] {key}: cached at {out}", flush=True)
        return json.loads(meta_path.read_text())
    config = SPACY_DIR / "config.cfg"
    write_config(config)
    data = load_set(name)
    data["train"] = train_subset(data["train"], limit)
    name = key
    counts = {part: to_docbin(data[part], out / f"{part}.spacy") for part in ("train", "dev")}
    print(f"[spacy_train] {name}: converted {counts}", flush=True)
    cmd = [sys.executable, "-m", "spacy", "train", str(config),
           "--output", str(out), "--gpu-id", "-1",
           "--paths.train", str(out / "train.spacy"), "--paths.dev", str(out / "dev.spacy")]
    seconds, cpu = run_logged(cmd, out / "train.log")
    meta = {
        "set": name,
        "train_limit": limit,
        "spacy_version": spacy.__version__,
        "train_seconds": round(seconds, 1),
        "train_cpu_seconds": round(cpu, 1),
        "command": " ".join(["python"] + cmd[1:]),
        "converted": counts,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    print(f"[spacy_train] {name}: trained in {seconds:.0f}s", flush=True)
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(ALL_SETS))
    parser.add_argument("--force", action="store_true", help="retrain even if cached")
    parser.add_argument(
        "--train-limit", default="",
        help="comma-separated subset sizes (e.g. 200,1000,3000): train on the first N examples "
        "of one seeded shuffle of train, cached as cache/spacy/<set>-n<N>/",
    )
    args = parser.parse_args()
    limits = [int(x) for x in args.train_limit.split(",") if x.strip()] or [None]
    for name in parse_sets(args.sets):
        for limit in limits:
            train_set(name, force=args.force, limit=limit)


if __name__ == "__main__":
    main()

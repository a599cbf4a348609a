"""Render ``results/neural_<set>.json`` (and the learning curve, if run) as ``results/neural.md``."""

from __future__ import annotations

import json
from typing import Any

from _common import ALL_SETS, RESULTS_DIR

SYSTEM_ORDER = (
    "spacy",
    "nerkit_perceptron",
    "neural_perceptron-w2v",
    "neural_blank",
    "neural_w2v-static",
    "neural_w2v-fine-tune",
    "neural_ft-fine-tune",
    "neural_minilm",
    "neural_minilm-w2v",
)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "-" if x is None else format(x, fmt)


def _label(key: str, sys_: dict[str, Any], best: str | None) -> str:
    """The system's name; ``best`` is the key of the system picked on dev."""
    if key == "spacy":
        return f"spaCy {sys_['version']} (default CPU efficiency NER)"
    text = (
        "nerkit perceptron"
        if key == "nerkit_perceptron"
        else f"nerkit {sys_.get('description', key)}"
    )
    return f"**{text}** (best on dev)" if key == best else text


def _row(name: str, key: str, s: dict[str, Any], best: str | None) -> str:
    t = s.get("train", {})
    raw, g = s["test_raw_text"], s["test_gold_tokens"]
    sp = s.get("speed", {})
    split = s.get("test_raw_seen_unseen")
    unseen = None if split is None else split["unseen"]["recall"]
    to_best = t.get("wall_seconds_to_best")
    return (
        f"| {name} | {_label(key, s, best)} | {_pct(s.get('dev_raw_text', {}).get('f1'))} | "
        f"{_pct(raw['precision'])} | {_pct(raw['recall'])} | **{_pct(raw['f1'])}** | "
        f"{_pct(g['f1'])} | {_pct(unseen)} | {_num(t.get('train_seconds'))} | "
        f"{_num(to_best)} | {_num(t.get('train_cpu_seconds'))} | "
        f"{_num(sp.get('words_per_second'))} | {_num(sp.get('words_per_cpu_second'))} | "
        f"{s['model_bytes'] / 1e6:.1f} |"
    )


def _f1(res: dict[str, Any], key: str, kind: str = "test_raw_text") -> float | None:
    s = res["systems"].get(key)
    return None if s is None else 100 * s[kind]["f1"]


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _targets(results: dict[str, dict[str, Any]]) -> list[str]:
    """Issue #8: accuracy predicted from raw text, where users are."""
    out = []
    conll = results.get("conll2003")
    if conll:
        # The packaged perceptron configs: perceptron (default) and perceptron-word2vec.
        for key, what in (
            ("nerkit_perceptron", "perceptron"),
            ("neural_perceptron-w2v", "perceptron-word2vec"),
        ):
            perc = _f1(conll, key)
            if perc is not None:
                out.append(
                    f"- CoNLL-2003, {what}, raw text >= 84.5: {perc:.1f}: {_mark(perc >= 84.5)}"
                )
        for c in ("w2v-static", "w2v-fine-tune"):
            v = _f1(conll, f"neural_{c}")
            if v is not None:
                out.append(
                    f"- CoNLL-2003, neural + our word2vec ({c}), raw text >= 87.5: "
                    f"{v:.1f}: {_mark(v >= 87.5)}"
                )
    for name, res in results.items():
        for key, s in res["systems"].items():
            if not key.startswith(("neural_", "nerkit_")):
                continue
            raw, gold = 100 * s["test_raw_text"]["f1"], 100 * s["test_gold_tokens"]["f1"]
            out.append(
                f"- {name}, {key}: raw-text F1 >= gold-token F1 - 0.5: {raw:.1f} vs "
                f"{gold:.1f}: {_mark(raw >= gold - 0.5)}"
            )
    for name, goal in (("fashion_brands", 72.0), ("drugs", 80.0)):
        res = results.get(name)
        if not res:
            continue
        best = res.get("best_on_dev") or f"neural_{res.get('neural_best_on_dev')}"
        v = _f1(res, best)
        if v is not None:
            out.append(
                f"- {name}, the config best on dev ({best}), raw text >= {goal:.0f}: "
                f"{v:.1f}: {_mark(v >= goal)}"
            )
    out.extend(_transformer_targets(results))
    for name, res in results.items():
        best = res.get("neural_best_on_dev")
        nk = res["systems"].get(f"neural_{best}", {}).get("speed")
        sp = res["systems"].get("spacy", {}).get("speed")
        if nk and sp:
            r = nk["words_per_second"] / sp["words_per_second"]
            out.append(
                f"- {name}, prediction words/s neural ({best}) vs spaCy: "
                f"{nk['words_per_second']:,.0f} vs {sp['words_per_second']:,.0f} "
                f"({r:.2f}x)"
            )
    return out


def _transformer_targets(results: dict[str, dict[str, Any]]) -> list[str]:
    """Issue #15: the MiniLM base against the best word-vector config (picked on dev)."""
    out = []
    for name, margin in (("conll2003", 1.5), ("fashion_brands", 3.0), ("drugs", 3.0)):
        res = results.get(name)
        if not res or "neural_minilm" not in res["systems"]:
            continue
        w2v = [k for k in ("neural_w2v-static", "neural_w2v-fine-tune") if k in res["systems"]]
        if not w2v:
            continue
        pick = max(w2v, key=lambda k: res["systems"][k]["dev_raw_text"]["f1"])
        base, trf = _f1(res, pick), _f1(res, "neural_minilm")
        assert base is not None and trf is not None
        out.append(
            f"- {name}, transformer-minilm >= best word-vector config on dev ({pick}) + "
            f"{margin}: {trf:.1f} vs {base:.1f} + {margin}: {_mark(trf >= base + margin)}"
        )
        speed = res["systems"]["neural_minilm"].get("speed")
        if speed:
            wps = speed["words_per_second"]
            out.append(
                f"- {name}, transformer-minilm prediction >= 1,000 words/s: {wps:,.0f}: "
                f"{_mark(wps >= 1000)}"
            )
    return out


def write_neural_table() -> str:
    results = {}
    for name in ALL_SETS:
        p = RESULTS_DIR / f"neural_{name}.json"
        if p.exists():
            results[name] = json.loads(p.read_text())
    lines = [
        "# Neural recognizer (+ our word vectors) vs spaCy, predicted from raw text",
        "",
        "Generated by `python benchmarks/neural_benchmark.py` from `neural_<set>.json` in this "
        "folder; see `benchmarks/README.md` for what is measured and how.",
        "",
        "P/R/F1: exact-match entity spans, micro average, scored by `nerkit.scoring.score_spans` "
        "for every system on the test set, each system given the raw test texts and tokenizing "
        "them itself (what a user gets); *dev F1* the same on the dev set (the neural config "
        "marked *best on dev* is chosen on it, never on test). *F1 gold tokens*: the same "
        "models given the corpus's own tokens. *Unseen R*: recall (raw text) on the gold "
        "entities whose text the training split never annotates. Train s: the whole "
        "`spacy train` / `nerkit train` subprocess, each to its own stopping rule; *s to best "
        "dev*: wall seconds from the start of that subprocess to the dev evaluation that gave "
        "the saved model (nerkit's `training_log.jsonl`). Words/s: raw test texts, one process, "
        "batched (1000 texts), tokenization included, best of the timed passes, the systems "
        "taking turns; words = gold tokens of the test set.",
        "",
        "| set | system | dev F1 | P | R | F1 (raw text) | F1 (gold tokens) | unseen R | "
        "train s (wall) | s to best dev | train s (CPU) | predict words/s | words/CPU s | "
        "model MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, res in results.items():
        best = res.get("best_on_dev") or f"neural_{res.get('neural_best_on_dev')}"
        keys = [k for k in SYSTEM_ORDER if k in res["systems"]]
        keys += [k for k in res["systems"] if k not in keys]
        for key in keys:
            lines.append(_row(name, key, res["systems"][key], best))
    title = "## Targets (issues #8 and #15: raw text, where users are)"
    lines += ["", title, ""] + _targets(results)
    curve = RESULTS_DIR / "curve_conll2003.md"
    if curve.exists():
        lines += [
            "",
            "## Learning curve (CoNLL-2003)",
            "",
            "See [`curve_conll2003.md`](curve_conll2003.md) and "
            "![learning curve](curve_conll2003.png).",
        ]
    lines += ["", "## Vectors", ""]
    for name, res in results.items():
        for algo, v in res.get("vectors", {}).items():
            lines.append(
                f"- {name}, {algo}: {v['dim']}d, {v['words']:,} words, "
                f"{v['tokens']:,} tokens of {', '.join(v['trained_on'])}"
                + (f", {v['epochs']} epochs" if v.get("epochs") else "")
                + "; "
                f"{_num(v.get('seconds') or v.get('training_seconds_gensim'))} s: "
                f"`{v['command']}`"
            )
    lines += ["", "## Commands", ""]
    for name, res in results.items():
        for key, s in res["systems"].items():
            cmd = s.get("train", {}).get("command")
            if cmd:
                lines.append(f"- {name}, {key}: `{cmd}`")
    lines += ["", "## Dev F1 per evaluation (neural)", ""]
    for name, res in results.items():
        for key, s in res["systems"].items():
            curve_pts = s.get("train", {}).get("dev_curve")
            if curve_pts:
                pts = ", ".join(f"{e}: {f}" for e, f in curve_pts)
                lines.append(f"- {name}, {key} (epoch: dev F1): {pts}")
    if results:
        any_res = next(iter(results.values()))
        m = any_res["machine"]
        lines += [
            "",
            f"Machine: {m['cpu']}, {m['cores']} cores, no GPU; Python {m['python']}; "
            f"torch threads {any_res.get('torch_threads')}. Other work ran on the machine "
            f"at the same time (other trainings), so wall times vary; CPU seconds and "
            f"same-run speed ratios are steadier. Runs: "
            + ", ".join(f"{n} {r['date']}" for n, r in results.items())
            + ".",
        ]
    text = "\n".join(lines) + "\n"
    (RESULTS_DIR / "neural.md").write_text(text, encoding="utf8")
    return text


if __name__ == "__main__":
    print(write_neural_table())

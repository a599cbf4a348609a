"""The table and plot of a learning curve: one row per step (with several seeds, their mean ±
sd and the paired test of each step's gain over the step before), as markdown, JSON and PNG.

:mod:`nerkit.training.curve` trains the steps; this module only holds and lays out what they
gave (:class:`CurveRun` per training, :class:`CurveStep` per step, :class:`CurveResult`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .report import markdown_table, percent, plot_curve, write_json
from .seeds import NOT_SUPPORTED, RESAMPLES, mark, mean_pm_sd, mean_sd, median, pooled_test
from .vectorprep import VectorsInfo

if TYPE_CHECKING:
    import numpy as np

    from ..scoring.bootstrap import PairedTest


@dataclass
class CurveRun:
    """One seed's training at one step: its subset's words, scores, or error."""

    seed: int
    n_words: int
    f1: float | None = None
    precision: float | None = None
    recall: float | None = None
    dev_f1: float | None = None
    train_seconds: float | None = None
    status: str = "ok"
    error: str | None = None
    traceback: str | None = None
    # Per test document the micro tp, fp, fn: what the paired test reads (not in the JSON).
    counts: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "counts"}


@dataclass
class CurveStep:
    """One point of the curve: how much data, and the scores it gave.

    With several seeds: the words, F1, precision, recall and dev F1 are means over the seeds
    that trained, ``f1_sd`` the sample standard deviation of F1, ``train_seconds`` the
    median; ``gain`` the paired test of this step (B) against the step before (A).
    """

    step: float  # as asked: a percentage or a number of examples
    n_examples: int
    n_words: int
    f1: float | None = None
    precision: float | None = None
    recall: float | None = None
    dev_f1: float | None = None
    train_seconds: float | None = None
    status: str = "ok"  # "ok", "failed", or "partial" (some seeds failed)
    error: str | None = None
    traceback: str | None = None
    seeds: list[int] = field(default_factory=list)
    f1_sd: float | None = None
    per_seed: list[CurveRun] = field(default_factory=list)
    gain: PairedTest | None = None

    def counts(self) -> list[np.ndarray]:
        return [r.counts for r in self.per_seed if r.status == "ok" and r.counts is not None]

    def to_dict(self) -> dict[str, Any]:
        skip = ("per_seed", "gain")
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        out["per_seed"] = [r.to_dict() for r in self.per_seed]
        out["gain"] = self.gain.to_dict() if self.gain else None
        return out


@dataclass
class CurveResult:
    """The steps of a learning curve, the shuffled order they were cut from, and the files."""

    name: str
    source: str
    unit: str
    n_total: int
    order: list[int]  # indices into the training examples; step k uses order[:n_k]
    steps: list[CurveStep] = field(default_factory=list)
    output: Path = Path(".")
    plot: Path | None = None
    vectors: VectorsInfo | None = None
    data: dict[str, Any] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=list)  # one per run of each step
    orders: list[list[int]] = field(default_factory=list)  # the shuffle of each seed

    def indices(self, step: CurveStep, run: int = 0) -> list[int]:
        """The training examples (indices in the file's trainable examples) of ``step``
        (with several seeds: of its ``run``-th seed)."""
        order = self.orders[run] if self.orders else self.order
        return order[: step.n_examples]

    def add(self, step: CurveStep) -> None:
        """Add a step, test its gain over the step before (several seeds), write the files."""
        before = self.steps[-1] if self.steps else None
        self.steps.append(step)
        if len(self.seeds) > 1 and before is not None and before.counts() and step.counts():
            step.gain = pooled_test(before.counts(), step.counts())
        self.write()

    def table(self) -> tuple[list[str], list[list[str]]]:
        several = len(self.seeds) > 1
        headers = ["step", "examples", "words", "test F1", *(["gain"] if several else [])]
        headers += ["P", "R", "dev F1", "train s", "status"]
        unit = "%" if self.unit == "percent" else ""
        rows = [
            [
                f"{s.step:g}{unit}",
                str(s.n_examples),
                str(s.n_words),
                *(
                    [mean_pm_sd(s.f1, s.f1_sd), mark(s.gain) if s.gain else "-"]
                    if several
                    else [percent(s.f1)]
                ),
                percent(s.precision),
                percent(s.recall),
                percent(s.dev_f1),
                "-" if s.train_seconds is None else f"{s.train_seconds:.1f}",
                s.status,
            ]
            for s in self.steps
        ]
        return headers, rows

    def markdown(self) -> str:
        headers, rows = self.table()
        d = self.data
        if len(self.seeds) > 1:
            shuffles = (
                f"{len(self.seeds)} seeds, {', '.join(map(str, self.seeds))}: each its own "
                "shuffle and training seed"
            )
        else:
            shuffles = f"one seeded shuffle, seed {d.get('seed')}"
        lines = [
            f"# Learning curve of {self.name} (`{self.source}`)",
            "",
            f"Subsets of `{d.get('train')}` ({self.n_total} examples, {shuffles}; each step "
            f"contains the previous ones); best epoch picked on `{d.get('dev')}`, scored on "
            f"`{d.get('test')}`. Scores in %.",
            "",
            markdown_table(headers, rows),
            "",
        ]
        if len(self.seeds) > 1:
            lines += [
                "test F1: the mean ± the sample standard deviation over the seeds (words, P, R "
                "and dev F1: means; train s: the median). gain: F1 points over the step before, "
                "from each step's per-document counts summed over its seeds; "
                f"{NOT_SUPPORTED}: the paired bootstrap over the test documents ({RESAMPLES} "
                "resamples) does not support the gain (its 95% interval includes 0).",
                "",
            ]
        if self.vectors:
            lines.append(f"Vectors: {self.vectors.description} (`{self.vectors.path}`)")
        if self.plot:
            lines.append(f"![test F1 against training examples]({self.plot.name})")
        lines += [f"- step {s.step:g}: {s.error}" for s in self.steps if s.error]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "unit": self.unit,
            "n_total": self.n_total,
            "data": self.data,
            "vectors": asdict(self.vectors) if self.vectors else None,
            "seeds": self.seeds,
            "steps": [s.to_dict() for s in self.steps],
            "order": self.order,
            "orders": self.orders,
        }

    def write(self) -> None:
        ok = [(s.n_examples, s.f1) for s in self.steps if s.f1 is not None]
        dev = [(s.n_examples, s.dev_f1) for s in self.steps if s.dev_f1 is not None]
        spread = [s.f1_sd or 0.0 for s in self.steps if s.f1 is not None]
        if ok:
            self.plot = plot_curve(
                ok, self.output / "curve.png", f"Learning curve: {self.name}", dev,
                spread=spread if len(self.seeds) > 1 else (),
            )  # fmt: skip
        write_json(self.output / "curve.json", self.to_dict())
        (self.output / "curve.md").write_text(self.markdown(), encoding="utf8")


def curve_point(asked: float, n: int, runs: list[CurveRun]) -> CurveStep:
    """A step from its runs: means of the scores of the seeds that trained, the sample sd of
    F1, the median training time (one run: its own numbers)."""
    ok = [r for r in runs if r.status == "ok"]
    failed = [r for r in runs if r.status != "ok"]
    words = round(mean_sd([r.n_words for r in runs])[0] or 0)
    step = CurveStep(asked, n, words, seeds=[r.seed for r in runs], per_seed=runs)
    if failed:
        step.status = "partial" if ok else "failed"
        step.traceback = failed[0].traceback
        step.error = (
            failed[0].error
            if len(runs) == 1
            else "; ".join(f"seed {r.seed}: {r.error}" for r in failed)
        )
    step.f1, step.f1_sd = mean_sd([r.f1 for r in ok if r.f1 is not None])
    step.precision = mean_sd([r.precision for r in ok if r.precision is not None])[0]
    step.recall = mean_sd([r.recall for r in ok if r.recall is not None])[0]
    step.dev_f1 = mean_sd([r.dev_f1 for r in ok if r.dev_f1 is not None])[0]
    step.train_seconds = median([r.train_seconds for r in ok if r.train_seconds is not None])
    return step


__all__ = ["CurveResult", "CurveRun", "CurveStep", "curve_point"]

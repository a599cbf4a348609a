"""The table of an experiment: one row per config (with several seeds, their mean ± sd and
the paired test against the best config), as markdown, JSON and rich.

:mod:`nerkit.training.experiment` runs the configs; this module only holds and lays out what
they gave (:class:`SeedRun` per training, :class:`RunResult` per config,
:class:`ExperimentResult` for the whole table).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .report import human_bytes, markdown_table, percent, write_json
from .seeds import NOT_SUPPORTED, RESAMPLES, mark, mean_pm_sd, mean_sd, median, pooled_test
from .vectorprep import VectorsInfo

if TYPE_CHECKING:
    import numpy as np

    from ..scoring.bootstrap import PairedTest
    from .specs import RunSpec


@dataclass
class SeedRun:
    """One training of a config with one seed: its test scores and cost, or its error."""

    seed: int | None  # the training seed (None: the config's own train.seed)
    status: str = "ok"  # "ok" or "failed"
    error: str | None = None
    f1: float | None = None
    precision: float | None = None
    recall: float | None = None
    per_label_f1: dict[str, float] = field(default_factory=dict)
    dev_f1: float | None = None
    train_seconds: float | None = None
    words_per_second: float | None = None
    model_bytes: int | None = None
    model_dir: str | None = None
    transformer: str | None = None
    oov_rate: float | None = None
    entity_oov_rate: float | None = None
    oov: dict[str, Any] | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    traceback: str | None = None
    # Per test document the micro tp, fp, fn: what the paired test reads (not in the JSON).
    counts: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "counts"}


@dataclass
class RunResult:
    """One config's row: scores on the test data, vectors, cost; or the error that stopped it.

    With several seeds, F1, precision, recall, per-label F1 and dev F1 are means over the
    seeds that trained, ``f1_sd`` their sample standard deviation, training time, speed and
    size medians; ``per_seed`` holds each run. ``status`` is "partial" when some seeds failed
    (the numbers are then of the others).
    """

    name: str
    source: str
    model: str
    status: str = "ok"  # "ok" or "failed"
    error: str | None = None
    vectors: VectorsInfo | None = None
    transformer: str | None = None  # the transformer base's name and source, if any
    f1: float | None = None
    precision: float | None = None
    recall: float | None = None
    per_label_f1: dict[str, float] = field(default_factory=dict)
    oov_rate: float | None = None
    entity_oov_rate: float | None = None
    train_seconds: float | None = None
    words_per_second: float | None = None
    model_bytes: int | None = None
    model_dir: str | None = None
    dev_f1: float | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    oov: dict[str, Any] | None = None
    traceback: str | None = None
    seeds: list[int | None] = field(default_factory=list)  # each run's training seed
    f1_sd: float | None = None  # sample standard deviation of test F1 over the seeds
    per_seed: list[SeedRun] = field(default_factory=list)
    best: bool = False  # the highest mean F1 (tested against with several seeds)
    vs_best: PairedTest | None = None  # the paired test of this config (B) against the best (A)

    def counts(self) -> list[np.ndarray]:
        """The per-document counts of every seed that trained (for the paired test)."""
        return [r.counts for r in self.per_seed if r.status == "ok" and r.counts is not None]

    def to_dict(self) -> dict[str, Any]:
        skip = ("vectors", "per_seed", "vs_best")
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        out["vectors"] = asdict(self.vectors) if self.vectors else None
        out["per_seed"] = [r.to_dict() for r in self.per_seed]
        out["vs_best"] = self.vs_best.to_dict() if self.vs_best else None
        return out


@dataclass
class ExperimentResult:
    """All rows of an experiment and where they were written."""

    output: Path
    runs: list[RunResult]
    data: dict[str, Any]
    seed: int | None = None
    overrides: list[str] = field(default_factory=list)
    date: str = ""
    seeds: int = 1  # runs per config

    def compare_with_best(self) -> None:
        """Mark the config of the highest mean F1 ``best`` and test every other one against
        it (``vs_best``): the paired bootstrap over the test documents, each config's
        per-document counts summed over its seeds (:func:`~nerkit.training.seeds.pooled_test`).
        """
        scored = [r for r in self.runs if r.f1 is not None and r.counts()]
        for r in self.runs:
            r.best, r.vs_best = False, None
        if not scored:
            return
        best = max(scored, key=lambda r: r.f1 or 0.0)  # the first of equal ones
        best.best = True
        for r in scored:
            if r is not best:
                r.vs_best = pooled_test(best.counts(), r.counts())

    def add(self, run: RunResult) -> None:
        """Add a config's row, test the rows against the best (several seeds), write."""
        self.runs.append(run)
        if self.seeds > 1:
            self.compare_with_best()
        self.write()

    @property
    def labels(self) -> list[str]:
        return sorted({label for r in self.runs for label in r.per_label_f1})

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Headers and rows of the comparison table (numbers as text)."""
        labels = self.labels
        headers = [
            "config",
            "model",
            "vectors",
            "vectors trained on",
            "transformer",
            "F1",
            *(["vs best"] if self.seeds > 1 else []),
            "P",
            "R",
            *(f"F1 {label}" for label in labels),
            "OOV tokens %",
            "OOV entity tokens %",
            "train s",
            "words/s",
            "size",
            "status",
        ]
        rows = []
        for r in self.runs:
            v = r.vectors
            rows.append(
                [
                    r.name,
                    r.model,
                    v.label if v else "-",
                    v.trained_on if v else "-",
                    r.transformer.split(" (", 1)[0] if r.transformer else "-",
                    *(
                        [mean_pm_sd(r.f1, r.f1_sd), _vs_best(r)]
                        if self.seeds > 1
                        else [percent(r.f1)]
                    ),
                    percent(r.precision),
                    percent(r.recall),
                    *(
                        percent(r.per_label_f1.get(label)) if r.f1 is not None else "-"
                        for label in labels
                    ),
                    percent(r.oov_rate),
                    percent(r.entity_oov_rate),
                    "-" if r.train_seconds is None else f"{r.train_seconds:.1f}",
                    "-" if r.words_per_second is None else f"{r.words_per_second:,.0f}",
                    human_bytes(r.model_bytes),
                    r.status,
                ]
            )
        return headers, rows

    def markdown(self) -> str:
        """The table with what it was measured on, the vectors and any errors."""
        headers, rows = self.table()
        d = self.data
        if self.seeds > 1:
            start = self.seed if self.seed is not None else "each config's train.seed"
            seeds = f"Seeds: {self.seeds} per config, from {start} (each row's below)."
        else:
            seeds = f"Seed: {self.seed if self.seed is not None else 'per config'}."
        lines = [
            f"# Experiment {self.date}",
            "",
            f"Trained on `{d['train']}` ({d['n_train']} examples), best epoch picked on "
            f"`{d['dev']}` ({d['n_dev']}), scored on `{d['test']}` ({d['n_test']} examples, "
            f"{d['test_words']} words). {seeds}"
            + (f" Overrides: `{' '.join(self.overrides)}`." if self.overrides else ""),
            "",
            markdown_table(headers, rows),
            "",
            "F1, P, R: micro-averaged exact-span scores on the test data, in %. OOV: share of test "
            "tokens (and of tokens inside gold entities) without a row in the config's vectors. "
            "train s: training time; words/s: prediction speed on the test data; size: the model "
            "directory.",
            "",
        ]
        if self.seeds > 1:
            lines += [
                "With several seeds: F1 is the mean ± the sample standard deviation over the "
                "seeds; P, R and F1 per label are means, train s, words/s and size medians. "
                "vs best: F1 points from the best config (highest mean F1), from each config's "
                "per-document counts summed over its seeds; "
                f"{NOT_SUPPORTED}: the paired bootstrap over the test documents "
                f"({RESAMPLES} resamples) does not support the difference (its 95% interval "
                "includes 0), so on data like this the config may be as good as the best.",
                "",
            ]
        for r in self.runs:
            seeds = ", ".join(str(s) for s in r.seeds) if self.seeds > 1 else ""
            lines.append(
                f"- **{r.name}** (`{r.source}`)"
                + (f", seeds {seeds}" if seeds else "")
                + (f": {r.error}" if r.error else "")
            )
            if r.vs_best is not None:
                lines.append(f"  - vs best: {_test_line(r.vs_best)}")
            if r.vectors:
                lines.append(f"  - vectors: {r.vectors.description} (`{r.vectors.path}`)")
            if r.transformer:
                lines.append(f"  - transformer: {r.transformer}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "data": self.data,
            "seed": self.seed,
            "overrides": self.overrides,
            "seeds": self.seeds,
            "labels": self.labels,
            "runs": [r.to_dict() for r in self.runs],
        }

    def write(self) -> None:
        """Write ``results.json`` and ``results.md`` (after every config, so none is lost)."""
        write_json(self.output / "results.json", self.to_dict())
        (self.output / "results.md").write_text(self.markdown(), encoding="utf8")


def config_row(spec: RunSpec, vectors: VectorsInfo | None, runs: list[SeedRun]) -> RunResult:
    """A config's row from its runs: means of the scores of the seeds that trained, the
    sample sd of F1, medians of time, speed and size (one run: its own numbers)."""
    row = RunResult(
        name=spec.name, source=spec.source, model=spec.model, vectors=vectors,
        seeds=[r.seed for r in runs], per_seed=runs,
    )  # fmt: skip
    ok = [r for r in runs if r.status == "ok"]
    failed = [r for r in runs if r.status != "ok"]
    if failed:
        row.status = "partial" if ok else "failed"
        row.traceback = failed[0].traceback
        row.error = (
            failed[0].error
            if len(runs) == 1
            else "; ".join(f"seed {r.seed}: {r.error}" for r in failed)
        )
    if not ok:
        return row
    first = ok[0]
    row.f1, row.f1_sd = mean_sd([r.f1 for r in ok if r.f1 is not None])
    row.precision = mean_sd([r.precision for r in ok if r.precision is not None])[0]
    row.recall = mean_sd([r.recall for r in ok if r.recall is not None])[0]
    row.dev_f1 = mean_sd([r.dev_f1 for r in ok if r.dev_f1 is not None])[0]
    labels = sorted({label for r in ok for label in r.per_label_f1})
    row.per_label_f1 = {
        label: mean_sd([r.per_label_f1.get(label, 0.0) for r in ok])[0] or 0.0 for label in labels
    }
    row.train_seconds = median([r.train_seconds for r in ok if r.train_seconds is not None])
    row.words_per_second = median(
        [r.words_per_second for r in ok if r.words_per_second is not None]
    )
    size = median([r.model_bytes for r in ok if r.model_bytes is not None])
    row.model_bytes = None if size is None else round(size)
    row.model_dir = first.model_dir if len(runs) == 1 else str(Path(first.model_dir or "").parent)
    row.transformer = first.transformer
    row.oov_rate, row.entity_oov_rate, row.oov = first.oov_rate, first.entity_oov_rate, first.oov
    row.scores = first.scores if len(runs) == 1 else {}
    return row


def _vs_best(run: RunResult) -> str:
    """The "vs best" cell: "best", the difference from the best (≈: not supported), or "-"."""
    if run.best:
        return "best"
    return mark(run.vs_best) if run.vs_best is not None else "-"


def _test_line(test: PairedTest) -> str:
    d = test.difference
    verdict = "supported" if test.supported else "not supported"
    return (
        f"{100 * d.value:+.2f} F1 points, 95% interval [{100 * d.low:+.2f}, "
        f"{100 * d.high:+.2f}], {verdict}; the best scores higher in "
        f"{100 * test.a_wins:.0f}% of the resamples"
    )


__all__ = ["ExperimentResult", "RunResult", "SeedRun", "config_row"]

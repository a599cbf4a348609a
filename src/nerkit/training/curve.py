"""Learning curve: train one config on growing shares of the training data, score each on test.

The training examples are shuffled once (seeded) and step ``k`` trains on the first ``n_k`` of
that order, so every step holds all the examples of the steps before it and the curve shows
the effect of more data, not of a different sample. Writes ``curve.png`` (test F1 against the
number of training examples), ``curve.md`` and ``curve.json`` after every step.

With ``seeds=N`` the curve is drawn N times, with seeds ``seed``, ``seed + 1``, ... (see
:mod:`nerkit.training.seeds`), and each seed changes both the shuffle (so the subsets) and the
training seed: the spread is then that of drawing another sample of this size and training
it, which is what a user who annotates that many examples will get, not only that of the
training seed on one lucky or unlucky sample. Each step shows test F1 as mean ± sample
standard deviation over the seeds, and its gain over the step before, tested by the paired
bootstrap over the test documents (each step's per-document counts summed over its seeds);
a gain the test does not support is marked ≈.

Example:
    >>> step_sizes([10, 50, 100], "percent", 84)
    [8, 42, 84]
    >>> step_sizes([20, 5], "examples", 84)
    [5, 20]
    >>> result = learning_curve("perceptron", "train.jsonl", "dev.jsonl", "test.jsonl")  # doctest: +SKIP
    >>> [(s.n_examples, round(s.f1, 2)) for s in result.steps]  # doctest: +SKIP
    [(8, 0.21), (21, 0.45), (42, 0.6), (84, 0.71)]
"""

from __future__ import annotations

import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from .data import check_held_out, read_splits, w201_said_once
from .events import Evaluated, Progress, RunFinished, RunStarted
from .experiment import config_overrides, default_output, write_config
from .report import markdown_table, percent, plot_curve, write_json
from .seeds import (
    NOT_SUPPORTED,
    RESAMPLES,
    check_seeds,
    doc_micro_counts,
    mark,
    mean_pm_sd,
    mean_sd,
    median,
    pooled_test,
    run_seeds,
    seed_step,
)
from .specs import load_spec
from .train import train
from .vectorprep import VectorsInfo, describe_vectors

if TYPE_CHECKING:
    from ..corpus import Example
    from ..scoring.bootstrap import PairedTest

UNITS = ("percent", "examples")


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


def step_sizes(steps: Sequence[float], unit: str, n_total: int) -> list[int]:
    """The number of examples of each step, smallest first (a percentage rounds, at least 1)."""
    if unit not in UNITS:
        raise ConfigError("E327", f"Unknown unit '{unit}'", hint="Use percent or examples.")
    if not steps:
        raise ConfigError("E327", "No steps given", hint="e.g. --steps 10,25,50,100")
    sizes = []
    for step in steps:
        if unit == "percent":
            if not 0 < step <= 100:
                raise ConfigError(
                    "E327",
                    f"Step {step:g}% is not a share of the data",
                    hint="Percentages are in (0, 100]; use --unit examples for counts.",
                )
            sizes.append(max(1, round(step / 100 * n_total)))
        else:
            if step != int(step) or not 1 <= step <= n_total:
                raise ConfigError(
                    "E327",
                    f"Step {step:g} is not a number of examples between 1 and {n_total}",
                    hint=f"The training data has {n_total} examples to train on.",
                )
            sizes.append(int(step))
    return sorted(set(sizes))


def learning_curve(
    config: str | Path,
    train_path: str | Path,
    dev_path: str | Path,
    test_path: str | Path,
    steps: Sequence[float] = (10, 25, 50, 100),
    *,
    unit: str = "percent",
    output: str | Path | None = None,
    vectors: str | Path | None = None,
    format: str | None = None,
    seed: int = 0,
    seeds: int = 1,
    overrides: Sequence[str] = (),
    lang: str = "en",
    keep_models: bool = False,
    progress: Progress | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    processes: int = 2,
) -> CurveResult:
    """Train ``config`` on nested subsets of the training data; test F1 per subset size.

    ``engine="dask"`` trains each subset as a task on a Dask cluster (``scheduler``, else a
    local one of ``processes`` workers); the workers read the data files (and write kept
    models under ``output``), so those must be paths the workers see.

    ``seeds=N`` trains every step N times, with seeds ``seed``, ``seed + 1``, ... (a
    perceptron with ``train.ensemble = k``: k apart, so runs share no member's seed); each
    seed shuffles the data its own way and trains with that seed (kept models under
    ``models/N-examples/seed-S/``). Each step's gain over the step before is tested by the
    paired bootstrap over the test documents, from the predictions the runs made.

    Raises:
        ConfigError: E309, an unknown engine; E360, ``seeds`` below 1; E327, bad steps;
            the config's errors.
    """
    if engine not in ("local", "dask"):
        raise ConfigError("E309", f"--engine {engine!r}", hint="Use local or dask.")
    check_seeds(seeds)

    spec = load_spec(config, overrides)
    resolved = spec.resolve()
    own = getattr(resolved.sections.get("vectors"), "path", "")
    if spec.needs_vectors(resolved) and not vectors:
        raise ConfigError(
            "E326",
            f"Config '{spec.name}' needs vectors but none were given",
            path=spec.source,
            hint="Pass --vectors DIR (made by `nerkit vectors train`) or set vectors.path.",
        )
    where = own or vectors
    info = describe_vectors(where) if where and (own or spec.needs_vectors(resolved)) else None
    train_ex, dev_ex, test_ex = read_splits(train_path, dev_path, test_path, format, lang)
    check_held_out(train_ex, dev_ex, test_ex, dev_path, test_path)
    emit: Progress = progress or (lambda event: None)
    sizes = step_sizes(steps, unit, len(train_ex))
    asked: dict[int, float] = {}
    for value in steps:
        n = step_sizes([value], unit, len(train_ex))[0]
        asked.setdefault(n, float(value))
    seed_list = [
        s for s in run_seeds(seed, seeds, seed, seed_step(resolved.sections.get("train")))
        if s is not None
    ]  # fmt: skip
    orders = [np.random.default_rng(s).permutation(len(train_ex)).tolist() for s in seed_list]
    several = seeds > 1
    out = Path(output) if output is not None else default_output("curve")
    out.mkdir(parents=True, exist_ok=True)
    config_path = write_config(
        spec, config_overrides(spec, info.path if info else None, seed), out / "config.toml"
    )
    result = CurveResult(
        name=spec.name,
        source=spec.source,
        unit=unit,
        n_total=len(train_ex),
        order=orders[0],
        output=out,
        vectors=info,
        data={"train": str(train_path), "dev": str(dev_path), "test": str(test_path), "seed": seed},
        seeds=seed_list,
        orders=orders,
    )
    total = len(sizes) * len(seed_list)
    # The seed is in the events (and the directories' names) only when there are several.
    shown = (lambda s: s) if several else (lambda s: None)

    def finished(run: CurveRun) -> None:
        f1 = run.f1 if run.status == "ok" else None
        emit(RunFinished(spec.name, f1, run.error, seed=shown(run.seed)))

    keep_under = out if keep_models else None
    if engine == "dask":
        from ..cluster import dask_client

        paths = (str(train_path), str(dev_path), str(test_path))
        keep_under = out.resolve() if keep_models else None
        with dask_client(scheduler, processes) as client:
            futures: list[Any] = []
            for n in sizes:
                for s, order in zip(seed_list, orders):  # every run a task
                    emit(RunStarted(spec.name, len(futures) + 1, total, examples=n,
                                    seed=shown(s)))  # fmt: skip
                    futures.append(client.submit(
                        _remote_step, paths, format, lang, order, n, config_path,
                        keep_under, s, several, pure=False,
                    ))  # fmt: skip
            done = iter(futures)
            for n in sizes:
                runs = []
                for _ in seed_list:
                    runs.append(next(done).result())
                    finished(runs[-1])
                result.add(curve_point(asked[n], n, runs))
        return result
    index = 0
    for n in sizes:
        runs = []
        for s, order in zip(seed_list, orders):
            index += 1
            emit(RunStarted(spec.name, index, total, examples=n, seed=shown(s)))
            runs.append(_curve_step(
                train_ex, dev_ex, test_ex, order, n, config_path, keep_under,
                _epoch_callback(emit, spec.name, n), s, several,
            ))  # fmt: skip
            finished(runs[-1])
        result.add(curve_point(asked[n], n, runs))
    return result


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


def _curve_step(
    train_ex: list[Example],
    dev_ex: list[Example],
    test_ex: list[Example],
    order: list[int],
    n: int,
    config_path: Path,
    keep_under: Path | None,
    callback: Callable[[Evaluated], None] | None,
    seed: int,
    several: bool = False,
) -> CurveRun:
    """Train with ``seed`` on the first ``n`` examples of ``order`` and test; the model is
    kept under ``keep_under`` when given (with ``several`` seeds in ``seed-S/``), else
    deleted. An error is kept in the run, not raised."""
    from ..scoring import evaluate

    subset = [train_ex[j] for j in order[:n]]
    run = CurveRun(seed, sum(len(ex.doc) for ex in subset))
    model_dir = None
    if keep_under is not None:
        model_dir = keep_under / "models" / f"{n}-examples"
        model_dir = model_dir / f"seed-{seed}" if several else model_dir
    tmp = None if model_dir is not None else Path(tempfile.mkdtemp(prefix="nerkit-curve-"))
    try:
        start = time.perf_counter()
        with w201_said_once():
            trained = train(
                subset, dev_ex or None, model_dir or tmp, config=config_path, seed=seed,
                callback=callback,
            )  # fmt: skip
        run.train_seconds = trained.seconds or time.perf_counter() - start
        run.dev_f1 = trained.evaluation.scores.f1 if trained.evaluation else None
        evaluation = evaluate(trained.nlp, test_ex)
        scores = evaluation.scores
        run.f1, run.precision, run.recall = scores.f1, scores.precision, scores.recall
        run.counts = doc_micro_counts(evaluation.gold, evaluation.pred)
    except Exception as err:  # keep the other steps
        run.status, run.error = "failed", f"{type(err).__name__}: {err}"
        run.traceback = traceback.format_exc()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return run


def _remote_step(
    paths: tuple[str, str, str],
    format: str | None,
    lang: str,
    order: list[int],
    n: int,
    config_path: Path,
    keep_under: Path | None,
    seed: int,
    several: bool,
) -> CurveRun:
    """One seed's run of one step on a Dask worker, which reads the data itself."""
    try:
        import torch

        torch.set_num_threads(1)  # one worker process per core
    except ImportError:  # pragma: no cover - a perceptron-only install
        pass
    train_ex, dev_ex, test_ex = read_splits(*paths, format, lang)
    return _curve_step(
        train_ex, dev_ex, test_ex, order, n, config_path, keep_under, None, seed, several
    )


def _epoch_callback(emit: Progress, name: str, n: int) -> Callable[[Evaluated], None]:
    return lambda event: emit(replace(event, run=name, examples=n))

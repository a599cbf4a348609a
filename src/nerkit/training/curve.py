"""Learning curve: train one config on growing shares of the training data, score each on test.

The training examples are shuffled once (seeded) and step ``k`` trains on the first ``n_k`` of
that order, so every step holds all the examples of the steps before it and the curve shows
the effect of more data, not of a different sample. Writes ``curve.png`` (test F1 against the
number of training examples), ``curve.md`` and ``curve.json`` after every step.

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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from .data import check_held_out, read_splits, w201_said_once
from .events import Evaluated, Progress, RunFinished, RunStarted
from .experiment import config_overrides, default_output, write_config
from .report import markdown_table, percent, plot_curve, write_json
from .specs import load_spec
from .train import train
from .vectorprep import VectorsInfo, describe_vectors

if TYPE_CHECKING:
    from ..corpus import Example

UNITS = ("percent", "examples")


@dataclass
class CurveStep:
    """One point of the curve: how much data, and the scores it gave."""

    step: float  # as asked: a percentage or a number of examples
    n_examples: int
    n_words: int
    f1: float | None = None
    precision: float | None = None
    recall: float | None = None
    dev_f1: float | None = None
    train_seconds: float | None = None
    status: str = "ok"
    error: str | None = None
    traceback: str | None = None


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

    def indices(self, step: CurveStep) -> list[int]:
        """The training examples (indices in the file's trainable examples) of ``step``."""
        return self.order[: step.n_examples]

    def table(self) -> tuple[list[str], list[list[str]]]:
        headers = ["step", "examples", "words", "test F1", "P", "R", "dev F1", "train s", "status"]
        unit = "%" if self.unit == "percent" else ""
        rows = [
            [
                f"{s.step:g}{unit}",
                str(s.n_examples),
                str(s.n_words),
                percent(s.f1),
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
        lines = [
            f"# Learning curve of {self.name} (`{self.source}`)",
            "",
            f"Subsets of `{d.get('train')}` ({self.n_total} examples, one seeded shuffle, "
            f"seed {d.get('seed')}; each step contains the previous ones); best epoch picked on "
            f"`{d.get('dev')}`, scored on `{d.get('test')}`. Scores in %.",
            "",
            markdown_table(headers, rows),
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
            "steps": [asdict(s) for s in self.steps],
            "order": self.order,
        }

    def write(self) -> None:
        ok = [(s.n_examples, s.f1) for s in self.steps if s.f1 is not None]
        dev = [(s.n_examples, s.dev_f1) for s in self.steps if s.dev_f1 is not None]
        if ok:
            self.plot = plot_curve(
                ok, self.output / "curve.png", f"Learning curve: {self.name}", dev
            )
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
    """
    if engine not in ("local", "dask"):
        raise ConfigError("E309", f"--engine {engine!r}", hint="Use local or dask.")

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
    order = np.random.default_rng(seed).permutation(len(train_ex)).tolist()
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
        order=order,
        output=out,
        vectors=info,
        data={"train": str(train_path), "dev": str(dev_path), "test": str(test_path), "seed": seed},
    )
    if engine == "dask":
        from ..cluster import dask_client

        paths = (str(train_path), str(dev_path), str(test_path))
        with dask_client(scheduler, processes) as client:
            futures = []
            for i, n in enumerate(sizes):
                emit(RunStarted(spec.name, i + 1, len(sizes), examples=n))
                futures.append(client.submit(
                    _remote_step, paths, format, lang, order, n, asked[n], config_path,
                    out.resolve() if keep_models else None, spec.name, pure=False,
                ))  # fmt: skip
            for future in futures:
                step = future.result()
                result.steps.append(step)
                result.write()
                emit(RunFinished(spec.name, step.f1 if step.status == "ok" else None, step.error))
        return result
    for i, n in enumerate(sizes):
        emit(RunStarted(spec.name, i + 1, len(sizes), examples=n))
        step = _curve_step(
            train_ex, dev_ex, test_ex, order, n, asked[n], config_path,
            out if keep_models else None, _epoch_callback(emit, spec.name, n),
        )  # fmt: skip
        result.steps.append(step)
        result.write()
        emit(RunFinished(spec.name, step.f1 if step.status == "ok" else None, step.error))
    return result


def _curve_step(
    train_ex: list[Example],
    dev_ex: list[Example],
    test_ex: list[Example],
    order: list[int],
    n: int,
    asked: float,
    config_path: Path,
    keep_under: Path | None,
    callback: Callable[[Evaluated], None] | None,
) -> CurveStep:
    """Train on the first ``n`` examples of ``order`` and test; the model is kept under
    ``keep_under`` when given, else deleted."""
    from ..scoring import evaluate

    subset = [train_ex[j] for j in order[:n]]
    step = CurveStep(asked, n, sum(len(ex.doc) for ex in subset))
    model_dir = keep_under / "models" / f"{n}-examples" if keep_under is not None else None
    tmp = None if model_dir is not None else Path(tempfile.mkdtemp(prefix="nerkit-curve-"))
    try:
        start = time.perf_counter()
        with w201_said_once():
            trained = train(
                subset, dev_ex or None, model_dir or tmp, config=config_path, callback=callback
            )
        step.train_seconds = trained.seconds or time.perf_counter() - start
        step.dev_f1 = trained.evaluation.scores.f1 if trained.evaluation else None
        scores = evaluate(trained.nlp, test_ex).scores
        step.f1, step.precision, step.recall = scores.f1, scores.precision, scores.recall
    except Exception as err:  # keep the other steps
        step.status, step.error = "failed", f"{type(err).__name__}: {err}"
        step.traceback = traceback.format_exc()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return step


def _remote_step(
    paths: tuple[str, str, str],
    format: str | None,
    lang: str,
    order: list[int],
    n: int,
    asked: float,
    config_path: Path,
    keep_under: Path | None,
    name: str,
) -> CurveStep:
    """One step of the curve on a Dask worker, which reads the data itself."""
    try:
        import torch

        torch.set_num_threads(1)  # one worker process per core
    except ImportError:  # pragma: no cover - a perceptron-only install
        pass
    train_ex, dev_ex, test_ex = read_splits(*paths, format, lang)
    return _curve_step(train_ex, dev_ex, test_ex, order, n, asked, config_path, keep_under, None)


def _epoch_callback(emit: Progress, name: str, n: int) -> Callable[[Evaluated], None]:
    return lambda event: emit(replace(event, run=name, examples=n))

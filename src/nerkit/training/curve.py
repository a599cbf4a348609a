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
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from .curve_results import CurveResult, CurveRun, CurveStep, curve_point
from .data import check_held_out, read_splits, w201_said_once
from .events import Evaluated, Progress, RunFinished, RunStarted
from .experiment import config_overrides, default_output, write_config
from .seeds import check_seeds, doc_micro_counts, run_seeds, seed_step
from .specs import load_spec
from .train import train
from .vectorprep import describe_vectors

if TYPE_CHECKING:
    from ..corpus import Example

UNITS = ("percent", "examples")


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


__all__ = ["CurveResult", "CurveRun", "CurveStep", "curve_point", "learning_curve", "step_sizes"]

"""Compare configs on the same data: one table of test F1, OOV rate, training time, speed, size.

Every config is trained on the same training and dev data, one after another, and scored on
the test data. A config that fails is a row saying why; the others' results stay. The table is
written as ``results.md`` and ``results.json`` in the output directory after every config, the
models under ``models/NAME/`` and the configs exactly as they ran under ``configs/``.

Training learns from every answer in the training data (complete and binary); dev and test
are scored on complete accepted answers. Before anything trains, the data is checked to be held
out, as :class:`~nerkit.errors.NerkitWarning`: W201 when dev texts are training texts, W204
when test texts are, W203 when dev and test are the same data (the same file or texts in both).

With ``seeds=N`` each config is trained N times (training seeds ``seed``, ``seed + 1``, ...;
see :mod:`nerkit.training.seeds`): its row shows test F1 as mean ± sample standard deviation
over the seeds, and every config is tested against the best one (highest mean F1) by the
paired bootstrap over the test documents, each config's per-document counts summed over its
seeds; a difference the test does not support is marked ≈.

Configs that ask for vectors by kind (``[experiment] vectors = "word2vec"``) get them from
``vectors_w2v``/``vectors_ft``, or vectors trained on ``vectors_raw`` plus the training texts
(cached in ``OUTPUT/vectors/`` and reused when the inputs and settings are the same).

Example:
    >>> result = run_experiment(  # doctest: +SKIP
    ...     ["blank", "perceptron"], "train.jsonl", "dev.jsonl", "test.jsonl", output="exp"
    ... )
    >>> [(r.name, round(r.f1, 3)) for r in result.runs]  # doctest: +SKIP
    [('blank', 0.812), ('perceptron', 0.840)]
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .data import check_held_out, read_splits, w201_said_once
from .events import Progress, RunFinished, RunStarted
from .experiment_results import ExperimentResult, RunResult, SeedRun, config_row
from .report import dir_bytes
from .seeds import check_seeds, doc_micro_counts, run_seeds, seed_step
from .specs import RunSpec, load_specs
from .train import train
from .vectorprep import VectorsInfo, describe_vectors, prepare_vectors

if TYPE_CHECKING:
    from ..corpus.example import Example

DEFAULT_CONFIGS = (
    "blank",
    "word2vec-static",
    "word2vec-fine-tune",
    "fasttext-fine-tune",
    "perceptron",
    "perceptron-word2vec",
)


def default_output(kind: str = "") -> Path:
    """``experiments/<timestamp>`` (or ``experiments/<kind>-<timestamp>``)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("experiments") / (f"{kind}-{stamp}" if kind else stamp)


def run_experiment(
    configs: Sequence[str | Path],
    train_path: str | Path,
    dev_path: str | Path,
    test_path: str | Path,
    output: str | Path | None = None,
    *,
    vectors: str | Path | None = None,
    vectors_raw: Sequence[str | Path] = (),
    vectors_w2v: str | Path | None = None,
    vectors_ft: str | Path | None = None,
    format: str | None = None,
    seed: int | None = None,
    seeds: int = 1,
    overrides: Sequence[str] = (),
    lang: str = "en",
    progress: Progress | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    processes: int = 2,
) -> ExperimentResult:
    """Train each config in turn on the same data and tabulate their test scores and costs.

    ``configs`` are TOML files or packaged names (empty: :data:`DEFAULT_CONFIGS`). Every
    config is checked before anything trains; errors while training one are kept in its row.
    ``engine="dask"`` trains each config as a task on a Dask cluster (``scheduler``, else a
    local one of ``processes`` workers): the workers read the data files and write the model
    directories under ``output`` themselves, so both must be paths the workers see.

    ``seeds=N`` trains each config N times, with training seeds ``seed``, ``seed + 1``, ...
    (without ``seed``: from each config's own ``train.seed``; a perceptron with
    ``train.ensemble = k`` steps by k, since its members take seeds seed ... seed + k - 1),
    into ``models/NAME/seed-S/`` with ``configs/NAME/seed-S.toml``; with Dask each run is a
    task. The row is the mean ± sample sd of test F1 over the seeds, and every config is
    tested against the best (:meth:`ExperimentResult.compare_with_best`) from the test
    predictions the runs made: nothing is trained or predicted again for the test.

    Raises:
        ConfigError: E309, an unknown engine; E360, ``seeds`` below 1; the configs' errors.
    """
    if engine not in ("local", "dask"):
        raise ConfigError("E309", f"--engine {engine!r}", hint="Use local or dask.")
    check_seeds(seeds)
    specs = load_specs(list(configs) or list(DEFAULT_CONFIGS), overrides)
    plan = [(spec, _spec_seeds(spec, seed, seeds)) for spec in specs]
    out = Path(output) if output is not None else default_output()
    train_ex, dev_ex, test_ex = read_splits(train_path, dev_path, test_path, format, lang)
    check_held_out(train_ex, dev_ex, test_ex, dev_path, test_path)
    emit: Progress = progress or (lambda event: None)
    given = {"word2vec": vectors_w2v, "fasttext": vectors_ft}
    vector_paths = prepare_vectors(
        specs,
        # One copy of each text: a text with several answers is still one text to learn from.
        list({ex.text: ex for ex in train_ex}.values()),
        train_path,
        out / "vectors",
        vectors=vectors,
        raw=vectors_raw,
        given=given,
        seed=seed or 0,
        lang=lang,
        progress=emit,
    )
    out.mkdir(parents=True, exist_ok=True)
    result = ExperimentResult(
        output=out,
        runs=[],
        data={
            "train": str(train_path),
            "dev": str(dev_path),
            "test": str(test_path),
            "n_train": len(train_ex),
            "n_dev": len(dev_ex),
            "n_test": len(test_ex),
            "test_words": sum(len(ex.doc) for ex in test_ex),
        },
        seed=seed,
        overrides=list(overrides),
        date=datetime.now().isoformat(timespec="seconds"),
        seeds=seeds,
    )
    total = seeds * len(specs)
    # The seed is in the events (and the directories' names) only when there are several.
    shown = (lambda s: s) if seeds > 1 else (lambda s: None)

    def finished(spec: RunSpec, run: SeedRun) -> None:
        f1 = run.f1 if run.status == "ok" else None
        emit(RunFinished(spec.name, f1, run.error, seed=shown(run.seed)))

    if engine == "dask":
        from ..cluster import dask_client

        paths = (str(train_path), str(dev_path), str(test_path))
        with dask_client(scheduler, processes) as client:
            futures: list[Any] = []
            for spec, spec_seeds in plan:
                for s in spec_seeds:  # every run a task: seeds train in parallel too
                    emit(RunStarted(spec.name, len(futures) + 1, total, model=spec.model,
                                    seed=shown(s)))  # fmt: skip
                    futures.append(client.submit(
                        _remote_run, spec, paths, format, lang, out.resolve(),
                        vector_paths.get(spec.name), s, seeds > 1, pure=False,
                    ))  # fmt: skip
            done = iter(futures)
            for spec, spec_seeds in plan:
                runs = []
                for _ in spec_seeds:
                    runs.append(next(done).result())
                    finished(spec, runs[-1])
                result.add(config_row(spec, vector_paths.get(spec.name), runs))
        return result
    index = 0
    for spec, spec_seeds in plan:
        runs = []
        for s in spec_seeds:
            index += 1
            emit(RunStarted(spec.name, index, total, model=spec.model, seed=shown(s)))
            vectors_info = vector_paths.get(spec.name)
            runs.append(_run_one(
                spec, train_ex, dev_ex, test_ex, out, vectors_info, s, emit, seeds > 1
            ))  # fmt: skip
            finished(spec, runs[-1])
        result.add(config_row(spec, vector_paths.get(spec.name), runs))
    return result


def _spec_seeds(spec: RunSpec, seed: int | None, n: int) -> list[int | None]:
    """The training seeds of a config's ``n`` runs (:func:`~nerkit.training.seeds.run_seeds`)."""
    settings = spec.resolve().sections.get("train")
    return run_seeds(seed, n, getattr(settings, "seed", 0), seed_step(settings))


def _remote_run(
    spec: RunSpec,
    paths: tuple[str, str, str],
    format: str | None,
    lang: str,
    out: Path,
    vectors: VectorsInfo | None,
    seed: int | None,
    several: bool,
) -> SeedRun:
    """One run of a config trained and tested on a Dask worker, which reads the data itself."""
    train_ex, dev_ex, test_ex = read_splits(*paths, format, lang)
    try:
        import torch

        torch.set_num_threads(1)  # one worker process per core
    except ImportError:  # pragma: no cover - a perceptron-only install
        pass
    return _run_one(
        spec, train_ex, dev_ex, test_ex, out, vectors, seed, lambda event: None, several
    )


def config_overrides(spec: RunSpec, vectors_path: str | None, seed: int | None) -> list[str]:
    """The extra settings a run gets: its vectors path and the experiment's seed."""
    extra = []
    if vectors_path:
        # Absolute: the config is saved and may be run from another directory.
        extra.append(f'vectors.path="{_toml_escape(str(Path(vectors_path).resolve()))}"')
    if seed is not None:
        extra.append(f"train.seed={seed}")
    return extra


def write_config(spec: RunSpec, extra: Sequence[str], path: Path) -> Path:
    """Write the fully resolved config of ``spec`` (what `nerkit train --config` reads)."""
    import tomli_w

    data = spec.resolve(extra).to_dict()
    clean = {s: {k: v for k, v in d.items() if v is not None} for s, d in data.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(clean), encoding="utf8")
    return path


def safe_name(name: str) -> str:
    """A config name usable as a file name."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "config"


def _run_one(
    spec: RunSpec,
    train_ex: list[Example],
    dev_ex: list[Example],
    test_ex: list[Example],
    out: Path,
    vectors: VectorsInfo | None,
    seed: int | None,
    emit: Progress,
    several: bool = False,
) -> SeedRun:
    """Train ``spec`` with ``seed`` and test it; with ``several`` seeds its config and model
    go under ``NAME/seed-S``. An error is kept in the run, not raised."""
    from ..scoring import evaluate

    run = SeedRun(seed=seed)
    where = safe_name(spec.name) + (f"/seed-{seed}" if several else "")
    try:
        extra = config_overrides(spec, vectors.path if vectors else None, seed)
        config = write_config(spec, extra, out / "configs" / f"{where}.toml")
        model_dir = out / "models" / where
        start = time.perf_counter()
        with w201_said_once():
            trained = train(
                train_ex,
                dev_ex or None,
                model_dir,
                config=config,
                callback=lambda event: emit(replace(event, run=spec.name)),
            )
        run.train_seconds = trained.seconds or time.perf_counter() - start
        run.dev_f1 = trained.evaluation.scores.f1 if trained.evaluation else None
        evaluation = evaluate(trained.nlp, test_ex)
        s = evaluation.scores
        run.f1, run.precision, run.recall = s.f1, s.precision, s.recall
        run.per_label_f1 = {label: prf.f1 for label, prf in s.per_label.items()}
        run.scores = s.to_dict()
        run.words_per_second = evaluation.words_per_second
        run.counts = doc_micro_counts(evaluation.gold, evaluation.pred)
        run.model_dir = str(model_dir)
        run.model_bytes = dir_bytes(model_dir)
        if trained.nlp.recognizer is not None:
            run.transformer = transformer_base(trained.nlp.recognizer.config())
        if vectors is not None:
            from ..vectors import Vectors
            from ..vectors.oov import oov_report

            report = oov_report(Vectors.from_disk(vectors.path), test_ex)
            run.oov_rate, run.entity_oov_rate = report.oov_rate, report.entity_oov_rate
            run.oov = report.to_dict()
    except Exception as err:  # one config's failure must not lose the others' results
        run.status = "failed"
        run.error = f"{type(err).__name__}: {err}"
        run.traceback = traceback.format_exc()
    return run


def transformer_base(config: dict[str, Any]) -> str | None:
    """``NAME (SOURCE)`` of the transformer a trained model reads (its resolved config)."""
    section = config.get("transformer") or {}
    if not section.get("source"):
        return None
    return f"{section.get('source_name') or section['source']} ({section['source']})"


def _toml_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


__all__ = [
    "DEFAULT_CONFIGS",
    "ExperimentResult",
    "RunResult",
    "SeedRun",
    "describe_vectors",
    "run_experiment",
]

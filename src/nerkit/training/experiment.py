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
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .data import check_held_out, read_splits, w201_said_once
from .events import Progress, RunFinished, RunStarted
from .report import dir_bytes, human_bytes, markdown_table, percent, write_json
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
from .specs import RunSpec, load_specs
from .train import train
from .vectorprep import VectorsInfo, describe_vectors, prepare_vectors

if TYPE_CHECKING:
    import numpy as np

    from ..corpus.example import Example
    from ..scoring.bootstrap import PairedTest

DEFAULT_CONFIGS = (
    "blank",
    "word2vec-static",
    "word2vec-fine-tune",
    "fasttext-fine-tune",
    "perceptron",
    "perceptron-word2vec",
)


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

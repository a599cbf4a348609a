"""Compare configs on the same data: one table of test F1, OOV rate, training time, speed, size.

Every config is trained on the same training and dev data, one after another, and scored on
the test data. A config that fails is a row saying why; the others' results stay. The table is
written as ``results.md`` and ``results.json`` in the output directory after every config, the
models under ``models/NAME/`` and the configs exactly as they ran under ``configs/``.

Training learns from every answer in the training data (complete and binary); dev and test
are scored on complete accepted answers. Before anything trains, the data is checked to be held
out, as :class:`~nerkit.errors.NerkitWarning`: W201 when dev texts are training texts, W204
when test texts are, W203 when dev and test are the same data (the same file or texts in both).

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
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .data import check_held_out, read_splits, w201_said_once
from .events import Progress, RunFinished, RunStarted
from .report import dir_bytes, human_bytes, markdown_table, percent, write_json
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


@dataclass
class RunResult:
    """One config's row: scores on the test data, vectors, cost; or the error that stopped it."""

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


@dataclass
class ExperimentResult:
    """All rows of an experiment and where they were written."""

    output: Path
    runs: list[RunResult]
    data: dict[str, Any]
    seed: int | None = None
    overrides: list[str] = field(default_factory=list)
    date: str = ""

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
                    percent(r.f1),
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
        lines = [
            f"# Experiment {self.date}",
            "",
            f"Trained on `{d['train']}` ({d['n_train']} examples), best epoch picked on "
            f"`{d['dev']}` ({d['n_dev']}), scored on `{d['test']}` ({d['n_test']} examples, "
            f"{d['test_words']} words). Seed: {self.seed if self.seed is not None else 'per config'}."
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
        for r in self.runs:
            lines.append(f"- **{r.name}** (`{r.source}`)" + (f": {r.error}" if r.error else ""))
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
            "labels": self.labels,
            "runs": [asdict(r) for r in self.runs],
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
    """
    if engine not in ("local", "dask"):
        raise ConfigError("E309", f"--engine {engine!r}", hint="Use local or dask.")
    specs = load_specs(list(configs) or list(DEFAULT_CONFIGS), overrides)
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
    )
    if engine == "dask":
        from ..cluster import dask_client

        paths = (str(train_path), str(dev_path), str(test_path))
        with dask_client(scheduler, processes) as client:
            futures = []
            for i, spec in enumerate(specs):
                emit(RunStarted(spec.name, i + 1, len(specs), model=spec.model))
                futures.append(client.submit(
                    _remote_run, spec, paths, format, lang, out.resolve(),
                    vector_paths.get(spec.name), seed, pure=False,
                ))  # fmt: skip
            for spec, future in zip(specs, futures):
                run = future.result()
                result.runs.append(run)
                result.write()
                emit(RunFinished(spec.name, run.f1 if run.status == "ok" else None, run.error))
        return result
    for i, spec in enumerate(specs):
        emit(RunStarted(spec.name, i + 1, len(specs), model=spec.model))
        run = _run_one(
            spec, train_ex, dev_ex, test_ex, out, vector_paths.get(spec.name), seed, emit
        )
        result.runs.append(run)
        result.write()
        emit(RunFinished(spec.name, run.f1 if run.status == "ok" else None, run.error))
    return result


def _remote_run(
    spec: RunSpec,
    paths: tuple[str, str, str],
    format: str | None,
    lang: str,
    out: Path,
    vectors: VectorsInfo | None,
    seed: int | None,
) -> RunResult:
    """One config trained and tested on a Dask worker, which reads the data itself."""
    train_ex, dev_ex, test_ex = read_splits(*paths, format, lang)
    try:
        import torch

        torch.set_num_threads(1)  # one worker process per core
    except ImportError:  # pragma: no cover - a perceptron-only install
        pass
    return _run_one(spec, train_ex, dev_ex, test_ex, out, vectors, seed, lambda event: None)


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
) -> RunResult:
    from ..scoring import evaluate

    run = RunResult(name=spec.name, source=spec.source, model=spec.model, vectors=vectors)
    try:
        extra = config_overrides(spec, vectors.path if vectors else None, seed)
        config = write_config(spec, extra, out / "configs" / f"{safe_name(spec.name)}.toml")
        model_dir = out / "models" / safe_name(spec.name)
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
    "describe_vectors",
    "run_experiment",
]

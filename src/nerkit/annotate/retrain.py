"""The model improves while people annotate: ``nerkit annotate correct|teach --retrain-every N``.

After every ``N`` new answers (accept or reject; ignore does not count) a :class:`Retrainer`
starts one retraining in a background *process* (``retrain_job.py``: the dataset's answers
from the store, trained with :func:`nerkit.training.train` from the session model's config),
so the app stays responsive; one at a time, and answers that arrive meanwhile count towards
the next one, which starts when this one ends once ``N`` more have arrived. Each new model is
written to ``models_dir/vNNNN`` (numbered on from the highest there).

The swap rule: the job scores the new model and the model in use on the same dev texts, and
the new model replaces the one in use only when its dev F1 is strictly higher. The dev texts
are ``dev`` (a data file or ``db:NAME`` with complete answers, the same every time; its texts
never train), else the stable dev split of the dataset's complete answers at the time of
training (:func:`~nerkit.training.data.split_dev_stable`: a text is dev by a hash of itself,
so a text never changes sides as answers are added, and no model trained here has seen a dev
text complete). With fewer than ``min_dev`` dev texts a model is trained and kept, but not
used. Swapping loads the
new model in this thread and hands it to the recipe (``use_model``): tasks handed out before
stay as they are; the next ones come from the new model. In ``models_dir`` the model in use
and the newest are kept, older ``vNNNN`` directories removed; ``retrain.jsonl`` has a line per
retraining, ``.jobs/`` each job's spec, result and log.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..pipeline import Pipeline

MIN_DEV_TEXTS = 3  # fewer dev texts than this: a model is trained but never swapped in
VERSION_DIR = re.compile(r"v(\d{4,})")
LOG_NAME = "retrain.jsonl"
JOBS_DIR = ".jobs"


@dataclass(frozen=True)
class RetrainSettings:
    """How the annotation app retrains (see the module doc)."""

    every: int
    models_dir: Path
    dev_split: float = 0.2
    overrides: tuple[str, ...] = ()
    seed: int = 0
    min_dev: int = MIN_DEV_TEXTS
    dev: str | None = None  # a data file or db:NAME: the dev texts, instead of a split

    def check(self) -> None:
        """E513 for settings no retraining could use; E511 when ``models_dir`` cannot hold
        models (made here when missing)."""
        if self.every < 1:
            raise ConfigError(
                "E513", f"--retrain-every {self.every}: retrain after 1 or more answers"
            )
        if not 0.0 < self.dev_split < 1.0:
            raise ConfigError(
                "E513",
                f"--retrain-dev-split {self.dev_split}: a fraction between 0 and 1",
                hint="e.g. 0.2 scores the models on about a fifth of the completely "
                "annotated texts.",
            )
        if self.min_dev < 1:
            raise ConfigError("E513", f"min_dev {self.min_dev}: at least 1 dev text")
        try:
            self.models_dir.mkdir(parents=True, exist_ok=True)
            probe = self.models_dir / ".nerkit-write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as err:
            raise ConfigError(
                "E511",
                f"--models-dir {self.models_dir}: cannot write models there "
                f"({err.strerror or err})",
                hint="Name a folder you can write to (it is made if missing).",
            ) from None


@dataclass
class ModelInfo:
    """The model in use: its version (0: the one the app started with), its directory, and
    its dev F1 on the dev split of the latest retraining (None until one scored it)."""

    version: int
    path: Path
    dev_f1: float | None = None
    dev_texts: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.path.name,
            "dev_f1": None if self.dev_f1 is None else round(self.dev_f1, 4),
            "dev_texts": self.dev_texts,
        }


@dataclass
class _Job:
    version: int
    output: Path
    result: Path
    log: Path
    proc: subprocess.Popen[bytes]
    log_file: IO[bytes]
    started: float = field(default_factory=time.time)


class Retrainer:
    """Counts answers, runs one retraining at a time, swaps better models in (module doc).

    ``use_model`` is called with each model that wins the comparison (from the thread that
    watched its job). ``model_dir`` is the model the app started with: its config.toml is
    what every retraining trains with (plus ``settings.overrides``), its tokenizer the new
    models' tokenizer, so their suggestions fall on the tokens the page shows.
    """

    def __init__(
        self,
        settings: RetrainSettings,
        *,
        db_url: str,
        dataset: str,
        model_dir: Path,
        labels: Sequence[str],
        use_model: Callable[[Pipeline], None],
    ) -> None:
        self.settings = settings
        self.db_url, self.dataset = db_url, dataset
        self.initial = Path(model_dir)
        self.labels = list(labels)
        self.use_model = use_model
        self.current = ModelInfo(0, self.initial)
        self.pending = 0  # answers since the last retraining started
        self.running: _Job | None = None
        self.last: dict[str, Any] | None = None
        self.next_version = 1 + max(_versions(settings.models_dir), default=0)
        self._closed = False
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    # -- counting and starting ----------------------------------------------------------------

    def answered(self, answer: str) -> None:
        """One more answer stored; starts a retraining once ``every`` have come since the last
        one started, unless one is running (then it starts when that one ends)."""
        if answer == "ignore":
            return
        with self._lock:
            self.pending += 1
            self._maybe_start()

    def _maybe_start(self) -> None:  # the lock is held
        if self._closed or self.running is not None or self.pending < self.settings.every:
            return
        self.pending = 0
        version = self.next_version
        self.next_version += 1
        self.running = self._start(version)
        threading.Thread(
            target=self._watch, args=(self.running,), name=f"nerkit-retrain-{version}", daemon=True
        ).start()

    def _start(self, version: int) -> _Job:
        models = self.settings.models_dir
        jobs = models / JOBS_DIR
        jobs.mkdir(parents=True, exist_ok=True)
        name = f"v{version:04d}"
        output, result, log = models / name, jobs / f"{name}.result.json", jobs / f"{name}.log"
        result.unlink(missing_ok=True)
        spec = {
            "db": self.db_url,
            "dataset": self.dataset,
            "version": version,
            "output": str(output),
            "result": str(result),
            "config": str(self.initial / "config.toml"),
            "overrides": list(self.settings.overrides),
            "tokenizer": str(self.initial),
            "labels": self.labels,
            "current": str(self.current.path),
            "dev_split": self.settings.dev_split,
            "dev": self.settings.dev,
            "seed": self.settings.seed,
            "min_dev": self.settings.min_dev,
        }
        spec_path = jobs / f"{name}.json"
        spec_path.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf8")
        log_file = log.open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "nerkit.annotate.retrain_job", str(spec_path)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        return _Job(version, output, result, log, proc, log_file)

    # -- when a job ends ----------------------------------------------------------------------

    def _watch(self, job: _Job) -> None:
        code = job.proc.wait()
        job.log_file.close()
        result = _read_result(job, code)
        swapped, reason = False, None
        new_f1, current_f1 = result.get("dev_f1"), result.get("current_f1")
        if self._closed:
            reason = "the app stopped"
        elif result.get("error"):
            reason = str(result["error"])
        elif new_f1 is None or current_f1 is None:
            n, need = result.get("dev_texts", 0), self.settings.min_dev
            reason = (
                f"too few dev texts: {n} completely annotated in {self.settings.dev}, {need} needed"
                if self.settings.dev
                else f"no dev split yet: {n} of the {need} completely annotated dev texts it needs"
            )
        elif new_f1 > current_f1:
            try:
                from ..pipeline import load

                self.use_model(load(job.output))
                swapped = True
            except Exception as err:  # a model that cannot be loaded is not used
                reason = f"could not load it: {err}"
        else:
            reason = f"dev F1 {new_f1:.3f} is not above the model in use's {current_f1:.3f}"
        with self._lock:
            if swapped:
                self.current = ModelInfo(job.version, job.output, new_f1, result.get("dev_texts"))
            elif current_f1 is not None:  # the model in use, scored on the grown dev split
                self.current.dev_f1 = current_f1
                self.current.dev_texts = result.get("dev_texts")
            self.last = {
                "version": job.version,
                "name": job.output.name,
                "dev_f1": None if new_f1 is None else round(new_f1, 4),
                "swapped": swapped,
                "reason": reason,
            }
            self._log(job, result, swapped, reason)
            self._prune()
            self.running = None
            self._idle.notify_all()
            self._maybe_start()

    def _log(self, job: _Job, result: dict[str, Any], swapped: bool, reason: str | None) -> None:
        line = {
            "version": job.version,
            "model": str(job.output),
            "started": result.get("started", job.started),
            "finished": result.get("finished", time.time()),
            "train_examples": result.get("n_train"),
            "dev_texts": result.get("dev_texts"),
            "dev_f1": result.get("dev_f1"),
            "in_use_dev_f1": result.get("current_f1"),
            "swapped": swapped,
            "in_use": str(self.current.path),
            "reason": reason,
            "warnings": result.get("warnings", []),
            "log": str(job.log),
        }
        with (self.settings.models_dir / LOG_NAME).open("a", encoding="utf8") as fh:
            fh.write(json.dumps(line) + "\n")

    def _prune(self) -> None:
        """Remove the ``vNNNN`` model directories but the one in use and the newest."""
        import shutil

        models = [
            p
            for p in self.settings.models_dir.iterdir()
            if VERSION_DIR.fullmatch(p.name) and p.is_dir() and (p / "meta.json").is_file()
        ]
        newest = max(models, key=lambda p: int(p.name[1:]), default=None)
        keep = {self.current.path.resolve(), *([newest.resolve()] if newest else [])}
        for path in models:
            if path.resolve() not in keep:
                shutil.rmtree(path, ignore_errors=True)

    # -- what the page shows ------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The model in use and the state of retraining, JSON-ready."""
        with self._lock:
            every = self.settings.every
            running = self.running.version if self.running is not None else None
            if running is not None:
                message = f"training v{running:04d} on the answers so far"
            else:
                left = max(0, every - self.pending)
                message = f"next retraining after {left} more answer{'s' * (left != 1)}"
            if self.last is not None and running is None:
                last = self.last
                verdict = (
                    "better on the dev texts: in use"
                    if last["swapped"]
                    else f"not used: {last['reason']}"
                )
                message = f"{last['name']} {verdict}; {message}"
            return {
                **self.current.to_dict(),
                "retrain": {
                    "every": every,
                    "pending": self.pending,
                    "running": running,
                    "last": dict(self.last) if self.last else None,
                    "message": message,
                },
            }

    def wait_idle(self, timeout: float) -> bool:
        """Block until no retraining runs (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.running is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        """Stop the running job's process (by its pid) and start no more."""
        with self._lock:
            self._closed = True
            job = self.running
        if job is not None and job.proc.poll() is None:
            job.proc.terminate()
            try:
                job.proc.wait(5)
            except subprocess.TimeoutExpired:
                job.proc.kill()


def _versions(models_dir: Path) -> list[int]:
    """The version numbers used in ``models_dir``: its model directories and job files."""
    names = [p.name for p in models_dir.iterdir()] if models_dir.is_dir() else []
    jobs = models_dir / JOBS_DIR
    names += [p.name.split(".")[0] for p in jobs.iterdir()] if jobs.is_dir() else []
    found = (VERSION_DIR.fullmatch(name) for name in names)
    return [int(m.group(1)) for m in found if m]


def _read_result(job: _Job, code: int) -> dict[str, Any]:
    try:
        return dict(json.loads(job.result.read_text(encoding="utf8")))
    except (OSError, ValueError):
        return {"error": f"the retraining process ended with status {code}; see {job.log}"}


def shareable_url(url: str) -> bool:
    """Whether another process can open the store at ``url`` (not an in-memory SQLite one)."""
    return not (url in ("sqlite://", "sqlite:///:memory:") or ":memory:" in url or
                "mode=memory" in url)  # fmt: skip

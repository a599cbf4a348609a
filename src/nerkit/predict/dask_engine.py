"""Batch prediction on a Dask cluster: the partitions of a source (``partitions.py``) are
tasks on the workers; the model directory's files travel once, as bytes.

- The client reads the model directory's files (safetensors, JSON, TOML) and scatters them to
  every worker once; a worker writes them to a cache folder named by the model's version and
  loads the model the first time a task needs it, then keeps it for the process's later tasks.
  No model object is ever pickled.
- A task reads its partition itself (a byte range of a file, an id range of a SQL query or a
  store dataset), predicts it in batches and either writes the results itself (the store, a
  SQL table: a batch replaces the rows of its ids, so a retried task writes nothing twice) or
  returns them to the client, which writes the file in partition order.
- A worker that dies takes its running tasks with it; the scheduler runs them again
  elsewhere. At most ``2 x workers`` partitions are in flight, so the client's memory stays
  bounded whatever the size of the source.

Without a scheduler address a local cluster of ``processes`` workers (one thread each) is
started and closed.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .parallel import one_thread, tag
from .partitions import Partition, read_partition
from .sinks import make_sink

if TYPE_CHECKING:
    from ..models.calibration import Thresholds
    from ..pipeline import Pipeline

_MODELS: dict[str, Pipeline] = {}
_LOCK = threading.Lock()


@dataclass
class DaskProgress:
    partitions: int
    done: int = 0
    texts: int = 0
    entities: int = 0
    dashboard: str | None = None


def model_files(path: Path) -> dict[str, bytes]:
    """Every file of a model directory, by its path inside it."""
    return {
        str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file()
    }


def _worker_model(version: str, files: dict[str, bytes]) -> Pipeline:
    """The model of ``version`` in this worker process: loaded once, from the files written
    once to a cache folder (loading checks them against meta.json's checksums)."""
    with _LOCK:
        if version in _MODELS:
            return _MODELS[version]
        from ..pipeline import load

        folder = Path(tempfile.gettempdir()) / "nerkit-models" / version
        if not (folder / "meta.json").is_file():
            staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=folder.parent
                                            if folder.parent.is_dir() else None))  # fmt: skip
            for name, data in files.items():
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(staging, folder)
            except OSError:  # another process of this machine put it there first
                pass
        _MODELS[version] = load(folder)
        one_thread()
        return _MODELS[version]


def predict_partition(
    part: Partition,
    version: str,
    files: dict[str, bytes],
    sink: dict[str, Any] | None,
    batch_size: int,
    as_lines: bool = False,
    thresholds: Thresholds | None = None,
) -> tuple[int, int, list[dict[str, Any]] | str | None]:
    """One task: ``(texts, entities, results)`` of a partition: None when it wrote them to
    ``sink``, else its records, or with ``as_lines`` their JSONL lines as one string."""
    nlp = _worker_model(version, files)
    out: list[dict[str, Any]] = []
    writer = make_sink(sink) if sink is not None else None
    n = found = 0
    try:
        batch: list[dict[str, Any]] = []
        records = read_partition(part)
        while True:
            batch = [r for _, r in zip(range(batch_size), records)]
            if not batch:
                break
            spans = tag(nlp, [r["text"] for r in batch], thresholds)
            done = [{**r, "spans": s} for r, s in zip(batch, spans)]
            n += len(done)
            found += sum(len(s) for s in spans)
            if writer is not None:
                writer.write(done)
            else:
                out += done
    finally:
        if writer is not None:
            writer.close(True)
    if writer is not None:
        return n, found, None
    if as_lines:
        from ..corpus.files import dumps

        return n, found, "\n".join(dumps(r) for r in out)
    return n, found, out


def run_on_dask(
    model: Path,
    partitions: list[Partition],
    *,
    version: str,
    sink: dict[str, Any] | None,
    scheduler: str | None = None,
    processes: int = 2,
    batch_size: int = 256,
    on_progress: Callable[[DaskProgress], None] | None = None,
    as_lines: bool = False,
    thresholds: Thresholds | None = None,
) -> Iterator[list[dict[str, Any]] | str]:
    """Run every partition on the cluster; yields each partition's records (with
    ``as_lines``, their JSONL lines as one string) in order when there is no sink (a file is
    written from them), else nothing."""
    from ..cluster import dask_client

    with dask_client(scheduler, processes) as client:
        progress = DaskProgress(len(partitions), dashboard=client.dashboard_link)
        if on_progress is not None:
            on_progress(progress)
        files = client.scatter([model_files(model)], broadcast=True)[0]
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        window = 2 * workers
        pending: deque[Any] = deque()
        todo = iter(partitions)

        def submit_next() -> bool:
            part = next(todo, None)
            if part is None:
                return False
            pending.append(client.submit(predict_partition, part, version, files, sink,
                                         batch_size, as_lines, thresholds, pure=False,
                                         retries=2))  # fmt: skip
            return True

        while len(pending) < window and submit_next():
            pass
        while pending:
            n, found, records = pending.popleft().result()
            submit_next()
            progress.done += 1
            progress.texts += n
            progress.entities += found
            if on_progress is not None:
                on_progress(progress)
            if records is not None:
                yield records

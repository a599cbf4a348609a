"""Micro-batching: the texts of requests that arrive together go through the model as one batch.

Each request puts its texts on a queue and awaits them. One task takes what is queued, waits
up to ``max_wait_ms`` for more (only while fewer than ``batch_size`` texts are queued), and
runs the model on the lot in a worker thread, so the event loop keeps accepting requests.
Under load the batches fill up by themselves (requests queue while the model runs); alone, a
request waits at most ``max_wait_ms``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ..predict.parallel import tag

if TYPE_CHECKING:
    from ..pipeline import Pipeline

Entities = list[dict[str, Any]]


class Batcher:
    """``await batcher.submit(texts)`` -> each text's entities (see the module doc)."""

    def __init__(self, nlp: Pipeline, *, batch_size: int = 64, max_wait_ms: float = 2.0) -> None:
        self.nlp = nlp
        self.batch_size = batch_size
        self.max_wait = max_wait_ms / 1000.0
        self._queue: asyncio.Queue[tuple[list[str], asyncio.Future[list[Entities]]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nerkit-serve")
        self.batches = 0  # how many model calls (tests and the load benchmark read it)

    async def submit(self, texts: list[str]) -> list[Entities]:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future[list[Entities]] = asyncio.get_running_loop().create_future()
        await self._queue.put((texts, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0][0])
            deadline = loop.time() + self.max_wait
            while size < self.batch_size:
                try:
                    job = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    left = deadline - loop.time()
                    if left <= 0:
                        break
                    try:
                        job = await asyncio.wait_for(self._queue.get(), left)
                    except TimeoutError:
                        break
                jobs.append(job)
                size += len(job[0])
            texts = [t for job_texts, _ in jobs for t in job_texts]
            try:
                found = await loop.run_in_executor(self._pool, tag, self.nlp, texts)
            except Exception as err:  # the model failed: every waiting request hears of it
                for _, future in jobs:
                    if not future.done():
                        future.set_exception(err)
                continue
            self.batches += 1
            at = 0
            for job_texts, future in jobs:
                if not future.done():
                    future.set_result(found[at : at + len(job_texts)])
                at += len(job_texts)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

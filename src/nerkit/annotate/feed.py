"""Who gets which example: leases so that two annotators are not handed the same text at once.

Without overlap (the default) an example goes to one annotator: handing it out leases it to
that session for ``lease_seconds`` (10 minutes by default); other sessions skip it while the
lease holds. Answering it ends the lease. A lease that runs out (the annotator closed the tab,
went to lunch) lets the example go to the next session that asks, and the first answer stored
is as good as any later one (both are kept; exports use the latest).

With overlap every session is handed every example it has not answered itself; no leases.

Example:
    >>> leases = Leases(lease_seconds=60, clock=lambda: 0.0)
    >>> leases.take(7, "alice"), leases.take(7, "bob"), leases.take(7, "alice")
    (True, False, True)
    >>> leases.release(7); leases.take(7, "bob")
    True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator

from ..store import Store, StoredExample

DEFAULT_LEASE_SECONDS = 600.0


class Leases:
    """Example id -> (session, expiry); thread-safe."""

    def __init__(
        self,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._held: dict[int, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def take(self, example_id: int, session: str) -> bool:
        """Lease the example to ``session`` unless another session holds a live lease on it."""
        now = self._clock()
        with self._lock:
            holder = self._held.get(example_id)
            if holder is not None and holder[0] != session and holder[1] > now:
                return False
            self._held[example_id] = (session, now + self.lease_seconds)
            return True

    def held_by_other(self, example_id: int, session: str) -> bool:
        """Whether another session holds a live lease on the example."""
        with self._lock:
            holder = self._held.get(example_id)
        return holder is not None and holder[0] != session and holder[1] > self._clock()

    def release(self, example_id: int) -> None:
        with self._lock:
            self._held.pop(example_id, None)


class Feed:
    """The unanswered examples of a dataset, handed out per session (see the module doc)."""

    def __init__(
        self,
        store: Store,
        dataset: str,
        *,
        overlap: bool = False,
        leases: Leases | None = None,
    ) -> None:
        self.store = store
        self.dataset = dataset
        self.overlap = overlap
        self.leases = leases or Leases()

    def _unanswered(self, session: str) -> Iterator[StoredExample]:
        return self.store.unanswered(self.dataset, session=session if self.overlap else None)

    def next(
        self,
        session: str,
        n: int,
        exclude: Iterable[int] = (),
        candidates: Iterable[StoredExample] | None = None,
    ) -> list[StoredExample]:
        """Up to ``n`` examples for ``session``, leased to it when there is no overlap.

        ``candidates`` (in order) replace the dataset's unanswered examples (review).
        """
        skip = set(exclude)
        out: list[StoredExample] = []
        todo = self._unanswered(session) if candidates is None else candidates
        for ex in todo:
            if ex.id in skip:
                continue
            if not self.overlap and not self.leases.take(ex.id, session):
                continue
            out.append(ex)
            if len(out) >= n:
                break
        return out

    def answered(self, example_id: int) -> None:
        self.leases.release(example_id)

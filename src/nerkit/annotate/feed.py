"""Who gets which example: leases so that two annotators are not handed the same text.

Without overlap (the default) an example goes to one annotator: handing it out leases it to
that session for ``lease_seconds`` (10 minutes by default, ``--lease-minutes``); other sessions
skip it while the lease holds. Answering it marks the lease done in the answer's transaction,
so it is handed to no one again. A lease that runs out (the annotator closed the tab, went to
lunch) lets the example go to the next session that asks; should the first annotator still
answer it, both answers are kept (exports use the latest). Leases are rows of the store
(``nerkit.store.leases``): they hold across a restart and between servers on one database.

With overlap every session is handed every example it has not answered itself; no leases.

Example:
    >>> from nerkit.store import Store
    >>> from nerkit.corpus import Example
    >>> from nerkit.tokens import Doc
    >>> store = Store("sqlite://")
    >>> _ = store.add_examples("news", [Example(Doc(t, [0], [len(t)])) for t in ("Ann", "Bob")])
    >>> now = [0.0]
    >>> feed = Feed(store, "news", leases=Leases(store, 60, clock=lambda: now[0]))
    >>> [e.text for e in feed.next("alice", 1)], [e.text for e in feed.next("bob", 5)]
    (['Ann'], ['Bob'])
    >>> feed.next("carol", 5)
    []
    >>> now[0] = 61.0; [e.text for e in feed.next("carol", 5)]
    ['Ann', 'Bob']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from ..store import Store, StoredExample
from ..store.connection import chunks

DEFAULT_LEASE_SECONDS = 600.0
REVIEW_SCOPE = "review"  # reviewing an example is leased apart from annotating it


class Leases:
    """Leases of ``store``'s examples, ``lease_seconds`` long by ``clock`` (wall seconds)."""

    def __init__(
        self,
        store: Store,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.lease_seconds = lease_seconds
        self._clock = clock

    def take(
        self, example_ids: Iterable[int], session: str, limit: int, scope: str = ""
    ) -> list[int]:
        """Those of ``example_ids`` now leased to ``session`` (in order, up to ``limit``)."""
        return self.store.take_leases(
            example_ids,
            session,
            seconds=self.lease_seconds,
            scope=scope,
            limit=limit,
            now=self._clock(),
        )


class Feed:
    """The unanswered examples of a dataset, handed out per session (see the module doc)."""

    def __init__(
        self,
        store: Store,
        dataset: str,
        *,
        overlap: bool = False,
        leases: Leases | None = None,
        scope: str = "",
    ) -> None:
        self.store = store
        self.dataset = dataset
        self.overlap = overlap
        self.leases = leases or Leases(store)
        self.scope = scope

    @property
    def lease_scope(self) -> str | None:
        """The lease scope an answer ends (None with overlap: no leases)."""
        return None if self.overlap else self.scope

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
        todo = self._unanswered(session) if candidates is None else candidates
        wanted = (ex for ex in todo if ex.id not in skip)
        if self.overlap:
            return list(islice(wanted, n))
        out: list[StoredExample] = []
        for page in chunks(wanted, max(n, 50)):  # one transaction per page of candidates
            by_id = {ex.id: ex for ex in page}
            got = self.leases.take(by_id, session, n - len(out), self.scope)
            out += [by_id[eid] for eid in got]
            if len(out) >= n:
                break
        return out

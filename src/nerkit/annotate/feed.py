"""Who gets which example: leases so that two annotators are not handed the same text.

Without overlap (the default) an example goes to one annotator: handing it out leases it to
that session for ``lease_seconds`` (10 minutes by default, ``--lease-minutes``); other sessions
skip it while the lease holds. Answering it marks the lease done in the answer's transaction,
so it is handed to no one again. A lease that runs out (the annotator closed the tab, went to
lunch) lets the example go to the next session that asks; should the first annotator still
answer it, both answers are kept (exports use the latest). Leases are rows of the store
(``nerkit.store.leases``): they hold across a restart and between servers on one database.

With overlap every session is handed every example it has not answered itself; no leases.

The examples go out in id order, unless the feed has a ``rank`` (``nerkit annotate correct
--order uncertain``: the model's expected wrong tags per text). Then each ``next`` takes a
window of the :data:`ORDER_WINDOW` next examples the session could be handed (unanswered, not
leased to another session), ranks them by ``rank``, highest first (ties in id order), and
leases them in that order; when fewer than ``n`` of them can be leased (another session was
quicker), the following window is ranked next. Leases work as without a rank, so two sessions
still never get the same example.

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

from ..store import Store, StoredExample
from ..store.connection import chunks

DEFAULT_LEASE_SECONDS = 600.0
# How many of the next unanswered examples ``--order uncertain`` ranks at each request: enough
# to find the texts worth asking first, few enough to score in a moment (once per model).
ORDER_WINDOW = 500
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

    def now(self) -> float:
        """The time leases are taken at (wall seconds, or the test's clock)."""
        return self._clock()

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


Rank = Callable[[Sequence[StoredExample]], Sequence[float]]


class Feed:
    """The unanswered examples of a dataset, handed out per session (see the module doc).

    ``rank`` scores a window of examples (one number each, higher first); without it the
    examples go out in id order.
    """

    def __init__(
        self,
        store: Store,
        dataset: str,
        *,
        overlap: bool = False,
        leases: Leases | None = None,
        scope: str = "",
        rank: Rank | None = None,
    ) -> None:
        self.store = store
        self.dataset = dataset
        self.overlap = overlap
        self.leases = leases or Leases(store)
        self.scope = scope
        self.rank = rank

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

        ``candidates`` (in order) replace the dataset's unanswered examples (review; they
        are not ranked).
        """
        skip = set(exclude)
        todo = self._unanswered(session) if candidates is None else candidates
        wanted = (ex for ex in todo if ex.id not in skip)
        if self.rank is not None and candidates is None:
            return self._ranked(session, n, wanted, self.rank)
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

    def _ranked(
        self, session: str, n: int, wanted: Iterator[StoredExample], rank: Rank
    ) -> list[StoredExample]:
        out: list[StoredExample] = []
        while len(out) < n and (window := self._window(session, wanted)):
            scores = rank(window)
            order = sorted(range(len(window)), key=lambda i: (-scores[i], i))
            ranked = [window[i] for i in order]
            if self.overlap:
                out += ranked[: n - len(out)]
                continue
            by_id = {ex.id: ex for ex in ranked}  # in ranked order: leases are taken in it
            got = self.leases.take(by_id, session, n - len(out), self.scope)
            out += [by_id[eid] for eid in got]
        return out

    def _window(self, session: str, wanted: Iterator[StoredExample]) -> list[StoredExample]:
        """The next :data:`ORDER_WINDOW` of ``wanted`` that ``session`` could be handed."""
        window: list[StoredExample] = []
        while len(window) < ORDER_WINDOW:
            page = list(islice(wanted, ORDER_WINDOW - len(window)))
            if not page:
                break
            if not self.overlap:
                taken = self.store.leased_elsewhere(
                    (ex.id for ex in page), session, scope=self.scope, now=self.leases.now()
                )
                page = [ex for ex in page if ex.id not in taken]
            window += page
        return window

"""Leases: which annotator an example is reserved for, kept in the database.

Without feed overlap, the annotation app hands an example to one session at a time: handing it
out leases it to that session until a wall-clock deadline; answering it marks the lease done
(in the same transaction as the answer), so no session is handed it again, however requests
race. Leases live in the ``leases`` table, so they hold across a server restart and between
several servers on one database. A ``scope`` keeps separate leases per purpose on the same
example: ``""`` for annotating it, ``"review"`` for reviewing its answers.

Every take and every answer locks the lease row (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite write transactions take the database's write lock): a take that waited on an answer sees
it done, a take that lost the race to insert a new row reads the winner's row.

Example:
    >>> from nerkit.tokens import Doc
    >>> from nerkit.corpus import Example
    >>> from nerkit.store import Store
    >>> store = Store("sqlite://")
    >>> _ = store.add_examples("news", [Example(Doc("Ann met Bob.", [0, 4, 8, 11], [3, 7, 11, 12]))])
    >>> eid = next(store.unanswered("news")).id
    >>> store.take_leases([eid], "alice", seconds=60, now=0.0) == [eid]
    True
    >>> store.take_leases([eid], "bob", seconds=60, now=30.0), store.take_leases([eid], "bob", seconds=60, now=61.0) == [eid]
    ([], True)
    >>> _ = store.add_annotation(eid, [], "accept", session="bob", lease="")
    >>> store.take_leases([eid], "carol", seconds=60, now=1e9)
    []
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import StoreError
from .connection import chunks
from .examples import Examples
from .schema import LEASE_SCOPE_LENGTH, LeaseRow


def _locked(s: Session, example_id: int, scope: str) -> LeaseRow | None:
    return s.scalar(
        select(LeaseRow)
        .where(LeaseRow.example_id == example_id, LeaseRow.scope == scope)
        .with_for_update()
    )


def _claim(s: Session, example_id: int, scope: str, session: str, expires: float | None) -> bool:
    """Insert the lease row; False when another transaction inserted it first."""
    try:
        with s.begin_nested():
            s.add(LeaseRow(example_id=example_id, scope=scope, session=session, expires=expires))
        return True
    except IntegrityError:
        return False


def check_scope(scope: str) -> str:
    if len(scope) > LEASE_SCOPE_LENGTH:
        raise StoreError(
            "E411", f"Lease scope {scope!r} is longer than {LEASE_SCOPE_LENGTH} characters"
        )
    return scope


def finish_lease(s: Session, example_id: int, scope: str, session: str) -> None:
    """Mark the example's lease done (answered by ``session``) inside the caller's transaction."""
    row = _locked(s, example_id, scope)
    if row is None:
        if _claim(s, example_id, scope, session, None):
            return
        row = _locked(s, example_id, scope)
        assert row is not None  # the row that beat our insert
    row.session, row.expires = session, None


class Leasing(Examples):
    """Leases of the store (see the module doc)."""

    def take_leases(
        self,
        example_ids: Iterable[int],
        session: str,
        *,
        seconds: float,
        scope: str = "",
        limit: int | None = None,
        now: float | None = None,
    ) -> list[int]:
        """Lease to ``session`` those of ``example_ids`` (in order, up to ``limit``) that are
        neither answered nor leased to another session until after ``now``; returns them.

        A session's own live lease is renewed. One transaction for the lot; ``now`` is wall
        clock seconds (``time.time()``), the lease runs to ``now + seconds``.
        """
        check_scope(scope)
        now = time.time() if now is None else now
        granted: list[int] = []
        with self._write.begin() as s:
            for eid in example_ids:
                if limit is not None and len(granted) >= limit:
                    break
                row = _locked(s, eid, scope)
                if row is None:
                    if _claim(s, eid, scope, session, now + seconds):
                        granted.append(eid)
                        continue
                    row = _locked(s, eid, scope)
                    if row is None:  # pragma: no cover - deleted in between (dataset dropped)
                        continue
                if row.expires is None:  # answered
                    continue
                if row.session != session and row.expires > now:
                    continue
                row.session, row.expires = session, now + seconds
                granted.append(eid)
        return granted

    def leased_elsewhere(
        self,
        example_ids: Iterable[int],
        session: str,
        *,
        scope: str = "",
        now: float | None = None,
    ) -> set[int]:
        """Those of ``example_ids`` that :meth:`take_leases` would not give ``session`` at
        ``now``: answered (lease done) or leased to another session until after ``now``.

        A read, no lease taken: what a caller may leave out before it picks among the rest (the
        annotation app's ``--order uncertain`` scores only examples it could hand out).
        """
        check_scope(scope)
        now = time.time() if now is None else now
        out: set[int] = set()
        with self._read() as s:
            for page in chunks(example_ids, 500):
                out.update(
                    s.scalars(
                        select(LeaseRow.example_id).where(
                            LeaseRow.example_id.in_(page),
                            LeaseRow.scope == scope,
                            or_(
                                LeaseRow.expires.is_(None),
                                (LeaseRow.session != session) & (LeaseRow.expires > now),
                            ),
                        )
                    )
                )
        return out

    def lease_holder(self, example_id: int, scope: str = "") -> tuple[str, float | None] | None:
        """(session, expires) of the example's lease (expires None: answered), or None."""
        with self._read() as s:
            row = s.scalar(
                select(LeaseRow).where(LeaseRow.example_id == example_id, LeaseRow.scope == scope)
            )
            return None if row is None else (row.session, row.expires)

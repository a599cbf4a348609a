"""Leases in the store (SQLite file and PostgreSQL): one session per example, however the
takes and answers of several stores on one database race."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest

pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra (SQLAlchemy)")

from nerkit.corpus import Example  # noqa: E402
from nerkit.errors import StoreError  # noqa: E402
from nerkit.store import Store  # noqa: E402
from nerkit.tokens import Doc  # noqa: E402


def add(store: Store, n: int) -> list[int]:
    store.add_examples("news", [Example(Doc(f"Ann {i}", [0], [3])) for i in range(n)])
    return [e.id for e in store.examples("news")]


def test_a_lease_holds_renews_runs_out_and_ends_with_the_answer(store: Store) -> None:
    a, b, c = add(store, 3)
    assert store.take_leases([a, b, c], "alice", seconds=60, limit=2, now=0.0) == [a, b]
    assert store.take_leases([a, b, c], "bob", seconds=60, now=10.0) == [c]
    assert store.take_leases([a], "alice", seconds=60, now=50.0) == [a]  # renewed to 110
    assert store.lease_holder(a) == ("alice", 110.0)
    assert store.take_leases([a, b], "bob", seconds=60, now=100.0) == [b]  # b ran out at 60
    store.add_annotation(a, [(0, 3, "PER")], session="alice", lease="")
    assert store.lease_holder(a) == ("alice", None)
    assert store.take_leases([a], "bob", seconds=60, now=1e12) == []  # answered: never again
    assert store.take_leases([a], "alice", seconds=60, now=1e12) == []


def test_scopes_are_apart_and_answers_without_a_lease_end_none(store: Store) -> None:
    (a,) = add(store, 1)
    store.add_annotation(a, [(0, 3, "PER")], session="alice", lease="")
    assert store.take_leases([a], "rev", seconds=60, scope="review", now=0.0) == [a]
    store.add_annotation(a, [(0, 3, "PER")], session="review:carol")  # lease=None: overlap
    assert store.lease_holder(a, "review") == ("rev", 60.0)
    with pytest.raises(StoreError, match="E411"):
        store.take_leases([a], "rev", seconds=60, scope="x" * 21)


def test_an_answer_to_an_example_never_leased_ends_it_too(store: Store) -> None:
    (a,) = add(store, 1)
    store.add_annotation(a, [], "reject", session="bob", lease="")
    assert store.take_leases([a], "alice", seconds=60, now=0.0) == []


def test_leased_elsewhere_is_what_a_take_would_skip(store: Store) -> None:
    a, b, c, d = add(store, 4)
    store.take_leases([a], "alice", seconds=60, now=0.0)
    store.take_leases([b], "bob", seconds=60, now=0.0)
    store.take_leases([c], "bob", seconds=60, scope="review", now=0.0)
    store.add_annotation(d, [], "reject", session="carol", lease="")
    assert store.leased_elsewhere([a, b, c, d], "alice", now=30.0) == {b, d}
    assert store.leased_elsewhere([a, b, c, d], "alice", now=61.0) == {d}  # b ran out
    assert store.leased_elsewhere([a, b, c, d], "bob", scope="review", now=30.0) == set()
    for eid in [a, b, c, d]:  # exactly the ones a take skips
        skipped = eid in store.leased_elsewhere([eid], "erin", now=30.0)
        assert skipped == (store.take_leases([eid], "erin", seconds=1, now=30.0) == [])


def test_racing_stores_hand_each_example_to_one_session(db_url: str) -> None:
    """Six sessions on three Store objects (three servers) take and answer until none is left,
    all at once after a seventh session's leases on every example ran out."""
    with Store(db_url) as first:
        ids = add(first, 120)
        assert first.take_leases(ids, "gone", seconds=60, now=0.0) == ids
    stores = [Store(db_url) for _ in range(3)]
    handed: dict[int, set[str]] = defaultdict(set)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def annotate(worker: int) -> None:
        store, session = stores[worker % 3], f"annotator-{worker}"
        try:
            for _ in range(200):  # bounded; ends once nothing is left
                got = store.take_leases(ids, session, seconds=600, limit=4, now=100.0)
                if not got:
                    return
                with lock:
                    for eid in got:
                        handed[eid].add(session)
                for eid in got:
                    store.add_annotation(eid, [(0, 3, "PER")], session=session, lease="")
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=annotate, args=(w,)) for w in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        for s in stores:
            s.close()
    assert errors == []
    assert sorted(handed) == ids
    assert {eid: who for eid, who in handed.items() if len(who) > 1} == {}
    with Store(db_url) as store:
        assert store.stats("news").annotations == 120

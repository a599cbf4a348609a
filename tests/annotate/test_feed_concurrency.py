"""Without --feed-overlap an example goes to one annotator: several concurrent clients against
a real server (a subprocess), across a SIGKILL and restart, and after a lease runs out.

Each client behaves like the page: it asks for a few tasks, answers them one by one (retrying
while the server is down), and asks again. The tests count, per example, the sessions that
were handed it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
from annotate_helpers import TOKEN, free_port, start_server, write_texts

H = {"Authorization": f"Bearer {TOKEN}"}
SPANS = [{"start": 0, "end": 6, "label": "PER"}]  # "Person"


class Clients:
    """Sessions that fetch and answer tasks concurrently; records who was handed what."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.handed: dict[int, set[str]] = defaultdict(set)
        self.answered: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()

    def fetch(self, client: httpx.Client, session: str, n: int) -> list[dict]:
        r = client.get("/api/tasks", params={"session": session, "n": n})
        r.raise_for_status()
        got = r.json()["tasks"]
        with self.lock:
            for task in got:
                self.handed[task["id"]].add(session)
        return got

    def answer(self, client: httpx.Client, session: str, task: dict) -> None:
        # A retry of the same answer reuses its client id, as the page does.
        body = {"client_id": f"answer-{session}-{task['id']}", "example_id": task["id"],
                "session": session, "answer": "accept", "spans": SPANS}  # fmt: skip
        r = client.post("/api/answer", json=body)
        r.raise_for_status()
        with self.lock:
            self.answered[session] += 1

    def run(self, session: str, deadline: float, n: int = 5) -> None:
        """Fetch and answer until the feed is empty (or the deadline), riding out restarts."""
        queue: list[dict] = []
        with httpx.Client(base_url=self.base, headers=H, timeout=5) as client:
            while time.monotonic() < deadline:
                try:
                    if not queue:
                        queue = self.fetch(client, session, n)
                        if not queue:
                            return
                    self.answer(client, session, queue[0])
                    queue.pop(0)
                except httpx.TransportError:
                    time.sleep(0.05)  # the server is restarting: try the same step again

    def twice(self) -> dict[int, set[str]]:
        return {eid: who for eid, who in self.handed.items() if len(who) > 1}


def test_concurrent_clients_never_share_an_example_across_a_restart(tmp_path: Path) -> None:
    from nerkit.store import Store

    texts = [f"Person {i} works for Company {i}." for i in range(240)]
    source = write_texts(tmp_path / "posts.jsonl", texts)
    db_url = f"sqlite:///{tmp_path / 'nerkit.db'}"
    port = free_port()
    proc = start_server(db_url, source, port)
    clients = Clients(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 120
    sessions = ["alice", "bob", "carol", "dave"]
    workers = [threading.Thread(target=clients.run, args=(s, deadline)) for s in sessions]
    try:
        for w in workers:
            w.start()
        while sum(clients.answered.values()) < 80 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # the clients keep the tasks they were handed
        proc.wait(10)
        proc = start_server(db_url, source, port)
        for w in workers:
            w.join(max(1.0, deadline - time.monotonic()))
    finally:
        proc.kill()
        proc.wait(10)
    assert not any(w.is_alive() for w in workers), "the clients did not finish"

    twice = clients.twice()
    assert not twice, f"{len(twice)} examples handed to two sessions: {sorted(twice.items())[:5]}"
    assert len(clients.handed) == 240  # and every example was handed out
    with Store(db_url) as store:
        answers = store.dataset_annotations("posts")
    per_example: dict[int, int] = defaultdict(int)
    for a in answers:
        per_example[a.example_id] += 1
    assert len(per_example) == 240 and set(per_example.values()) == {1}
    assert all(clients.answered[s] > 0 for s in sessions)  # all four took part


def test_an_expired_lease_goes_to_one_other_session(tmp_path: Path) -> None:
    texts = [f"Person {i} works for Company {i}." for i in range(30)]
    source = write_texts(tmp_path / "posts.jsonl", texts)
    db_url = f"sqlite:///{tmp_path / 'nerkit.db'}"
    port = free_port()
    lease = 2.0
    proc = start_server(db_url, source, port, "--lease-minutes", str(lease / 60))
    base = f"http://127.0.0.1:{port}"
    first, later = Clients(base), Clients(base)

    def fetch(session: str) -> None:
        with httpx.Client(base_url=base, headers=H, timeout=5) as client:
            first.fetch(client, session, 10)

    try:
        started = time.monotonic()
        fetch("alice")  # alice takes ten and walks away
        abandoned = set(first.handed)
        # While alice's lease holds, bob and carol share out the rest between them.
        others = [threading.Thread(target=fetch, args=(s,)) for s in ("bob", "carol")]
        for t in others:
            t.start()
        for t in others:
            t.join(10)
        assert time.monotonic() - started < lease, "too slow to test the lease"
        assert len(abandoned) == 10 and len(first.handed) == 30 and not first.twice()
        time.sleep(lease + 0.5)
        # Every lease ran out, none was answered: each example goes to one of the racers.
        deadline = time.monotonic() + 30
        racers = [threading.Thread(target=later.run, args=(s, deadline, 3))
                  for s in ("bob", "carol", "erin")]  # fmt: skip
        for t in racers:
            t.start()
        for t in racers:
            t.join(40)
    finally:
        proc.kill()
        proc.wait(10)
    twice = later.twice()
    assert not twice, f"{len(twice)} examples handed to two sessions: {sorted(twice.items())[:5]}"
    assert len(later.handed) == 30
    assert {eid for eid, who in later.handed.items() if "alice" in who} == set()

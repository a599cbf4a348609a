"""Nothing acknowledged is lost: kill -9 the server in the middle of a stream of answers."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx
from annotate_helpers import TOKEN, free_port, start_server, write_texts

H = {"Authorization": f"Bearer {TOKEN}"}


def test_every_acknowledged_answer_survives_sigkill(tmp_path: Path) -> None:
    from nerkit.store import Store

    texts = [f"Person {i} works for Company {i} in town {i}." for i in range(400)]
    source = write_texts(tmp_path / "posts.jsonl", texts)
    db_url = f"sqlite:///{tmp_path / 'nerkit.db'}"
    port = free_port()
    proc = start_server(db_url, source, port, "--feed-overlap")
    base = f"http://127.0.0.1:{port}"
    acked: dict[str, tuple[int, list[dict]]] = {}
    sent: dict[str, tuple[int, list[dict]]] = {}
    stop = threading.Event()

    def annotate(session: str) -> None:
        with httpx.Client(base_url=base, headers=H, timeout=5) as client:
            n = 0
            while not stop.is_set():
                try:
                    tasks = client.get("/api/tasks", params={"session": session, "n": 20}).json()
                except (httpx.HTTPError, ValueError):
                    return
                for task in tasks["tasks"]:
                    n += 1
                    cid = f"{session}-{n:06d}"
                    spans = [{"start": 0, "end": 6, "label": "PER"}]  # "Person"
                    sent[cid] = (task["id"], spans)
                    body = {"client_id": cid, "example_id": task["id"], "session": session,
                            "answer": "accept", "spans": spans}  # fmt: skip
                    try:
                        r = client.post("/api/answer", json=body)
                    except httpx.HTTPError:
                        return  # the server is gone
                    if r.status_code == 200 and r.json()["saved"]:
                        acked[cid] = (task["id"], spans)

    workers = [threading.Thread(target=annotate, args=(s,)) for s in ("alice", "bob")]
    for w in workers:
        w.start()
    # Kill at a random moment once answers are flowing.
    deadline = time.monotonic() + 30
    while len(acked) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(random.uniform(0.0, 0.5))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    stop.set()
    for w in workers:
        w.join(10)
    assert len(acked) >= 20, "the client never got going"

    with Store(db_url) as store:
        stored = {a.client_id: a for a in store.dataset_annotations("posts")}
    missing = set(acked) - set(stored)
    assert not missing, f"{len(missing)} acknowledged answers lost: {sorted(missing)[:5]}"
    for cid, (eid, spans) in acked.items():
        assert stored[cid].example_id == eid and stored[cid].spans == spans
    # Nothing stored that was never sent, and each client id at most once.
    assert set(stored) <= set(sent)

    # A restarted server takes the retries of everything sent: stored once each.
    proc = start_server(db_url, source, port, "--feed-overlap")
    try:
        with httpx.Client(base_url=base, headers=H, timeout=5) as client:
            for cid, (eid, spans) in sent.items():
                session = cid.split("-")[0]
                body = {"client_id": cid, "example_id": eid, "session": session,
                        "answer": "accept", "spans": spans}  # fmt: skip
                r = client.post("/api/answer", json=body)
                assert r.status_code == 200 and r.json()["duplicate"] == (cid in stored)
    finally:
        proc.kill()
        proc.wait(10)
    with Store(db_url) as store:
        after = [a.client_id for a in store.dataset_annotations("posts")]
    assert sorted(after) == sorted(sent)

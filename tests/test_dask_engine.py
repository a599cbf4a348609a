"""Batch prediction on a real Dask cluster (issue #12): a `dask scheduler` and two `dask worker`
processes on loopback; outputs identical to the local run from a file, a SQLite table and the
store; a worker killed mid-run loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the Dask engine needs the 'dask' extra")
pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra")

from nerkit.predict import predict_into, read_source, sql_records  # noqa: E402
from nerkit.predict.partitions import plan_partitions, read_partition  # noqa: E402
from nerkit.predict.run import predict_on_dask  # noqa: E402

RESOURCES = Path(__file__).parent / "resources"
POSTS = ["Alice Smith flew to Berlin on Friday.", "Globex opened an office in Paris.",
         "Nothing happened today.", "Bob Jones met Alice Smith in London."]  # fmt: skip


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """`dask scheduler` + `dask worker` subprocesses on 127.0.0.1, stopped by process id."""

    def __init__(self, workers: int, tmp: Path) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.tmp = tmp
        dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
        self.scheduler = subprocess.Popen(
            [*dask, "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.workers = [self.add_worker() for _ in range(workers)]
        self.wait_for(workers)

    def add_worker(self) -> subprocess.Popen[bytes]:
        cmd = [sys.executable, "-m", "distributed.cli.dask_worker", self.address,
               "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1", "--no-nanny",
               "--local-directory", str(self.tmp)]  # fmt: skip
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_for(self, n: int) -> None:
        from distributed import Client

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with Client(self.address, timeout="5s") as client:
                    client.wait_for_workers(n, timeout=60)
                    return
            except (OSError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError("the Dask cluster did not start")

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            try:
                # Workers whose scheduler went at the same time wait to reconnect: the suite
                # spent 40 s here at 20 s each. Nothing they hold matters after the tests.
                proc.wait(3)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = Cluster(2, tmp_path_factory.mktemp("dask"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def posts_file(tmp_path: Path) -> Path:
    path = tmp_path / "posts.txt"
    path.write_text("".join(f"{POSTS[i % 4]} ({i})\n" for i in range(300)))
    return path


def test_partitions_read_back_the_whole_source(posts_file: Path, tmp_path: Path) -> None:
    parts = plan_partitions(posts_file, rows=70)
    assert len(parts) == 5
    assert [r for p in parts for r in read_partition(p)] == list(read_source(posts_file))
    jsonl = tmp_path / "p.jsonl"
    jsonl.write_text("".join(f'{{"text": "{t}", "n": {i}}}\n' for i, t in enumerate(POSTS * 5)))
    parts = plan_partitions(jsonl, rows=6)
    assert [r for p in parts for r in read_partition(p)] == list(read_source(jsonl))


def test_a_file_on_the_cluster_gives_the_local_output(model, cluster, posts_file, tmp_path):
    predict_into(model, read_source(posts_file), output=tmp_path / "local.jsonl")
    counts = predict_on_dask(model, plan_partitions(posts_file, rows=40),
                             output=tmp_path / "dask.jsonl", scheduler=cluster.address)  # fmt: skip
    assert counts.written == 300
    assert (tmp_path / "dask.jsonl").read_text() == (tmp_path / "local.jsonl").read_text()


def entity_rows(db: Path, table: str) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return sorted(con.execute(
            f"SELECT source_id, start_char, end_char, label, text FROM {table}").fetchall())  # fmt: skip


def test_a_sqlite_table_on_the_cluster_gives_the_local_rows(model, cluster, tmp_path) -> None:
    db = tmp_path / "posts.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT)")
        con.executemany("INSERT INTO posts (body) VALUES (?)", [(p,) for p in POSTS * 60])
    query = "SELECT id, body FROM posts"
    predict_into(model, sql_records(str(db), query), to_sql=str(db), table="local")
    parts = plan_partitions(None, url=str(db), query=query, parts=7)
    assert len(parts) == 7
    predict_on_dask(model, parts, to_sql=str(db), table="remote", scheduler=cluster.address)
    assert entity_rows(db, "remote") == entity_rows(db, "local") and entity_rows(db, "local")
    # A second run replaces rather than duplicates.
    predict_on_dask(model, parts, to_sql=str(db), table="remote", scheduler=cluster.address)
    assert entity_rows(db, "remote") == entity_rows(db, "local")


def test_the_store_on_the_cluster_gives_the_local_suggestions(model, cluster, tmp_path) -> None:
    from nerkit.corpus import Example
    from nerkit.store import Store
    from nerkit.store.importers import untokenized

    db = f"sqlite:///{tmp_path / 'nerkit.db'}"
    with Store(db) as store:
        store.add_examples(
            "a", [Example(untokenized(f"{p} ({i})")) for i, p in enumerate(POSTS * 30)]
        )
        store.add_examples(
            "b", [Example(untokenized(f"{p} ({i})")) for i, p in enumerate(POSTS * 30)]
        )
    predict_into(model, read_source("db:a", db=db), to_db="a", db=db)
    parts = plan_partitions("db:b", db=db, parts=5)
    predict_on_dask(model, parts, to_db="b", db=db, scheduler=cluster.address)
    with Store(db) as store:

        def spans(name: str) -> list:
            by_text = {e.id: e.text for e in store.examples(name)}
            got = store.suggestions(by_text)
            return sorted((by_text[i], [tuple(sorted(s.items())) for s in h.spans])
                          for i, h in got.items())  # fmt: skip

        assert spans("a") == spans("b") and len(spans("b")) == 120


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(model, tmp_path) -> None:
    db = tmp_path / "posts.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT)")
        con.executemany("INSERT INTO posts (body) VALUES (?)",
                        [(f"{POSTS[i % 4]} ({i})",) for i in range(4000)])  # fmt: skip
    query = "SELECT id, body FROM posts"
    predict_into(model, sql_records(str(db), query), to_sql=str(db), table="local")
    cluster = Cluster(2, tmp_path / "dask")
    try:
        killed = threading.Event()

        def kill_one(progress) -> None:
            if progress.done >= 2 and not killed.is_set():
                killed.set()
                victim = cluster.workers[0]
                os.kill(victim.pid, signal.SIGKILL)
                cluster.workers.append(cluster.add_worker())  # the cluster heals

        parts = plan_partitions(None, url=str(db), query=query, parts=40)
        counts = predict_on_dask(model, parts, to_sql=str(db), table="remote",
                                 scheduler=cluster.address, batch_size=16,
                                 on_progress=kill_one)  # fmt: skip
    finally:
        cluster.stop()
    assert killed.is_set() and counts.written == 4000
    rows = entity_rows(db, "remote")
    assert rows == entity_rows(db, "local") and len(rows) == len(set(rows))


def test_an_experiment_on_the_cluster_gives_the_local_table(cluster, tmp_path: Path) -> None:
    from nerkit.training.experiment import run_experiment

    other = tmp_path / "small-perceptron.toml"
    other.write_text(
        '[experiment]\nname = "small"\n\n[model]\nname = "perceptron.v1"\nhash_rows = 4096\n'
    )
    configs = ["perceptron", str(other)]
    data = [RESOURCES / "ner_tiny_train.jsonl", RESOURCES / "ner_tiny_dev.jsonl",
            RESOURCES / "ner_tiny_dev.jsonl"]  # fmt: skip
    options = {"seed": 0, "overrides": ["train.max_epochs=3"]}
    with pytest.warns(Warning):  # dev and test are the same file here (W203)
        local = run_experiment(configs, *data, tmp_path / "local", **options)
    with pytest.warns(Warning):
        remote = run_experiment(configs, *data, tmp_path / "remote", engine="dask",
                                scheduler=cluster.address, **options)  # fmt: skip
    rows = lambda r: [(x.name, x.status, x.f1, x.dev_f1) for x in r.runs]  # noqa: E731
    assert rows(remote) == rows(local) and all(x.status == "ok" for x in remote.runs)
    assert all(
        (tmp_path / "remote" / "models").joinpath(n).is_dir() for n in ("perceptron", "small")
    )


def test_the_cli_on_the_cluster(model, cluster, posts_file, tmp_path) -> None:
    from typer.testing import CliRunner

    from nerkit.cli import app

    run = CliRunner()
    local = run.invoke(
        app, ["predict", str(model), str(posts_file), "-o", str(tmp_path / "a.jsonl")]
    )
    remote = run.invoke(app, ["predict", str(model), str(posts_file), "-o", str(tmp_path / "b.jsonl"),
                              "--engine", "dask", "--scheduler", cluster.address,
                              "--partition-rows", "50"])  # fmt: skip
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert "6 partitions" in remote.output and "Predicted 300 texts" in remote.output
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()
    bad = run.invoke(app, ["predict", str(model), str(posts_file), "-o", str(tmp_path / "c.jsonl"),
                           "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{free_port()}"])  # fmt: skip
    assert getattr(bad.exception, "code", None) == "E336"


def test_a_learning_curve_on_the_cluster_gives_the_local_curve(cluster, tmp_path: Path) -> None:
    from nerkit.training.curve import learning_curve

    data = [RESOURCES / "ner_tiny_train.jsonl", RESOURCES / "ner_tiny_dev.jsonl",
            RESOURCES / "ner_tiny_dev.jsonl"]  # fmt: skip
    options = {"steps": (50, 100), "overrides": ["train.max_epochs=3"], "seed": 0}
    with pytest.warns(Warning):
        local = learning_curve("perceptron", *data, output=tmp_path / "l", **options)
    with pytest.warns(Warning):
        remote = learning_curve("perceptron", *data, output=tmp_path / "r", engine="dask",
                                scheduler=cluster.address, **options)  # fmt: skip
    points = lambda r: [(s.n_examples, s.status, s.f1, s.dev_f1) for s in r.steps]  # noqa: E731
    assert points(remote) == points(local) and len(points(local)) == 2


def test_several_seeds_on_the_cluster_give_the_local_tables(cluster, tmp_path: Path) -> None:
    from nerkit.training.curve import learning_curve
    from nerkit.training.experiment import run_experiment

    data = [RESOURCES / "ner_tiny_train.jsonl", RESOURCES / "ner_tiny_dev.jsonl",
            RESOURCES / "ner_tiny_dev.jsonl"]  # fmt: skip
    other = tmp_path / "small-perceptron.toml"
    other.write_text(
        '[experiment]\nname = "small"\n[model]\nname = "perceptron.v1"\nhash_rows = 64\n'
    )
    fast = ["train.max_epochs=3", "train.ensemble=1", "model.hash_rows=4096"]
    options = {"seed": 1, "seeds": 2}
    runs = {}
    for engine in ("local", "dask"):
        where = {"engine": engine, "scheduler": cluster.address} if engine == "dask" else {}
        with pytest.warns(Warning):  # dev and test are the same file here (W203)
            runs[engine] = (
                run_experiment(["perceptron", other], *data, tmp_path / f"e-{engine}",
                               overrides=[*fast, "small:model.hash_rows=64"], **options,
                               **where),  # type: ignore[arg-type]
                learning_curve("perceptron", *data, output=tmp_path / f"c-{engine}",
                               steps=(50, 100), overrides=fast, **options,
                               **where),  # type: ignore[arg-type]
            )  # fmt: skip
    (local, local_curve), (remote, remote_curve) = runs["local"], runs["dask"]
    rows = lambda r: [  # noqa: E731
        (x.name, x.status, x.seeds, [s.f1 for s in x.per_seed], x.f1_sd, x.best,
         x.vs_best.difference.value if x.vs_best else None) for x in r.runs
    ]  # fmt: skip
    assert rows(remote) == rows(local) and [x.seeds for x in local.runs] == [[1, 2], [1, 2]]
    assert all(x.status == "ok" for x in remote.runs) and remote.runs[1].vs_best is not None
    assert (tmp_path / "e-dask" / "models" / "small" / "seed-2").is_dir()
    points = lambda r: [  # noqa: E731
        (s.n_examples, s.seeds, [p.f1 for p in s.per_seed], s.gain.difference.value if s.gain else None)
        for s in r.steps
    ]  # fmt: skip
    assert points(remote_curve) == points(local_curve) and remote_curve.steps[1].gain is not None

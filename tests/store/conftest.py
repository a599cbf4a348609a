"""Fixtures of the store tests: a SQLite file, and a throwaway PostgreSQL server on loopback.

The PostgreSQL server is started once per test session with the Debian binaries
(``/usr/lib/postgresql/*/bin/initdb`` and ``pg_ctl``) in a temporary folder, listening on
127.0.0.1 and a free port only, and stopped at the end. PostgreSQL refuses to run as root, so
as root it runs as the ``postgres`` system user (via ``runuser`` or ``su``). Where none can be
started the PostgreSQL cases skip, saying why. ``NERKIT_TEST_PG_URL`` (a server URL such as
``postgresql+psycopg://user@host:5432/postgres``) uses a running server instead.
Each test gets a database of its own on the server.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_USER = "nerkit"
BACKENDS = ("sqlite", "postgresql")
_counter = itertools.count()


def _pg_bindir() -> Path | None:
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if found:
        newest = max(found, key=lambda p: int(Path(p).parents[1].name.split(".")[0]))
        return Path(newest).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_user() -> tuple[list[str], int | None]:
    """The command prefix that runs a program as a non-root user, and that user's uid."""
    if os.geteuid() != 0:
        return [], None
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        pytest.skip(
            "PostgreSQL tests: running as root and there is no 'postgres' user to run the "
            "server as (apt-get install postgresql makes one)"
        )
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"], uid
    if shutil.which("su"):
        return ["su", "postgres", "-s", "/bin/sh", "-c"], uid
    pytest.skip("PostgreSQL tests: running as root and neither runuser nor su is available")


def _run(prefix: list[str], args: list[str]) -> subprocess.CompletedProcess[str]:
    if prefix and prefix[0] == "su":
        cmd = [*prefix, shlex.join(args)]
    else:
        cmd = [*prefix, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a PostgreSQL server (its ``postgres`` database), started for this session."""
    pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg 3 (the 'store' extra)")
    given = os.environ.get("NERKIT_TEST_PG_URL")
    if given:
        yield given
        return
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL tests: no initdb found (apt-get install postgresql, or set "
            "NERKIT_TEST_PG_URL to a running server)"
        )
    prefix, uid = _as_user()
    # Not pytest's tmp_path: that lies under a root-only folder the postgres user cannot enter.
    base = Path(tempfile.mkdtemp(prefix="nerkit-pg-"))
    if uid is not None:
        os.chown(base, uid, -1)
    data, port = base / "data", _free_port()
    init = _run(
        prefix,
        [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", PG_USER,
         "-E", "UTF8", "--locale=C", "--no-sync"],
    )  # fmt: skip
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"PostgreSQL tests: initdb failed: {init.stderr.strip()[-500:]}")
    options = (
        f"-k {base} -p {port} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    pg_ctl = str(bindir / "pg_ctl")
    start = _run(
        prefix, [pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60",
                 "-o", options, "start"],
    )  # fmt: skip
    if start.returncode != 0:
        log = (base / "log").read_text(errors="replace") if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"PostgreSQL tests: the server did not start: {start.stderr} {log[-500:]}")
    try:
        yield f"postgresql+psycopg://{PG_USER}@127.0.0.1:{port}/postgres"
    finally:
        _run(prefix, [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


def _admin(server: str, sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@pytest.fixture
def pg_database(pg_server: str) -> Iterator[str]:
    """The URL of a fresh, empty database on the test server; dropped after the test."""
    from sqlalchemy.engine import make_url

    name = f"nerkit_test_{os.getpid()}_{next(_counter)}"
    _admin(pg_server, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nerkit.db'}"
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    """An open Store on ``db_url``, closed after the test."""
    from nerkit.store import Store

    with Store(db_url) as opened:
        yield opened

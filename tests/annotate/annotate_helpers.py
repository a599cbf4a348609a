"""Helpers shared by the annotation app tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

RESOURCES = Path(__file__).parents[1] / "resources"
SHARED = Path(__file__).parents[2] / ".." / "shared" / "data"
TOKEN = "test-token-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn serving ``app`` in a thread on 127.0.0.1:``port``."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def url(self, session: str = "alice") -> str:
        return f"{self.base}/?token={TOKEN}&session={session}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def write_texts(path: Path, texts: list[str]) -> Path:
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf8")
    return path


def start_server(db_url: str, source: Path, port: int, *options: str) -> subprocess.Popen[bytes]:
    """``nerkit annotate manual posts SOURCE`` in a subprocess, once it answers /health.

    Stop it with ``proc.kill()`` (the tests kill it at will: nothing acknowledged may be lost).
    """
    import httpx
    import pytest

    cmd = [sys.executable, "-m", "nerkit", "annotate", "manual", "posts", str(source),
           "--label", "PER,ORG", "--port", str(port), "--token", TOKEN, "--db", db_url,
           *options]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"the server exited: {out}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("the server did not start in 60 s")

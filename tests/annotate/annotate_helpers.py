"""Helpers shared by the annotation app tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
import socket
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

"""Start the model server: one process (uvicorn on a socket bound first, so a busy port is
an error before anything loads), or ``workers`` processes that each load the model
(``create_app``, a factory uvicorn imports in each, configured by environment variables).

An API key is required when the server listens on anything but the loopback interface.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError, missing_extra

ENV_MODEL = "NERKIT_SERVE_MODEL"
ENV_OPTIONS = "NERKIT_SERVE_OPTIONS"
ENV_API_KEY = "NERKIT_API_KEY"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_options(host: str, api_key: str | None, workers: int, **limits: Any) -> None:
    if not is_loopback(host) and not api_key:
        raise ConfigError(
            "E505",
            f"nerkit serve on {host} would let anyone who reaches it use the model",
            hint="Pass --api-key KEY (or set NERKIT_API_KEY), or keep the default "
            "--host 127.0.0.1.",
        )
    if api_key is not None and not (16 <= len(api_key) <= 256 and api_key.isprintable()):
        raise ConfigError("E505", "--api-key should be 16-256 printable characters")
    for name, value in {"workers": workers, **limits}.items():
        if value is not None and value < 1:
            raise ConfigError("E309", f"--{name.replace('_', '-')} must be 1 or more, got {value}")


def _uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the environment
        raise missing_extra("uvicorn", "web", "The model server (nerkit serve)") from None
    return uvicorn


def create_app() -> Any:
    """The app of one worker process, from the environment ``serve`` set."""
    from .app import ServeConfig, make_app

    options = json.loads(os.environ.get(ENV_OPTIONS) or "{}")
    config = ServeConfig.from_path(
        os.environ[ENV_MODEL], api_key=os.environ.get(ENV_API_KEY) or None, **options
    )
    return make_app(config)


def serve(
    model: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    api_key: str | None = None,
    workers: int = 1,
    announce: Callable[[], None] | None = None,
    **options: Any,
) -> None:
    """Serve ``model`` until interrupted (``options``: ``ServeConfig`` limits); ``announce``
    is called once the port is bound and the model loaded."""
    from ..annotate.launch import listen
    from .app import ServeConfig, make_app

    check_options(host, api_key, workers, **options)
    uvicorn = _uvicorn()
    sock = listen(host, port)  # E504 now for a busy port
    if workers == 1:
        try:
            app = make_app(ServeConfig.from_path(model, api_key=api_key, **options))
        except BaseException:
            sock.close()
            raise
        if announce is not None:
            announce()
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
        return
    sock.close()  # uvicorn's supervisor binds the port and shares it with its workers
    from ..pipeline import load

    load(model)  # a damaged model fails here, once, not in every worker
    if announce is not None:
        announce()
    os.environ[ENV_MODEL] = str(Path(model).resolve())
    os.environ[ENV_OPTIONS] = json.dumps(options)
    if api_key:
        os.environ[ENV_API_KEY] = api_key
    uvicorn.run(
        "nerkit.serve.launch:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )

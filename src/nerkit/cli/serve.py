"""`nerkit serve MODEL`: the model as a REST server (the work is :mod:`nerkit.serve`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app


@app.command("serve")
def serve_command(
    model: Annotated[Path, typer.Argument(help="Model directory written by `nerkit train`.")],
    host: Annotated[
        str, typer.Option("--host", help="Interface to listen on (others need --api-key).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="NERKIT_API_KEY",
            help="Key every route but /health needs (Authorization: Bearer KEY).",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Server processes, each with the model loaded.")
    ] = 1,
    max_texts: Annotated[int, typer.Option("--max-texts", help="Texts per request.")] = 128,
    max_chars: Annotated[int, typer.Option("--max-chars", help="Characters per text.")] = 100_000,
    max_body: Annotated[
        int, typer.Option("--max-body", help="Bytes per request body.")
    ] = 2_000_000,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Most texts the model takes at once.")
    ] = 64,
    max_wait_ms: Annotated[
        float, typer.Option("--max-wait-ms", help="How long a batch waits for more requests.")
    ] = 2.0,
) -> None:
    """Serve MODEL over HTTP: POST /v1/predict, GET /v1/model, GET /view, docs at /docs.

    Example: nerkit serve model --port 8000, then
    curl -s localhost:8000/v1/predict -H 'content-type: application/json' -d '{"text": "Selling a 3080"}'
    """
    from rich.console import Console

    from ..serve.launch import check_options, serve

    check_options(host, api_key, workers, max_texts=max_texts, max_chars=max_chars,
                  max_body=max_body, batch_size=batch_size)  # fmt: skip
    shown = f"[{host}]" if ":" in host else host
    console = Console(stderr=True)

    def announce() -> None:  # once the port is bound and the model loaded
        console.print(
            f"Serving {model} on http://{shown}:{port}  (docs /docs, view /view; Ctrl+C stops)",
            highlight=False,
        )

    serve(
        model, host=host, port=port, api_key=api_key, workers=workers, announce=announce,
        max_texts=max_texts, max_chars=max_chars, max_body=max_body, batch_size=batch_size,
        max_wait_ms=max_wait_ms,
    )  # fmt: skip

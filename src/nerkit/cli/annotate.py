"""`nerkit annotate RECIPE DATASET SOURCE`: the annotation web app (manual, correct, teach, review)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app
from .db import DbOption


@app.command("annotate")
def annotate_command(
    recipe: Annotated[str, typer.Argument(help="manual, correct, teach or review.")],
    dataset: Annotated[
        str, typer.Argument(help="Dataset the answers are saved in (made if missing).")
    ],
    source: Annotated[
        str,
        typer.Argument(
            help="Texts to annotate: a file (txt, csv, jsonl, any format nerkit reads) or "
            "db:NAME (a stored dataset); review: db:DATASET."
        ),
    ],
    label: Annotated[
        str | None,
        typer.Option(
            "--label",
            "-l",
            help="Labels, comma-separated, in the order of keys 1-9 and colours: PER,ORG "
            "(default: the dataset's order, then the model's labels, then the patterns').",
        ),
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Trained model directory (correct, teach).")
    ] = None,
    patterns: Annotated[
        Path | None, typer.Option("--patterns", help="Patterns JSONL to pre-highlight matches.")
    ] = None,
    session: Annotated[
        str, typer.Option("--session", help="Session name used when the URL gives none.")
    ] = "default",
    feed_overlap: Annotated[
        bool,
        typer.Option(
            "--feed-overlap/--no-feed-overlap",
            help="Every example to every annotator (else each example to one annotator).",
        ),
    ] = False,
    lease_minutes: Annotated[
        float,
        typer.Option(
            "--lease-minutes",
            min=0.01,
            help="Without --feed-overlap: how long an example handed out stays reserved for "
            "its annotator before it goes to the next one who asks.",
        ),
    ] = 10.0,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
    token: Annotated[
        str | None, typer.Option("--token", help="Access token (default: a random one).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Open the annotation app; prints the URL (with its token) to open in a browser.

    Example: nerkit annotate manual brands posts.jsonl --label BRAND --patterns brands.jsonl
    """
    from ..annotate.launch import listen, parse_labels, prepare, serve
    from ..store import Store

    sock = listen(host, port)  # a busy port fails here, before anything is imported or printed

    store = Store(db)
    launch = prepare(
        store,
        recipe,
        dataset,
        source,
        labels=parse_labels(label),
        model=model,
        patterns=patterns,
        session=session,
        overlap=feed_overlap,
        lease_seconds=lease_minutes * 60.0,
        host=host,
        port=port,
        token=token,
    )
    counts = launch.counts
    typer.echo(
        f"{dataset}: {counts.added:,} examples added from {source}; labels "
        f"{', '.join(launch.labels)}"
    )
    typer.echo(f"Open {launch.url}", err=False)
    typer.echo("(add &session=NAME per annotator; Ctrl+C stops the server)")
    try:
        serve(launch, sock)
    finally:
        store.close()

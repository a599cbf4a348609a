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
    order: Annotated[
        str,
        typer.Option(
            "--order",
            help="correct: 'stored' hands the texts out in the order they were added; "
            "'uncertain' (needs --model) the texts the model expects the most wrong tags in "
            "first, among the next 500.",
        ),
    ] = "stored",
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
    retrain_every: Annotated[
        int | None,
        typer.Option(
            "--retrain-every",
            help="correct, teach: after every N new answers, train a new model from the "
            "dataset's answers in the background and use it if it scores better on the "
            "dev split (needs --model and --models-dir).",
        ),
    ] = None,
    models_dir: Annotated[
        Path | None,
        typer.Option(
            "--models-dir",
            help="With --retrain-every: the folder the retrained models are written to "
            "(the one in use and the newest are kept).",
        ),
    ] = None,
    retrain_dev_split: Annotated[
        float,
        typer.Option(
            "--retrain-dev-split",
            help="With --retrain-every: the share of completely annotated texts kept for "
            "scoring the models (a stable split: a text never changes sides).",
        ),
    ] = 0.2,
    retrain_dev: Annotated[
        str | None,
        typer.Option(
            "--retrain-dev",
            help="With --retrain-every: score the models on these texts (a data file or "
            "db:NAME with complete answers) instead of a split of the dataset.",
        ),
    ] = None,
    retrain_set: Annotated[
        list[str] | None,
        typer.Option(
            "--retrain-set",
            help="With --retrain-every: override a training setting of the model's config, "
            "section.key=value (e.g. train.max_epochs=5). Repeatable.",
        ),
    ] = None,
) -> None:
    """Open the annotation app; prints the URL (with its token) to open in a browser.

    Example: nerkit annotate manual brands posts.jsonl --label BRAND --patterns brands.jsonl
    """
    from ..annotate.launch import listen, parse_labels, prepare, serve
    from ..annotate.retrain import RetrainSettings
    from ..errors import ConfigError
    from ..store import Store

    retrain = None
    if retrain_every is not None:
        if models_dir is None:
            raise ConfigError(
                "E511",
                "--retrain-every needs --models-dir: the folder the new models are written to",
                hint="e.g. --models-dir models/brands",
            )
        retrain = RetrainSettings(
            retrain_every,
            models_dir,
            retrain_dev_split,
            tuple(retrain_set or ()),
            dev=retrain_dev,
        )
    elif models_dir is not None or retrain_set or retrain_dev:
        raise ConfigError(
            "E513",
            "--models-dir, --retrain-dev and --retrain-set are settings of --retrain-every",
            hint="Add --retrain-every N (retrain after every N answers), or leave them out.",
        )
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
        retrain=retrain,
        order=order,
    )
    counts = launch.counts
    typer.echo(
        f"{dataset}: {counts.added:,} examples added from {source}; labels "
        f"{', '.join(launch.labels)}"
    )
    typer.echo(f"Open {launch.url}", err=False)
    if retrain is not None:
        dev = retrain.dev or f"a split of {retrain.dev_split:g} of the completely annotated texts"
        typer.echo(
            f"Retraining after every {retrain.every} answers into {retrain.models_dir}; "
            f"models compared on {dev}"
        )
    for note in launch.notes:
        typer.secho(f"Note: {note}", fg="yellow")
    typer.echo("(add &session=NAME per annotator; Ctrl+C stops the server)")
    try:
        serve(launch, sock)
    finally:
        store.close()

"""Start an annotation server: bring SOURCE into DATASET, load the model, build the app.

Example:
    >>> from nerkit.store import Store
    >>> store = Store("sqlite://")
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "texts.txt"
    >>> _ = p.write_text("Ann met Bob.\\nBob left.\\n")
    >>> load_source(store, "news", str(p)).added
    2
"""

from __future__ import annotations

import re
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..display import label_order
from ..errors import ConfigError
from ..store import ImportCounts, Store
from .patterns import PatternMatcher
from .recipes import check_order, check_recipe
from .retrain import RetrainSettings, shareable_url

if TYPE_CHECKING:
    from ..pipeline import Pipeline

TOKEN_RE = re.compile(r"[A-Za-z0-9._~-]{8,256}")


def load_source(store: Store, dataset: str, source: str) -> ImportCounts:
    """Add SOURCE's texts to ``dataset`` (made if missing) as examples to annotate.

    SOURCE is a file (txt, csv, or any format ``nerkit.corpus`` reads) or ``db:NAME`` (the
    examples of another dataset). Spans the input carries become pre-annotations, not
    answers; texts ``dataset`` holds already are skipped.
    """
    from ..corpus.readwrite import db_dataset
    from ..store import read_items
    from ..store.importers import untokenized

    store.create_dataset(dataset, exist_ok=True)
    name = db_dataset(source)
    if name is not None:
        if name == dataset:
            return ImportCounts()
        examples = (ex.to_example(tokenizer=untokenized) for ex in store.examples(name))
        return store.add_items(dataset, ((ex, False) for ex in examples))
    _, items = read_items(Path(source))
    return store.add_items(dataset, ((ex, False) for ex, _ in items))


def parse_labels(text: str | None) -> list[str]:
    """``"A,B , C"`` -> ``["A", "B", "C"]`` (order kept, duplicates dropped)."""
    out: list[str] = []
    for part in (text or "").split(","):
        label = part.strip()
        if label and label not in out:
            out.append(label)
    return out


@dataclass
class Launch:
    """What ``nerkit annotate`` starts: the app and the URL to open."""

    app: Any
    url: str
    token: str
    labels: list[str]
    counts: ImportCounts
    notes: list[str] = field(default_factory=list)  # for the user, before they start


def prepare(
    store: Store,
    recipe: str,
    dataset: str,
    source: str,
    *,
    labels: Sequence[str] = (),
    model: str | Path | None = None,
    patterns: str | Path | None = None,
    session: str = "default",
    overlap: bool = False,
    host: str = "127.0.0.1",
    port: int = 8080,
    token: str | None = None,
    lease_seconds: float = 600.0,
    retrain: RetrainSettings | None = None,
    order: str = "stored",
) -> Launch:
    """Check the options, load SOURCE and the model, and build the app (not started).

    ``retrain`` (correct and teach, with ``model``): retrain from the answers as they come
    (``retrain.py``). ``order="uncertain"`` (correct, with ``model``): hand out the texts the
    model expects the most wrong tags in first (``feed.py``)."""
    from .server import SESSION_RE, AppConfig, make_app

    check_recipe(recipe)
    check_order(order, recipe, model is not None)
    if token is None:
        token = secrets.token_urlsafe(24)
    if not TOKEN_RE.fullmatch(token):
        raise ConfigError(
            "E503",
            "--token should be 8-256 letters, digits or . _ ~ -",
            hint="Leave it out to get a random one.",
        )
    if not SESSION_RE.fullmatch(session):
        raise ConfigError("E503", f"--session {session!r}: use 1-64 letters, digits, _ . @ -")
    nlp: Pipeline | None = None
    if recipe in ("correct", "teach"):
        if model is None and recipe == "correct" and _has_suggestions(store, dataset):
            pass  # pre-filled with what nerkit predict --to-db stored
        elif model is None:
            raise ConfigError(
                "E503",
                f"The {recipe} recipe needs a trained model",
                hint="Pass --model DIR"
                + (
                    ", or store its predictions first: nerkit predict MODEL SOURCE --to-db "
                    f"{dataset}."
                    if recipe == "correct"
                    else "."
                ),
            )
        else:
            from ..pipeline import load

            nlp = load(model)
    notes = []
    if retrain is not None:
        check_retrain(retrain, recipe, model, store)
        notes += retrain_notes(retrain, dataset, nlp)
    matcher = PatternMatcher.from_file(patterns) if patterns else None
    if recipe == "review":
        from ..corpus.readwrite import db_dataset

        if db_dataset(source) != dataset and source != dataset:
            raise ConfigError(
                "E503",
                f"review shows the answers stored in DATASET; SOURCE should be db:{dataset}",
                hint=f"nerkit annotate review {dataset} db:{dataset}",
            )
        store.dataset(dataset)
        counts = ImportCounts()
    else:
        counts = load_source(store, dataset, source)
    wanted = annotation_labels(store, dataset, labels, nlp, matcher)
    if not wanted:
        raise ConfigError(
            "E503", "No labels to annotate", hint="Pass --label A,B,C (or --patterns FILE)."
        )
    store.record_labels(dataset, wanted)
    config = AppConfig.build(
        store,
        dataset,
        recipe,
        wanted,
        token=token,
        nlp=nlp,
        matcher=matcher,
        overlap=overlap,
        default_session=session,
        lease_seconds=lease_seconds,
        model_dir=Path(model) if model is not None else None,
        retrain=retrain,
        order=order,
    )
    url = f"http://{host}:{port}/?token={token}&session={session}"
    return Launch(make_app(config), url, token, wanted, counts, notes)


def check_retrain(
    settings: RetrainSettings, recipe: str, model: str | Path | None, store: Store
) -> None:
    """Stop before the app starts when retraining could not run (E510-E513, and the config's
    own errors for a wrong ``--retrain-set``)."""
    if recipe not in ("correct", "teach") or model is None:
        raise ConfigError(
            "E510",
            f"--retrain-every needs the correct or teach recipe with --model"
            f" (got {recipe}{'' if model is not None else ' without --model'})",
            hint="Retraining starts from the model's config: nerkit annotate teach DATASET "
            "SOURCE --model DIR --retrain-every 20 --models-dir models.",
        )
    if not shareable_url(store.url):
        raise ConfigError(
            "E512",
            "The store is an in-memory database: the retraining process could not read the answers",
            hint="Use a database file or server (--db nerkit.db).",
        )
    settings.check()
    if settings.dev is not None:
        from ..corpus.readwrite import db_dataset

        name = db_dataset(settings.dev)
        if name is not None:
            store.dataset(name)  # E401 when missing
        elif not Path(settings.dev).is_file():
            raise ConfigError(
                "E513",
                f"--retrain-dev {settings.dev}: no such data file",
                hint="Pass a data file or db:NAME holding complete answers.",
            )
    from ..training import resolve_config

    resolve_config("perceptron", Path(model) / "config.toml", settings.overrides)


def retrain_notes(settings: RetrainSettings, dataset: str, nlp: Pipeline | None) -> list[str]:
    """What to know before retraining starts: a model trained on DATASET itself has seen the
    texts of its dev split, so its dev F1 there is flattered and hard to beat."""
    if settings.dev is not None or nlp is None:
        return []
    trained_on = (nlp.meta.get("train_data") or {}).get("path")
    if trained_on != f"db:{dataset}":
        return []
    picked_on = (nlp.meta.get("dev_data") or {}).get("path")
    return [
        f"The model was trained on db:{dataset}: it has seen the texts of {dataset}'s dev split, "
        "so its dev F1 there is flattered and retrained models will seldom beat it. Pass "
        "--retrain-dev with texts it did not train on"
        + (
            f" (e.g. --retrain-dev {picked_on}, the dev data it was picked on)."
            if picked_on
            else "."
        )  # fmt: skip
    ]


def _has_suggestions(store: Store, dataset: str) -> bool:
    return dataset in {d.name for d in store.datasets()} and store.suggestion_count(dataset) > 0


def annotation_labels(
    store: Store,
    dataset: str,
    given: Sequence[str] = (),
    nlp: Pipeline | None = None,
    matcher: PatternMatcher | None = None,
) -> list[str]:
    """The labels a session annotates, in the order that gives each its number key and colour
    (:func:`nerkit.display.label_order`): ``given`` (``--label``) as typed; else the
    dataset's (:meth:`Store.labels`: recorded by earlier sessions, then as first answered),
    then the model's others, then the patterns' others (as first in their file)."""
    if given:
        return label_order(given)
    patterns = [p.label for p in matcher.patterns] if matcher is not None else []
    return label_order(store.labels(dataset), nlp.labels if nlp is not None else (), patterns)


def listen(host: str = "127.0.0.1", port: int = 8080) -> socket.socket:
    """The listening socket the app will serve on, bound now so that a busy or forbidden
    address is an error (E504) before the URL is printed.

    >>> sock = listen("127.0.0.1", 0)  # port 0: any free port
    >>> sock.getsockname()[1] > 0
    True
    >>> sock.close()
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off only on sockets that say TCP,
    # and with it on, a response written in two parts waited ~40 ms for the client's ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as err:
        sock.close()
        raise ConfigError(
            "E504",
            f"Cannot listen on {host}:{port}: {err.strerror or err}",
            hint="Another program (or another nerkit annotate) uses that port: pass --port "
            "with another number, or stop the other one.",
        ) from None
    return sock


def serve(launch: Launch, sock: socket.socket) -> None:
    """Run the app with uvicorn on the bound socket ``sock`` until interrupted."""
    from ..errors import missing_extra

    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the environment
        raise missing_extra("uvicorn", "web", "The annotation app (nerkit annotate)") from None
    server = uvicorn.Server(uvicorn.Config(launch.app, log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()

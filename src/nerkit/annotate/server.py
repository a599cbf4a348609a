"""The annotation web app: FastAPI routes over a recipe's task stream and the store.

Routes (all but ``/health`` need the token, see ``guard.py``):

- ``GET /health``: ``{"status": "ok"}``.
- ``GET /`` and ``GET /static/{app.js,style.css}``: the page.
- ``GET /api/config?session=S``: recipe, dataset, labels (in their order: keys 1-9) and
  ``colors`` (label -> colour, :func:`nerkit.display.label_colors`, as the entity view's).
- ``GET /api/tasks?session=S&n=10&exclude=1,2``: the next tasks and the progress.
- ``POST /api/answer``: ``{client_id, example_id, session, answer, spans, suggestion?,
  score?, kind?}``; the reply comes after the answer is committed, stored as the recipe's
  kind (``binary`` for teach, else ``complete``); teach also takes ``kind: "complete"``, a
  text edited whole (the page's ``e``). A ``client_id`` seen before is
  not stored again (``duplicate: true``), so the page may retry freely.
- ``GET /api/progress?session=S``: ``done``, ``total``, ``session_count``, and with a model
  ``model`` (its version, name and dev F1, and the retraining's state; see ``retrain.py``);
  the replies of ``/api/tasks`` and ``/api/answer`` carry the same progress.

Example:
    >>> from nerkit.store import Store
    >>> from fastapi.testclient import TestClient
    >>> store = Store("sqlite://")
    >>> _ = store.create_dataset("news")
    >>> app = make_app(AppConfig.build(store, "news", "manual", ["PER"], token="t0ken"))
    >>> client = TestClient(app)
    >>> client.get("/health").json(), client.get("/api/config").status_code
    ({'status': 'ok'}, 401)
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ..display import label_colors
from ..errors import NerkitError, missing_extra

try:
    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from pydantic import BaseModel, ConfigDict, Field
except ImportError:  # pragma: no cover - depends on the environment
    raise missing_extra("fastapi", "web", "The annotation app (nerkit annotate)") from None

from ..store import IMPORT_SESSION, Store
from ..tokenizer import get_tokenizer
from ..tokens import Doc
from .feed import Leases
from .guard import COOKIE, Guard
from .patterns import PatternMatcher
from .recipes import Prefill, ReviewTasks, StreamTasks, TaskSource, check_order, check_recipe
from .retrain import Retrainer, RetrainSettings
from .teach import TeachTasks, model_tokenizer

if TYPE_CHECKING:
    from ..pipeline import Pipeline

SESSION_RE = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
STATIC_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
MAX_TASKS = 50


@dataclass
class AppConfig:
    """Everything the server needs: the store, the dataset, the recipe's task stream."""

    store: Store
    dataset: str
    recipe: str
    labels: list[str]
    tasks: TaskSource
    token: str
    default_session: str = "default"
    overlap: bool = False
    tokenizer: Callable[[str], Doc] | None = None  # the tokens answers' spans must fall on
    model_dir: Path | None = None  # the model the app started with, if any
    retrainer: Retrainer | None = None

    @classmethod
    def build(
        cls,
        store: Store,
        dataset: str,
        recipe: str,
        labels: list[str],
        *,
        token: str,
        nlp: Pipeline | None = None,
        matcher: PatternMatcher | None = None,
        overlap: bool = False,
        default_session: str = "default",
        lease_seconds: float = 600.0,
        model_dir: Path | None = None,
        retrain: RetrainSettings | None = None,
        order: str = "stored",
    ) -> AppConfig:
        """Make the recipe's task stream over ``dataset`` (which must exist); with ``retrain``
        (correct and teach, with ``nlp`` loaded from ``model_dir``) its retrainer too.

        ``order``: ``stored`` (id order) or ``uncertain`` (correct with ``nlp``: the texts the
        model expects the most wrong tags in first, see ``feed.py``)."""
        check_recipe(recipe)
        check_order(order, recipe, nlp is not None)
        store.dataset(dataset)
        leases = Leases(store, lease_seconds)
        tokenizer = model_tokenizer(nlp)
        tasks: TaskSource
        if recipe == "teach":
            assert nlp is not None, "teach needs a model"
            tasks = TeachTasks(
                store, dataset, nlp, labels, matcher=matcher, overlap=overlap, leases=leases
            )
        elif recipe == "review":
            tasks = ReviewTasks(store, dataset, tokenizer, overlap=overlap, leases=leases)
        else:
            from .feed import Feed

            correct = recipe == "correct"
            prefill = Prefill(
                labels, tokenizer, nlp if correct else None, matcher, store if correct else None
            )
            rank = prefill.uncertainty if order == "uncertain" else None
            feed = Feed(store, dataset, overlap=overlap, leases=leases, rank=rank)
            tasks = StreamTasks(store, dataset, feed, prefill)
        retrainer = None
        if retrain is not None:
            assert model_dir is not None and isinstance(tasks, TeachTasks | StreamTasks)
            retrainer = Retrainer(
                retrain,
                db_url=store.url,
                dataset=dataset,
                model_dir=model_dir,
                labels=list(dict.fromkeys([*(nlp.labels if nlp else ()), *labels])),
                use_model=tasks.use_model,
            )
        return cls(
            store,
            dataset,
            recipe,
            list(labels),
            tasks,
            token,
            default_session,
            overlap,
            tokenizer,
            model_dir,
            retrainer,
        )

    def model_status(self) -> dict[str, Any] | None:
        """The model in use as the page shows it (None without a model)."""
        if self.retrainer is not None:
            return self.retrainer.status()
        if self.model_dir is None:
            return None
        name = self.model_dir.name
        return {"version": 0, "name": name, "dev_f1": None, "dev_texts": None, "retrain": None}


class SpanIn(BaseModel):
    """A span of an answer: character offsets into the example's text and a label."""

    model_config = ConfigDict(strict=True, extra="ignore")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str = Field(min_length=1, max_length=200)


class AnswerIn(BaseModel):
    """The body of ``POST /api/answer``."""

    model_config = ConfigDict(strict=True, extra="forbid")
    client_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    example_id: int = Field(ge=1, le=2**63 - 1)
    session: str = Field(pattern=f"^{SESSION_RE.pattern}$")
    answer: Literal["accept", "reject", "ignore"]
    spans: list[SpanIn] = Field(default_factory=list, max_length=5000)
    suggestion: SpanIn | None = None
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    kind: Literal["complete", "binary"] | None = None


def _span_keys(spans: Iterable[Any]) -> list[tuple[int, int, str]]:
    return sorted((int(s["start"]), int(s["end"]), str(s["label"])) for s in spans)


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _check_spans(body: AnswerIn, doc: Doc, labels: list[str]) -> str | None:
    """What is wrong with the answer's spans, or None: each must lie in the text, cover more
    than whitespace, start and end on the tokens the page showed, and carry a known label."""
    text = doc.text
    starts, ends = set(doc.starts.tolist()), set(doc.ends.tolist())
    spans = sorted(body.spans, key=lambda s: (s.start, s.end))
    for span in [*spans, *([body.suggestion] if body.suggestion else [])]:
        if span.end > len(text) or span.start >= span.end:
            return (
                f"Span {span.start}-{span.end} ({span.label}) is outside the text of example "
                f"{body.example_id} ({len(text)} characters) or empty"
            )
        if not text[span.start : span.end].strip():
            return f"Span {span.start}-{span.end} ({span.label}) covers only whitespace"
        if span.start not in starts or span.end not in ends:
            return (
                f"Span {span.start}-{span.end} ({span.label}) does not start and end on token "
                f"boundaries of example {body.example_id}: select whole tokens"
            )
        if span.label not in labels:
            return f"Unknown label {span.label!r}: this session annotates {', '.join(labels)}"
    for a, b in zip(spans, spans[1:]):
        if b.start < a.end:
            return f"Spans {a.start}-{a.end} and {b.start}-{b.end} overlap"
    return None


def make_app(config: AppConfig) -> Any:
    """The ASGI app (FastAPI inside the token guard) for ``config``."""
    store, tasks = config.store, config.tasks

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        yield
        if config.retrainer is not None:
            config.retrainer.close()  # its training process stops with the server

    app = FastAPI(
        title="nerkit annotate", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )

    def session_or_default(session: str | None) -> str:
        name = session or config.default_session
        if not SESSION_RE.fullmatch(name):
            raise _BadRequest(422, f"Session name {name!r}: use 1-64 letters, digits, _ . @ -")
        return name

    def progress(session: str) -> dict[str, Any]:
        done, total = tasks.progress(session)
        stored_as = tasks.answer_session(session)
        count = next(
            (s.annotations for s in store.sessions(config.dataset) if s.name == stored_as), 0
        )
        out: dict[str, Any] = {"done": done, "total": total, "session_count": count}
        model = config.model_status()
        if model is not None:
            out["model"] = model
        return out

    @app.exception_handler(_BadRequest)
    def bad_request(_: Request, err: _BadRequest) -> JSONResponse:
        return _error(err.status, err.message)

    @app.exception_handler(RequestValidationError)
    def invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        problems = err.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return _error(400, "The body is not valid JSON.")
        where = [".".join(str(x) for x in p.get("loc", ()) if x != "body") for p in problems]
        message = "; ".join(f"{w or 'body'}: {p.get('msg')}" for w, p in zip(where, problems))
        return _error(422, f"Invalid request: {message}")

    @app.exception_handler(NerkitError)
    def nerkit_error(_: Request, err: NerkitError) -> JSONResponse:
        return _error(404 if getattr(err, "code", "") == "E403" else 422, str(err))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    def page(request: Request) -> Response:
        html = _static("index.html")
        response = Response(html, media_type="text/html; charset=utf-8")
        response.set_cookie(COOKIE, config.token, httponly=True, samesite="strict")
        return response

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            return _error(404, f"No static file {name!r}")
        return Response(_static(name), media_type=STATIC_FILES[name] + "; charset=utf-8")

    @app.get("/api/config")
    def api_config(session: str | None = None) -> dict[str, Any]:
        name = session_or_default(session)
        return {
            "recipe": config.recipe,
            "dataset": config.dataset,
            "labels": config.labels,
            "colors": label_colors(config.labels),
            "session": name,
            "answer_session": tasks.answer_session(name),
            "overlap": config.overlap,
        }

    @app.get("/api/tasks")
    def api_tasks(
        session: str | None = None,
        n: Annotated[int, Query(ge=1, le=MAX_TASKS)] = 10,
        exclude: Annotated[str, Query(max_length=20000, pattern=r"^[0-9,]*$")] = "",
    ) -> dict[str, Any]:
        name = session_or_default(session)
        parts = [x for x in exclude.split(",") if x]
        if any(len(x) > 19 for x in parts):  # not an example id (nor an int the store holds)
            raise _BadRequest(422, "exclude lists example ids: numbers of at most 19 digits")
        skip = {int(x) for x in parts}
        return {"tasks": tasks.next(name, n, skip), "progress": progress(name)}

    @app.get("/api/progress")
    def api_progress(session: str | None = None) -> dict[str, Any]:
        return progress(session_or_default(session))

    @app.post("/api/answer")
    def api_answer(body: AnswerIn) -> dict[str, Any]:
        example = store.get_example(body.example_id)  # E403 -> 404
        if example.dataset != config.dataset:
            raise _BadRequest(404, f"Example {body.example_id} is not in {config.dataset}")
        if body.session == IMPORT_SESSION:
            raise _BadRequest(
                422, f"The session name {IMPORT_SESSION!r} is the importer's: pick another"
            )
        kind = body.kind or tasks.answer_kind
        if kind != tasks.answer_kind and config.recipe != "teach":
            raise _BadRequest(
                422, f"The {config.recipe} recipe stores {tasks.answer_kind} answers, not {kind}"
            )
        doc = example.doc(config.tokenizer or get_tokenizer("en"))
        problem = _check_spans(body, doc, config.labels)
        if problem:
            raise _BadRequest(422, problem)
        spans = [s.model_dump() for s in body.spans]
        earlier = store.annotation_by_client_id(body.client_id)
        duplicate = earlier is not None
        if earlier is not None and (
            earlier.example_id != body.example_id
            or earlier.answer != body.answer
            or _span_keys(earlier.spans) != _span_keys(spans)
        ):
            raise _BadRequest(
                409,
                f"client_id {body.client_id} was used for another answer (example "
                f"{earlier.example_id}, {earlier.answer}); this one is not stored",
            )
        saved = store.add_annotation(
            body.example_id,
            spans,
            body.answer,
            session=tasks.answer_session(body.session),
            suggestion=body.suggestion.model_dump() if body.suggestion else None,
            score=body.score,
            meta={"recipe": config.recipe},
            client_id=body.client_id,
            kind=kind,
            lease=tasks.lease_scope,
        )
        if not duplicate:
            tasks.answered(body.example_id, body.session, body.answer, spans, kind)
            if config.retrainer is not None:
                config.retrainer.answered(body.answer)
        return {
            "saved": True,
            "annotation_id": saved.id,
            "duplicate": duplicate,
            "progress": progress(body.session),
        }

    return Guard(app, config.token)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@cache  # package data: read once per process, not on every page load
def _static(name: str) -> bytes:
    return resources.files("nerkit.annotate").joinpath("static", name).read_bytes()

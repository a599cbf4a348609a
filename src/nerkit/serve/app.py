"""The REST server of a trained model (``nerkit serve MODEL``): FastAPI, run by uvicorn.

Routes: ``POST /v1/predict`` (``{"texts": [...]}`` or ``{"text": "..."}``: per text its
entities with start, end, label, text and score), ``GET /v1/model`` (labels, name, version,
training data hash, dev scores), ``GET /view`` (type a text, see its entities), ``GET
/health``, and the OpenAPI docs at ``/docs``.

Concurrent requests are batched together for the model (``batcher.py``). With an API key
every route but ``/health`` needs it (``Authorization: Bearer KEY``; ``/view`` also takes
``?key=KEY``). Bad input gets a 4xx with a message: more than ``max_texts`` texts, a text
over ``max_chars`` characters, a body over ``max_body`` bytes, malformed JSON; never a 500.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..annotate.guard import CSP, Guard
from ..display import render
from ..predict import model_identity
from ..version import __version__
from .batcher import Batcher

if TYPE_CHECKING:
    from pathlib import Path

    from ..pipeline import Pipeline

MAX_TEXTS = 128
MAX_CHARS = 100_000
MAX_BODY = 2_000_000
# The view page: its style is inline, it has no script and posts nowhere but to itself.
VIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI (FastAPI's /docs) loads its script and style from jsDelivr and runs one inline
# script; the browser fetches them, the server reaches nothing.
DOCS_CSP = (
    "default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data: "
    "https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'"
)


@dataclass
class ServeConfig:
    """What the server serves, and its limits."""

    nlp: Pipeline
    name: str
    version: str
    api_key: str | None = None
    max_texts: int = MAX_TEXTS
    max_chars: int = MAX_CHARS
    max_body: int = MAX_BODY
    batch_size: int = 64
    max_wait_ms: float = 2.0
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_path(cls, path: str | Path, **options: Any) -> ServeConfig:
        from ..pipeline import load

        nlp = load(path)
        name, version = model_identity(path, nlp)
        return cls(nlp, name, version, meta=dict(nlp.meta), **options)


class PredictIn(BaseModel):
    """The body of ``POST /v1/predict``: ``texts`` (a list) or ``text`` (one)."""

    model_config = ConfigDict(strict=True, extra="forbid")
    texts: list[str] | None = Field(default=None, min_length=1)
    text: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> PredictIn:
        if (self.texts is None) == (self.text is None):
            raise ValueError('give "texts" (a list of strings) or "text" (one string)')
        return self

    def all_texts(self) -> list[str]:
        return self.texts if self.texts is not None else [self.text or ""]


class Entity(BaseModel):
    start: int
    end: int
    label: str
    text: str
    score: float


class Result(BaseModel):
    entities: list[Entity]


class PredictOut(BaseModel):
    model: str
    version: str
    results: list[Result]


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def make_app(config: ServeConfig) -> Any:
    """The ASGI app for ``config`` (FastAPI inside the API-key and body-size guard)."""
    batcher = Batcher(config.nlp, batch_size=config.batch_size, max_wait_ms=config.max_wait_ms)
    app = FastAPI(
        title="nerkit serve",
        version=__version__,
        description=f"Entities found by the model {config.name} (version {config.version}).",
        on_shutdown=[batcher.close],
    )
    app.state.batcher = batcher  # its count of model calls: tests and the load benchmark

    @app.exception_handler(_BadRequest)
    def bad_request(_: Request, err: _BadRequest) -> JSONResponse:
        return JSONResponse({"error": err.message}, status_code=err.status)

    @app.exception_handler(RequestValidationError)
    def invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        problems = err.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return JSONResponse({"error": "The body is not valid JSON."}, status_code=400)
        where = [".".join(str(x) for x in p.get("loc", ()) if x != "body") for p in problems]
        message = "; ".join(f"{w or 'body'}: {p.get('msg')}" for w, p in zip(where, problems))
        return JSONResponse({"error": f"Invalid request: {message}"}, status_code=422)

    def check(texts: list[str]) -> None:
        if len(texts) > config.max_texts:
            raise _BadRequest(
                413, f"{len(texts)} texts in one request; send at most {config.max_texts}"
            )
        for i, t in enumerate(texts):
            if len(t) > config.max_chars:
                raise _BadRequest(
                    413,
                    f"Text {i} has {len(t):,} characters; at most {config.max_chars:,} per text "
                    "(split it, or start the server with a higher --max-chars)",
                )

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/predict", response_model=PredictOut)
    async def predict(body: PredictIn) -> dict[str, Any]:
        texts = body.all_texts()
        check(texts)
        found = await batcher.submit(texts)
        return {
            "model": config.name,
            "version": config.version,
            "results": [{"entities": entities} for entities in found],
        }

    @app.get("/v1/model")
    def model() -> dict[str, Any]:
        meta = config.meta
        found = meta.get("train_data")
        train: dict[str, Any] = found if isinstance(found, dict) else {}
        return {
            "name": config.name,
            "version": config.version,
            "architecture": meta.get("model"),
            "labels": list(config.nlp.labels),
            "lang": meta.get("lang"),
            "trained": meta.get("date"),
            "nerkit_version": meta.get("nerkit_version"),
            "train_data": {"sha256": train.get("sha256"), "examples": train.get("examples")},
            "dev_scores": meta.get("scores"),
        }

    @app.get("/view", response_class=HTMLResponse)
    async def view(
        text: Annotated[str, Query(max_length=MAX_CHARS)] = "",
        key: Annotated[str, Query(max_length=500)] = "",
    ) -> HTMLResponse:
        check([text])
        shown = ""
        if text.strip():
            (entities,) = await batcher.submit([text])
            shown = render({"text": text, "spans": entities}, labels=config.nlp.labels)
        hidden = f'<input type="hidden" name="key" value="{html.escape(key)}">' if key else ""
        page = (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(config.name)}: entities</title><style>"
            "body{font:16px system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
            "textarea{width:100%;font:inherit}</style></head><body>"
            f"<h1>{html.escape(config.name)} <small>{html.escape(config.version)}</small></h1>"
            '<form method="get" action="view">'
            f'<textarea name="text" rows="6" placeholder="Type a text">{html.escape(text)}'
            f"</textarea>{hidden}<p><button>Find entities</button></p></form>"
            f'<div id="result">{shown}</div></body></html>'
        )
        return HTMLResponse(page)

    def policy(path: str) -> str:
        if path == "/view":
            return VIEW_CSP
        if path.startswith("/docs"):
            return DOCS_CSP
        return CSP

    return Guard(
        app,
        config.api_key,
        config.max_body,
        csp=policy,
        unauthorized="Missing or wrong API key: send the header Authorization: Bearer KEY "
        "(the --api-key or NERKIT_API_KEY the server was started with).",
        token_param="key",
    )

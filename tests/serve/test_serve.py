"""`nerkit serve`: predictions over HTTP as the model makes them, limits with a 4xx and a
message, an API key when asked for, concurrent requests batched, never a 500 (issue #11)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import nerkit
from nerkit.cli import app
from nerkit.errors import NerkitError

TEXTS = ["Alice Smith flew to Berlin on Friday.", "Globex opened an office in Paris.", ""]
KEY = "k" * 24


def entities(nlp, text: str) -> list[tuple]:
    return [(e.start_char, e.end_char, e.label, e.text) for e in nlp(text).ents]


def test_predict_gives_what_the_model_finds(served, model: Path) -> None:
    srv = served()
    nlp = nerkit.load(model)
    r = httpx.post(f"{srv.base}/v1/predict", json={"texts": TEXTS})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "tiny" and len(body["version"]) == 12
    got = [[(e["start"], e["end"], e["label"], e["text"]) for e in res["entities"]]
           for res in body["results"]]  # fmt: skip
    assert got == [entities(nlp, t) for t in TEXTS] and got[0]
    assert all(0 <= e["score"] <= 1 for res in body["results"] for e in res["entities"])
    one = httpx.post(f"{srv.base}/v1/predict", json={"text": TEXTS[0]}).json()
    assert one["results"] == body["results"][:1]


def test_model_health_and_docs(served, model: Path) -> None:
    srv = served()
    info = httpx.get(f"{srv.base}/v1/model").json()
    meta = json.loads((model / "meta.json").read_text())
    assert info["labels"] == ["LOC", "ORG", "PER"] and info["name"] == "tiny"
    assert info["train_data"]["sha256"] == meta["train_data"]["sha256"]
    assert info["dev_scores"]["f1"] == pytest.approx(meta["scores"]["f1"])
    assert httpx.get(f"{srv.base}/health").json() == {"status": "ok"}
    spec = httpx.get(f"{srv.base}/openapi.json").json()
    assert "/v1/predict" in spec["paths"] and "/v1/model" in spec["paths"]
    assert httpx.get(f"{srv.base}/docs").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"texts": ["a"] * 5}, 413, "at most 4"),
        ({"text": "x" * 101}, 413, "at most 100"),
        ({"texts": []}, 422, "at least 1"),
        ({"texts": [1]}, 422, "valid string"),
        ({"text": "a", "texts": ["b"]}, 422, '"texts"'),
        ({}, 422, '"texts"'),
        ({"text": "a", "extra": 1}, 422, "extra"),
    ],
)
def test_bad_requests_get_a_4xx_that_says_why(served, body, status: int, says: str) -> None:
    srv = served(max_texts=4, max_chars=100)
    r = httpx.post(f"{srv.base}/v1/predict", json=body)
    assert r.status_code == status and says in r.json()["error"], r.text


def test_bodies_too_big_or_not_json(served) -> None:
    srv = served(max_body=1000)
    r = httpx.post(f"{srv.base}/v1/predict", json={"text": "x" * 2000})
    assert r.status_code == 413 and "1,000 bytes" in r.json()["error"]
    r = httpx.post(f"{srv.base}/v1/predict", content=b"{not json",
                   headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 400 and "JSON" in r.json()["error"]


def test_an_api_key_guards_every_route_but_health(served) -> None:
    srv = served(api_key=KEY)
    assert httpx.get(f"{srv.base}/health").status_code == 200
    for path in ("/v1/model", "/view", "/docs", "/openapi.json", "/nope"):
        r = httpx.get(f"{srv.base}{path}")
        assert r.status_code == 401 and "API key" in r.json()["error"], path
    r = httpx.post(
        f"{srv.base}/v1/predict", json={"text": "a"}, headers={"Authorization": "Bearer x"}
    )
    assert r.status_code == 401
    ok = httpx.post(f"{srv.base}/v1/predict", json={"text": TEXTS[0]},
                    headers={"Authorization": f"Bearer {KEY}"})  # fmt: skip
    assert ok.status_code == 200
    assert httpx.get(f"{srv.base}/view", params={"key": KEY}).status_code == 200


def test_concurrent_requests_share_model_calls(served, model: Path) -> None:
    srv = served(max_wait_ms=20.0)
    nlp = nerkit.load(model)
    results: dict[int, list] = {}

    def ask(i: int) -> None:
        text = f"Alice Smith met person {i} in Berlin."
        r = httpx.post(f"{srv.base}/v1/predict", json={"text": text}, timeout=30)
        got = r.json()["results"][0]["entities"]
        results[i] = [[(e["start"], e["end"], e["label"], e["text"]) for e in got],
                      entities(nlp, text)]  # fmt: skip

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 24 and all(a == b for a, b in results.values())
    batcher = srv.server.config.app.app.state.batcher  # inside the key guard
    assert batcher.batches < 24  # some requests were answered by one model call together


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["text", "texts", "x"]), inner, max_size=3),
    max_leaves=10))  # fmt: skip
def test_no_body_gets_a_500(served_once, body) -> None:
    r = httpx.post(f"{served_once.base}/v1/predict", json=body)
    assert r.status_code < 500, (body, r.text)


@pytest.fixture(scope="module")
def served_once(model: Path):
    from serve_helpers import Running

    from nerkit.serve.app import ServeConfig, make_app

    running = Running(make_app(ServeConfig.from_path(model)))
    yield running
    running.stop()


def test_view_escapes_and_highlights(served) -> None:
    srv = served()
    r = httpx.get(f"{srv.base}/view", params={"text": "Alice Smith <script>x</script> Berlin"})
    assert r.status_code == 200
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text
    assert 'class="nerkit-ent"' in r.text and "PER</span>" in r.text
    assert "script-src" not in r.headers["content-security-policy"]


def test_cli_refuses_an_open_host_without_a_key_and_a_busy_port(model: Path) -> None:
    result = CliRunner().invoke(app, ["serve", str(model), "--host", "0.0.0.0"])
    assert isinstance(result.exception, NerkitError) and result.exception.code == "E505"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", str(model), "--port", str(port)])
    assert isinstance(result.exception, NerkitError) and result.exception.code == "E504"
    assert "Serving" not in result.output

"""The answer API refuses what the page never sends (issue #10): ids past the store's
integers, spans inside one token or over whitespace only, the importer's session name, a
client id reused for another answer; every case is a 4xx with a message, never a 500."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from nerkit.annotate.server import AppConfig, make_app  # noqa: E402
from nerkit.corpus import Example  # noqa: E402
from nerkit.store import Store  # noqa: E402
from nerkit.tokens import Doc  # noqa: E402

TOKEN = "t0ken-for-tests"
TEXT = "Angela  Merkel visited Paris."  # two spaces: a whitespace token between the names


@pytest.fixture
def client_and_id():
    store = Store("sqlite://")
    doc = Doc.from_words(["Angela", " ", "Merkel", "visited", "Paris", "."],
                         [True, False, True, False, False, False])  # fmt: skip
    store.add_examples("news", [Example(Doc(doc.text, doc.starts, doc.ends))])
    config = AppConfig.build(store, "news", "manual", ["PER", "LOC"], token=TOKEN)
    client = TestClient(make_app(config))
    client.cookies.set("nerkit_token", TOKEN)
    example_id = client.get("/api/tasks", params={"session": "alice"}).json()["tasks"][0]["id"]
    yield client, example_id, doc.text
    store.close()


def _answer(client, example_id, spans, client_id="client-0001", session="alice"):
    body = {"client_id": client_id, "example_id": example_id, "session": session,
            "answer": "accept", "spans": spans}  # fmt: skip
    return client.post("/api/answer", json=body, headers={"x-nerkit-token": TOKEN})


def test_an_example_id_past_the_store_integers_is_422(client_and_id) -> None:
    client, _, _ = client_and_id
    assert _answer(client, 2**70, []).status_code == 422


def test_an_exclude_list_of_huge_numbers_is_422(client_and_id) -> None:
    client, _, _ = client_and_id
    r = client.get("/api/tasks", params={"session": "alice", "exclude": "9" * 5000})
    assert r.status_code == 422 and "19 digits" in r.json()["error"]


def test_spans_must_cover_whole_tokens_and_more_than_whitespace(client_and_id) -> None:
    client, example_id, text = client_and_id
    inside = _answer(client, example_id, [{"start": 1, "end": 4, "label": "PER"}])
    assert inside.status_code == 422 and "token boundaries" in inside.json()["error"]
    space = text.index("  ") + 1
    blank = _answer(client, example_id, [{"start": space, "end": space + 1, "label": "PER"}])
    assert blank.status_code == 422 and "whitespace" in blank.json()["error"]
    good = _answer(client, example_id, [{"start": 0, "end": len("Angela  Merkel"), "label": "PER"}])
    assert good.status_code == 200, good.json()


def test_the_importer_session_name_is_refused(client_and_id) -> None:
    client, example_id, _ = client_and_id
    r = _answer(client, example_id, [], session="import")
    assert r.status_code == 422 and "import" in r.json()["error"]


def test_a_reused_client_id_for_another_answer_is_409(client_and_id) -> None:
    client, example_id, _ = client_and_id
    first = _answer(client, example_id, [{"start": 0, "end": 6, "label": "PER"}])
    assert first.status_code == 200 and not first.json()["duplicate"]
    retry = _answer(client, example_id, [{"start": 0, "end": 6, "label": "PER"}])
    assert retry.status_code == 200 and retry.json()["duplicate"]  # the same answer again
    other = _answer(client, example_id, [{"start": 0, "end": 6, "label": "LOC"}])
    assert other.status_code == 409 and "another answer" in other.json()["error"]


def test_a_busy_port_is_e504_before_the_url_is_printed(tmp_path) -> None:
    import socket

    from typer.testing import CliRunner

    from nerkit.cli import app
    from nerkit.errors import ConfigError

    texts = tmp_path / "posts.txt"
    texts.write_text("Angela Merkel visited Paris.\n")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        result = CliRunner().invoke(
            app,
            ["annotate", "manual", "posts", str(texts), "--label", "PER", "--port", str(port),
             "--db", str(tmp_path / "n.db")],
        )  # fmt: skip
    finally:
        busy.close()
    assert isinstance(result.exception, ConfigError) and result.exception.code == "E504"
    assert "Open" not in result.output

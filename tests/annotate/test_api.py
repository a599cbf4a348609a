"""The annotation server over HTTP: token, limits, malformed requests, answers, feeds, recipes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from annotate_helpers import TOKEN, write_texts

H = {"Authorization": f"Bearer {TOKEN}"}
TEXTS = ["Ann met Bob in Paris.", "Gucci opened in Rome.", "Nothing here.", "Bob left Berlin."]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_texts(tmp_path / "texts.jsonl", TEXTS)


def answer(base: str, task: dict, session: str = "alice", **fields: object) -> httpx.Response:
    body = {
        "client_id": fields.pop("client_id", f"c-{session}-{task['id']}-0001"),
        "example_id": task["id"],
        "session": session,
        "answer": "accept",
        "spans": [],
        **fields,
    }
    return httpx.post(f"{base}/api/answer", json=body, headers=H)


def tasks(base: str, session: str = "alice", n: int = 10) -> list[dict]:
    r = httpx.get(f"{base}/api/tasks", params={"session": session, "n": n}, headers=H)
    assert r.status_code == 200, r.text
    return r.json()["tasks"]


def test_every_route_but_health_needs_the_token(live, source) -> None:
    srv = live("manual", "news", str(source), labels=["PER"])
    assert httpx.get(f"{srv.base}/health").json() == {"status": "ok"}
    for path in ("/", "/static/app.js", "/api/config", "/api/tasks", "/nope", "/docs"):
        r = httpx.get(srv.base + path)
        assert r.status_code == 401, path
        assert "token" in r.json()["error"]
    assert httpx.post(f"{srv.base}/api/answer", json={}).status_code == 401
    bad = {"Authorization": "Bearer wrong-token-xyz"}
    assert httpx.get(f"{srv.base}/api/config", headers=bad).status_code == 401
    # Header, X-Nerkit-Token, ?token= all work; the page sets a cookie for its assets.
    assert httpx.get(f"{srv.base}/api/config", headers=H).status_code == 200
    assert httpx.get(f"{srv.base}/api/config", headers={"X-Nerkit-Token": TOKEN}).status_code == 200
    page = httpx.get(f"{srv.base}/", params={"token": TOKEN})
    assert page.status_code == 200 and '<script src="/static/app.js"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    cookies = {"nerkit_token": page.cookies["nerkit_token"]}
    assert httpx.get(f"{srv.base}/static/app.js", cookies=cookies).status_code == 200
    # The cookie opens GET assets only, never the API's writes.
    assert httpx.post(f"{srv.base}/api/answer", json={}, cookies=cookies).status_code == 401


def test_malformed_requests_get_a_clear_4xx(live, source) -> None:
    srv = live("manual", "news", str(source), labels=["PER"])
    task = tasks(srv.base)[0]
    url = f"{srv.base}/api/answer"
    ok = {"client_id": "abcdefgh-1", "example_id": task["id"], "session": "alice",
          "answer": "accept", "spans": [{"start": 0, "end": 3, "label": "PER"}]}  # fmt: skip
    cases = [
        (b"{not json", 400, "not valid JSON"),
        (json.dumps([1, 2]).encode(), 422, "Invalid request"),
        (json.dumps({**ok, "example_id": "1"}).encode(), 422, "example_id"),
        (json.dumps({**ok, "spans": "PER"}).encode(), 422, "spans"),
        (json.dumps({**ok, "answer": "maybe"}).encode(), 422, "answer"),
        (json.dumps({**ok, "session": "<b>"}).encode(), 422, "session"),
        (json.dumps({**ok, "spans": [{"start": 0, "end": 999, "label": "PER"}]}).encode(), 422, "outside the text"),
        (json.dumps({**ok, "spans": [{"start": 3, "end": 3, "label": "PER"}]}).encode(), 422, "empty"),
        (json.dumps({**ok, "spans": [{"start": 0, "end": 3, "label": "GPE"}]}).encode(), 422, "Unknown label"),
        (json.dumps({**ok, "spans": [{"start": 0, "end": 7, "label": "PER"}, {"start": 4, "end": 7, "label": "PER"}]}).encode(), 422, "overlap"),
        (json.dumps({**ok, "example_id": 424242}).encode(), 404, "No example"),
        (json.dumps({k: v for k, v in ok.items() if k != "client_id"}).encode(), 422, "client_id"),
        (b"x" * 1_100_000, 413, "over 1,000,000 bytes"),
    ]  # fmt: skip
    for body, status, words in cases:
        r = httpx.post(url, content=body, headers={**H, "Content-Type": "application/json"})
        assert r.status_code == status, (body[:80], r.text)
        assert words in r.json()["error"], (words, r.text)
    bad_query = httpx.get(f"{srv.base}/api/tasks", params={"n": "lots"}, headers=H)
    assert bad_query.status_code == 422
    assert (
        httpx.get(f"{srv.base}/api/tasks", params={"session": "a b"}, headers=H).status_code == 422
    )
    assert (
        httpx.post(
            url, content=json.dumps(ok), headers={**H, "Content-Type": "application/json"}
        ).status_code
        == 200
    )


def test_answers_are_idempotent_by_client_id(live, source, store) -> None:
    srv = live("manual", "news", str(source), labels=["PER"])
    task = tasks(srv.base)[0]
    spans = [{"start": 0, "end": 3, "label": "PER"}]
    first = answer(srv.base, task, client_id="same-id-123", spans=spans).json()
    again = answer(srv.base, task, client_id="same-id-123", spans=spans).json()
    assert first["saved"] and not first["duplicate"] and again["duplicate"]
    assert first["annotation_id"] == again["annotation_id"]
    stored = store.annotations(task["id"])
    assert [(a.client_id, a.spans, a.session) for a in stored] == [("same-id-123", spans, "alice")]
    assert first["progress"] == {"done": 1, "total": 4, "session_count": 1}


def test_no_overlap_hands_each_example_to_one_session(live, source) -> None:
    srv = live("manual", "news", str(source), labels=["PER"])
    alice = tasks(srv.base, "alice", n=2)
    bob = tasks(srv.base, "bob", n=10)
    assert len(alice) == 2 and len(bob) == 2
    assert not {t["id"] for t in alice} & {t["id"] for t in bob}
    # Alice asking again gets her leased ones back (a reload loses nothing).
    assert [t["id"] for t in tasks(srv.base, "alice", n=2)] == [t["id"] for t in alice]
    for t in alice:
        assert answer(srv.base, t, "alice").status_code == 200
    assert {t["id"] for t in tasks(srv.base, "carol")} == set()  # bob holds the rest


def test_a_lease_that_runs_out_hands_the_example_on(store, source) -> None:
    from nerkit.annotate.feed import Feed, Leases
    from nerkit.annotate.launch import load_source

    load_source(store, "news", str(source))
    now = [0.0]
    feed = Feed(store, "news", leases=Leases(store, 60, clock=lambda: now[0]))
    first = [e.id for e in feed.next("alice", 4)]
    assert feed.next("bob", 4) == []
    now[0] = 61.0
    assert [e.id for e in feed.next("bob", 4)] == first


def test_feed_overlap_hands_every_example_to_every_session(live, source) -> None:
    srv = live("manual", "news", str(source), labels=["PER"], overlap=True)
    alice, bob = tasks(srv.base, "alice"), tasks(srv.base, "bob")
    assert [t["id"] for t in alice] == [t["id"] for t in bob] and len(alice) == 4
    answer(srv.base, alice[0], "alice")
    assert alice[0]["id"] not in {t["id"] for t in tasks(srv.base, "alice")}
    assert alice[0]["id"] in {t["id"] for t in tasks(srv.base, "bob")}


def test_answered_examples_are_not_asked_again_after_a_restart(live, source) -> None:
    srv = live("manual", "news", str(source), labels=["PER"])
    first = tasks(srv.base)[0]
    answer(srv.base, first)
    srv.stop()
    srv2 = live("manual", "news", str(source), labels=["PER"])
    assert first["id"] not in {t["id"] for t in tasks(srv2.base, "bob")}


def test_manual_prefills_input_spans_and_pattern_matches(live, tmp_path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"text": "Ann wore Gucci.", "spans": [{"start": 0, "end": 3, "label": "PER"}]})
        + "\n"
    )
    pats = tmp_path / "p.jsonl"
    pats.write_text('{"label": "BRAND", "pattern": [{"lower": "gucci"}]}\n')
    srv = live("manual", "news", str(src), labels=["PER", "BRAND"], patterns=str(pats))
    (task,) = tasks(srv.base)
    assert [(s["start"], s["end"], s["label"], s["source"]) for s in task["spans"]] == [
        (0, 3, "PER", "input"),
        (9, 14, "BRAND", "pattern"),
    ]
    assert task["tokens"][:2] == [[0, 3], [4, 8]]


def test_correct_prefills_the_model_predictions(live, tmp_path, tiny_model) -> None:
    src = write_texts(tmp_path / "t.jsonl", ["Alice Smith flew to Berlin on Friday."])
    srv = live("correct", "news", str(src), model=str(tiny_model))
    (task,) = tasks(srv.base)
    got = {(task["text"][s["start"] : s["end"]], s["label"], s["source"]) for s in task["spans"]}
    assert ("Berlin", "LOC", "model") in got
    assert all(0 <= s["score"] <= 1 for s in task["spans"])


def test_review_shows_each_session_and_stores_the_reviewers_answer(live, source, store) -> None:
    srv = live("manual", "news", str(source), labels=["PER"], overlap=True)
    (t1,) = tasks(srv.base, "alice", n=1)
    answer(srv.base, t1, "alice", spans=[{"start": 0, "end": 3, "label": "PER"}])
    answer(srv.base, t1, "bob", spans=[{"start": 8, "end": 11, "label": "PER"}])
    srv.stop()
    rev = live("review", "news", "db:news", labels=["PER"])
    (task,) = tasks(rev.base, "carol")
    assert task["id"] == t1["id"]
    assert [(v["session"], v["spans"]) for v in task["versions"]] == [
        ("alice", [{"start": 0, "end": 3, "label": "PER"}]),
        ("bob", [{"start": 8, "end": 11, "label": "PER"}]),
    ]
    final = [{"start": 0, "end": 3, "label": "PER"}, {"start": 8, "end": 11, "label": "PER"}]
    r = answer(rev.base, task, "carol", spans=final, client_id="review-1234")
    assert r.status_code == 200
    assert store.annotations(t1["id"])[-1].session == "review:carol"
    assert tasks(rev.base, "carol") == []
    merged = {e.text: e.spans for e in store.merged("news")}
    assert merged[TEXTS[0]] == [(0, 3, "PER"), (8, 11, "PER")]


def test_review_needs_the_dataset_as_its_source(store, source) -> None:
    from nerkit.annotate.launch import prepare
    from nerkit.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        prepare(store, "review", "news", str(source), labels=["PER"], token=TOKEN)
    assert "db:news" in str(err.value)


def test_db_source_copies_the_examples_of_another_dataset(store, source) -> None:
    from nerkit.annotate.launch import load_source

    load_source(store, "raw", str(source))
    counts = load_source(store, "gold", "db:raw")
    assert counts.added == 4
    assert [e.text for e in store.examples("gold")] == TEXTS
    assert load_source(store, "gold", "db:raw").added == 0

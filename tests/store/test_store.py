"""The Store API, run against a SQLite file and a real PostgreSQL server (same tests)."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra (SQLAlchemy)")

from nerkit.corpus import Example  # noqa: E402
from nerkit.errors import SpanError, StoreError  # noqa: E402
from nerkit.store import Store  # noqa: E402
from nerkit.store.migrations import LATEST  # noqa: E402
from nerkit.tokens import Doc  # noqa: E402


def ex(text: str, spans=(), answer: str = "accept", meta=None, tokens=False) -> Example:
    doc = Doc(text, [], [], check=False)
    if tokens:
        words = text.split(" ")
        starts, pos = [], 0
        for w in words:
            starts.append(pos)
            pos += len(w) + 1
        doc = Doc(text, starts, [s + len(w) for s, w in zip(starts, words)])
    return Example(doc, list(spans), answer=answer, meta=dict(meta or {}))


TEXTS = ["Ann met Bob.", "Bob left Paris.", "Nothing here."]


def test_open_migrates_to_the_latest_schema(store: Store) -> None:
    assert store.schema_version == LATEST
    assert store.dialect in ("sqlite", "postgresql")


def test_create_list_and_drop_datasets(store: Store) -> None:
    made = store.create_dataset("news", {"lang": "en"})
    assert made.name == "news" and made.meta == {"lang": "en"}
    store.create_dataset("b-2.x")
    assert [d.name for d in store.datasets()] == ["b-2.x", "news"]
    with pytest.raises(StoreError) as err:
        store.create_dataset("news")
    assert err.value.code == "E402"
    assert store.create_dataset("news", exist_ok=True).id == made.id
    store.add_examples("news", [ex(t) for t in TEXTS])
    eid = next(store.examples("news")).id
    store.add_annotation(eid, [], "accept", session="alice")

    dropped = store.drop_dataset("news")
    assert (dropped.examples, dropped.annotations) == (3, 1)
    assert [d.name for d in store.datasets()] == ["b-2.x"]
    with pytest.raises(StoreError) as err:
        store.dataset("news")
    assert err.value.code == "E401" and "b-2.x" in str(err.value)
    with pytest.raises(StoreError):
        store.get_example(eid)  # its rows went with it


@pytest.mark.parametrize("name", ["", "has space", "semi;colon", "x" * 201, "-lead"])
def test_bad_dataset_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(StoreError, match="not allowed"):
        store.create_dataset(name)


def test_reimporting_the_same_texts_skips_them(store: Store) -> None:
    first = store.add_examples("news", [ex(t) for t in [*TEXTS, TEXTS[0]]])
    assert (first.added, first.duplicates, first.annotations) == (3, 1, 0)
    again = store.add_examples("news", [ex(t, meta={"other": 1}) for t in TEXTS] + [ex("  ")])
    assert (again.added, again.duplicates, again.empty) == (0, 3, 1)
    assert [e.text for e in store.examples("news")] == TEXTS
    assert store.dataset("news").examples == 3
    # The hash is per dataset: another dataset takes the same texts.
    assert store.add_examples("other", [ex(TEXTS[0])]).added == 1


def test_small_batches_give_the_same_result(store: Store) -> None:
    texts = [f"text number {i}" for i in range(23)]
    counts = store.add_examples("d", [ex(t) for t in texts + texts[:5]], batch_size=4)
    assert (counts.added, counts.duplicates) == (23, 5)
    assert [e.text for e in store.examples("d", batch_size=3)] == texts


def test_annotated_import_keeps_example_and_annotation(store: Store) -> None:
    items = [ex(TEXTS[0], [(0, 3, "PER"), (8, 11, "PER")]), ex(TEXTS[1], answer="reject")]
    counts = store.add_examples("news", items, annotated=True)
    assert (counts.added, counts.annotations) == (2, 2)
    first = next(store.examples("news"))
    assert [s["label"] for s in first.spans] == ["PER", "PER"]  # kept as pre-annotations
    (ann,) = store.annotations(first.id)
    assert ann.session == "import" and ann.answer == "accept"
    assert ann.spans == [
        {"start": 0, "end": 3, "label": "PER"},
        {"start": 8, "end": 11, "label": "PER"},
    ]

    again = store.add_examples("news", items, annotated=True)
    assert (again.added, again.duplicates, again.annotations) == (0, 2, 0)
    corrected = store.add_examples("news", [ex(TEXTS[0], [(0, 3, "PER")])], annotated=True)
    assert corrected.annotations == 1  # a new answer to a known text is kept
    assert len(store.annotations(first.id)) == 2


def test_tokens_are_kept_when_the_input_has_them(store: Store) -> None:
    store.add_examples("d", [ex("New York rocks", tokens=True), ex("no tokens here")])
    with_tokens, without = store.examples("d")
    assert with_tokens.tokens == [(0, 3), (4, 8), (9, 14)]
    assert with_tokens.doc().words == ["New", "York", "rocks"]
    assert without.tokens is None
    assert without.doc().words == ["no", "tokens", "here"]  # tokenized on the way out


def test_add_annotation_is_committed_when_it_returns(store: Store, db_url: str) -> None:
    store.add_examples("news", [ex(t) for t in TEXTS])
    eid = next(store.unanswered("news")).id
    ann = store.add_annotation(
        eid, [{"start": 0, "end": 3, "label": "PER"}], "accept", session="alice",
        suggestion=(0, 3, "PER"), score=0.75, meta={"seconds": 3},
    )  # fmt: skip
    # Another engine (as another process would) sees it at once.
    with Store(db_url) as other:
        (seen,) = other.annotations(eid)
    assert seen.id == ann.id and seen.session == "alice"
    assert seen.suggestion == {"start": 0, "end": 3, "label": "PER"} and seen.score == 0.75
    assert seen.meta == {"seconds": 3} and seen.created.tzinfo is not None


def test_bad_annotations_are_refused(store: Store) -> None:
    store.add_examples("news", [ex(TEXTS[0])])
    eid = next(store.examples("news")).id
    with pytest.raises(SpanError) as err:
        store.add_annotation(eid, [(0, 99, "PER")], session="alice")
    assert err.value.code == "E020" and f"example {eid}" in str(err.value)
    with pytest.raises(SpanError):
        store.add_annotation(eid, [(3, 3, "PER")], session="alice")
    with pytest.raises(StoreError, match="Answer"):
        store.add_annotation(eid, [], "maybe", session="alice")
    with pytest.raises(StoreError, match="span"):
        store.add_annotation(eid, [{"start": 0}], session="alice")
    with pytest.raises(StoreError) as missing:
        store.add_annotation(10**6, [], session="alice")
    assert missing.value.code == "E403"
    with pytest.raises(StoreError, match="Session name"):
        store.add_annotation(eid, [], session="")
    assert store.annotations(eid) == []


def test_unanswered_overall_and_per_session(store: Store) -> None:
    store.add_examples("news", [ex(t) for t in TEXTS])
    a, b, c = (e.id for e in store.examples("news"))
    store.add_annotation(a, [], "accept", session="alice")
    store.add_annotation(b, [], "ignore", session="bob")
    assert [e.id for e in store.unanswered("news")] == [c]
    assert [e.id for e in store.unanswered("news", session="alice")] == [b, c]
    assert [e.id for e in store.unanswered("news", session="carol")] == [a, b, c]
    assert [e.id for e in store.unanswered("news", session="carol", after=a)] == [b, c]


def test_unanswered_skips_what_is_answered_while_iterating(store: Store) -> None:
    store.add_examples("d", [ex(f"text {i}") for i in range(6)])
    ids = [e.id for e in store.examples("d")]
    seen = []
    for stored in store.unanswered("d", batch_size=2):
        seen.append(stored.id)
        if stored.id == ids[0]:
            store.add_annotation(ids[4], [], session="other-tab")
    assert seen == [i for i in ids if i != ids[4]]


def test_merged_takes_the_latest_answer_that_is_not_ignore(store: Store) -> None:
    store.add_examples("news", [ex(t) for t in TEXTS])
    a, b, c = (e.id for e in store.examples("news"))
    store.add_annotation(a, [(0, 3, "PER")], "accept", session="alice")
    store.add_annotation(a, [(0, 3, "PER"), (8, 11, "PER")], "accept", session="bob")
    store.add_annotation(a, [], "ignore", session="carol")  # ignore does not undo an answer
    store.add_annotation(b, [(9, 14, "LOC")], "accept", session="alice")
    store.add_annotation(b, [], "reject", session="review")  # the later reject decides
    store.add_annotation(c, [], "ignore", session="alice")

    merged = {m.text: m for m in store.merged("news", answer=None)}
    assert merged[TEXTS[0]].spans == [(0, 3, "PER"), (8, 11, "PER")]
    assert merged[TEXTS[1]].answer == "reject"
    assert merged[TEXTS[2]].answer == "ignore"
    assert [m.text for m in store.merged("news")] == [TEXTS[0]]  # accepted only
    assert [m.text for m in store.merged("news", answer="reject")] == [TEXTS[1]]

    per_alice = {m.text: m for m in store.merged("news", answer=None, session="alice")}
    assert per_alice[TEXTS[0]].spans == [(0, 3, "PER")]
    assert per_alice[TEXTS[1]].answer == "accept"
    source = merged[TEXTS[0]].source
    assert source is not None and str(source) == f"db:news record {a}"


def test_merged_pages_through_many_examples(store: Store) -> None:
    store.add_examples("d", [ex(f"Ann {i}") for i in range(12)])
    for stored in store.examples("d"):
        store.add_annotation(stored.id, [(0, 3, "PER")], session="a")
    merged = list(store.merged("d", batch_size=5))
    assert [m.text for m in merged] == [f"Ann {i}" for i in range(12)]
    assert all(m.spans == [(0, 3, "PER")] for m in merged)


def test_stats_and_sessions(store: Store) -> None:
    store.add_examples("news", [ex(TEXTS[0], [(0, 3, "PER")])], annotated=True)
    store.add_examples("news", [ex(t) for t in TEXTS])
    a, b, _ = (e.id for e in store.examples("news"))
    store.add_annotation(a, [(0, 3, "PER"), (8, 11, "PER")], session="alice")
    store.add_annotation(b, [(9, 14, "LOC")], "reject", session="alice")
    stats = store.stats("news")
    assert (stats.examples, stats.unanswered, stats.annotations) == (3, 1, 3)
    assert stats.answers == {"accept": 2, "reject": 1}
    assert stats.labels == {"PER": 3}  # spans of accepted annotations
    assert stats.sessions == {"alice": 2, "import": 1}
    assert [(s.name, s.annotations) for s in store.sessions("news")] == [
        ("alice", 2),
        ("import", 1),
    ]
    assert store.start_session("news", "bob").name == "bob"
    assert [s.name for s in store.sessions("news")] == ["alice", "bob", "import"]
    info = store.dataset("news")
    assert (info.examples, info.annotations) == (3, 3)


def test_threads_share_one_store(store: Store) -> None:
    store.add_examples("news", [ex(f"Ann says {i}") for i in range(8)])
    ids = [e.id for e in store.examples("news")]
    errors: list[BaseException] = []

    def annotate(worker: int) -> None:
        try:
            for eid in ids:  # every worker answers every example, all in a new session
                store.add_annotation(eid, [(0, 3, "PER")], session=f"annotator-{worker}")
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=annotate, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stats = store.stats("news")
    assert stats.annotations == 32
    assert stats.sessions == {f"annotator-{w}": 8 for w in range(4)}

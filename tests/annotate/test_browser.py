"""The page as a person uses it: Playwright driving Debian's headless chromium.

Skipped when /usr/bin/chromium or the playwright package (the ``browser`` extra) is missing.
Each test starts the real server (uvicorn in a thread, loopback, a temporary SQLite store).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from annotate_helpers import write_texts

from browser import open_page, require_browser

DOCS = Path(__file__).parents[2] / "docs"
sync_api = require_browser()


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture
def page(playwright, tmp_path: Path) -> Iterator[object]:
    with open_page(playwright, tmp_path / "profile", 1100, 600) as page:
        yield page


def tok(page, text: str):
    return page.locator("#text .tok").filter(has_text=re.compile(f"^{re.escape(text)}$")).first


def drag(page, first: str, last: str, selected: str = "#text .tok.sel") -> None:
    """Press inside ``first`` and let go inside ``last``: a partial selection of both; waits
    for ``selected`` to show."""
    tok(page, first).scroll_into_view_if_needed()
    a, b = tok(page, first).bounding_box(), tok(page, last).bounding_box()
    page.mouse.move(a["x"] + a["width"] * 0.6, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] * 0.3, b["y"] + b["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_selector(selected)


def marks(page) -> list[tuple[str, str]]:
    out = []
    for m in page.locator("#text mark.ent").all():
        words = " ".join(m.locator(".tok").all_text_contents())
        out.append((words, m.get_attribute("data-label")))
    return out


def wait_saved(page) -> None:
    page.wait_for_selector("#unsaved", state="hidden")


def test_manual_by_mouse_and_keyboard_then_export(live, page, tmp_path, store) -> None:
    texts = ["Ann Lee met Bob in Paris today.", "Gucci opened a store in Rome.", "Nothing here."]
    pats = tmp_path / "p.jsonl"
    pats.write_text('{"label": "ORG", "pattern": [{"lower": "acme"}]}\n')
    srv = live("manual", "news", str(write_texts(tmp_path / "t.jsonl", texts)),
               labels=["PER", "ORG", "LOC"], patterns=str(pats))  # fmt: skip
    page.goto(srv.url("alice"))
    page.wait_for_selector("#text .tok")
    assert page.locator("#progress-text").inner_text() == "0 / 3"
    assert (
        "1" in page.locator("#labels").inner_text()
        and "PER" in page.locator("#labels").inner_text()
    )

    # 1: drag across "Ann Lee" (partly selected tokens snap to whole tokens), key 1 = PER.
    drag(page, "Ann", "Lee")
    assert page.locator("#text .tok.sel").all_inner_texts() == ["Ann", "Lee"]
    page.keyboard.press("1")
    # "Bob" by mouse with the label button, then removed by clicking it.
    drag(page, "Bob", "Bob")
    page.get_by_role("button", name=re.compile("PER")).click()
    assert marks(page) == [("Ann Lee", "PER"), ("Bob", "PER")]
    page.locator("#text mark.ent", has_text="Bob").click()
    # Keyboard only: Escape resets the cursor; to "Paris" (token 5), key 3 = LOC.
    page.keyboard.press("Escape")
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("3")
    # Keyboard extend: "today ." is not wanted; shift+arrow selects two tokens then Escape.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    assert page.locator("#text .tok.sel").all_inner_texts() == ["today", "."]
    page.keyboard.press("Escape")
    assert marks(page) == [("Ann Lee", "PER"), ("Paris", "LOC")]
    page.mouse.move(5, 590)  # no hover highlight in the picture
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "annotate-manual.png"))
    page.keyboard.press("a")

    # 2: "Gucci" as ORG, accept, undo, add "Rome" as LOC, accept again.
    page.wait_for_selector("#text .tok >> text=Gucci")
    drag(page, "Gucci", "Gucci")
    page.keyboard.press("2")
    page.keyboard.press("a")
    page.wait_for_selector("#text .tok >> text=Nothing")
    page.keyboard.press("z")
    page.wait_for_selector("#text .tok >> text=Gucci")
    assert marks(page) == [("Gucci", "ORG")]
    drag(page, "Rome", "Rome")
    page.keyboard.press("3")
    page.keyboard.press("a")

    # 3: nothing to mark; ignore with space is undone, then accepted empty.
    page.wait_for_selector("#text .tok >> text=Nothing")
    page.keyboard.press("a")
    page.wait_for_selector("#done", state="visible")
    wait_saved(page)
    assert page.locator("#progress-text").inner_text() == "3 / 3"

    got = {ex.text: ex.spans for ex in store.merged("news", answer=None)}
    assert got == {
        texts[0]: [(0, 7, "PER"), (19, 24, "LOC")],
        texts[1]: [(0, 5, "ORG"), (24, 28, "LOC")],
        texts[2]: [],
    }
    assert {a.session for a in store.dataset_annotations("news")} == {"alice"}


def test_teach_accept_and_reject(live, page, tmp_path, tiny_model, store) -> None:
    texts = ["Alice Smith flew to Berlin on Friday.", "Carol Diaz moved to Madrid."]
    srv = live(
        "teach", "news", str(write_texts(tmp_path / "t.jsonl", texts)), model=str(tiny_model)
    )
    page.goto(srv.url("alice"))
    page.wait_for_selector("#prompt >> text=Is this a")
    assert page.locator("#labels").is_hidden()
    first = page.locator("#text mark.ent").get_attribute("data-label")
    page.keyboard.press("a")
    sync_api.expect(page.locator("#progress-text")).to_have_text(re.compile(r"^1 / "))
    page.keyboard.press("x")
    page.wait_for_selector("#done", state="visible")
    wait_saved(page)
    answers = sorted((a.answer, a.spans[0]["label"], a.score is not None)
                     for a in store.dataset_annotations("news"))  # fmt: skip
    assert [a[0] for a in answers] == ["accept", "reject"] and all(a[2] for a in answers)
    assert first in {a[1] for a in answers}


def test_teach_e_fixes_a_boundary_as_a_complete_answer(
    live, page, tmp_path, tiny_model, store
) -> None:
    text = "Alice Smith Jones flew to Berlin."  # the tiny model stops at "Alice Smith"
    srv = live("teach", "news", str(write_texts(tmp_path / "t.jsonl", [text])),
               model=str(tiny_model), labels=["PER", "LOC", "ORG"])  # fmt: skip
    page.goto(srv.url("alice"))
    page.wait_for_selector("#prompt >> text=Is this a")
    assert page.locator("#model-info").inner_text().startswith(f"model {tiny_model.name}")
    suggested = marks(page)
    assert len(suggested) == 1 and page.locator("#labels").is_hidden()
    page.keyboard.press("e")  # the text in the manual editor, the suggestion pre-filled
    page.wait_for_selector("#labels .label-btn")
    assert marks(page) == suggested and "complete answer" in page.locator("#prompt").inner_text()
    drag(page, "Alice", "Jones")
    page.keyboard.press("1")
    drag(page, "Berlin", "Berlin")
    page.keyboard.press("2")
    assert marks(page) == [("Alice Smith Jones", "PER"), ("Berlin", "LOC")]
    page.keyboard.press("a")
    page.wait_for_selector("#done", state="visible")
    wait_saved(page)
    (stored,) = store.dataset_annotations("news")
    assert (stored.kind, stored.answer) == ("complete", "accept")
    assert [(s["start"], s["end"], s["label"]) for s in stored.spans] == [
        (0, 17, "PER"),
        (26, 32, "LOC"),
    ]


def test_a_retrained_model_comes_in_without_interrupting_the_text_on_screen(
    live, page, tmp_path, tiny_model, store
) -> None:
    from nerkit.annotate.retrain import RetrainSettings
    from nerkit.corpus import Example
    from nerkit.tokens import Doc

    products = ["Zapphone", "Quixpad", "Blorbook"]
    texts = [f"{t} {p} {e}" for t, e in (("I sold my", "today."), ("Selling a used", "cheap."),
             ("Anyone want a", "now?"), ("My", "still works."), ("Got a new", "last week."),
             ("Trading my", "for cash."), ("Who has a", "to sell?"), ("Buying a", "soon."))
             for p in products]  # fmt: skip

    def gold(text: str) -> list[tuple[int, int, str]]:
        name = next(p for p in products if p in text)
        return [(text.index(name), text.index(name) + len(name), "PRODUCT")]

    # Answered before: 9 texts (they train) and 3 dev texts; the page gets the other 12.
    store.add_examples("shop", [Example(Doc(t, [], [], check=False)) for t in texts[:9]])
    store.add_examples("shop-dev", [Example(Doc(t, [], [], check=False)) for t in texts[9:12]])
    for name in ("shop", "shop-dev"):
        for ex in store.examples(name):
            store.add_annotation(ex.id, gold(ex.text), session="gold")
    settings = RetrainSettings(2, tmp_path / "models", dev="db:shop-dev",
                               overrides=("train.max_epochs=3", "train.ensemble=1"))  # fmt: skip
    srv = live("correct", "shop", str(write_texts(tmp_path / "t.jsonl", texts[12:])),
               model=str(tiny_model), labels=["PRODUCT"], retrain=settings)  # fmt: skip
    page.goto(srv.url("alice"))
    page.wait_for_selector("#text .tok")
    info = page.locator("#model-info")
    assert info.inner_text().startswith(f"model {tiny_model.name}") and marks(page) == []
    for _ in range(2):  # the tiny model knows no PRODUCT: nothing pre-filled, accept as is
        shown = page.locator("#text").inner_text()
        page.keyboard.press("a")
        sync_api.expect(page.locator("#text")).not_to_have_text(shown)
        # the next text laid out on screen (not the moment between two texts)
        sync_api.expect(page.locator("#text")).to_have_text(re.compile(r"\S"), use_inner_text=True)
    on_screen = page.locator("#text").inner_text()
    sync_api.expect(page.locator("#model-status")).to_contain_text("training v0001")
    sync_api.expect(info).to_contain_text("model v0001", timeout=120_000)
    assert page.locator("#text").inner_text() == on_screen  # not interrupted
    assert "better on the dev texts: in use" in page.locator("#model-status").inner_text()
    page.keyboard.press("a")
    # The next text comes from the new model, which pre-fills the product it learned.
    sync_api.expect(page.locator("#text")).not_to_have_text(on_screen)
    assert [label for _, label in marks(page)] == ["PRODUCT"]


def test_text_is_shown_as_text_never_run(live, page, tmp_path) -> None:
    evil = [
        "<script>window.__pwned = 1</script> hello",
        '<img src=x onerror="window.__pwned = 1"> world',
    ]
    src = tmp_path / "evil.jsonl"
    src.write_text("".join(json.dumps({"text": t, "meta": {"note": "<b onmouseover=alert(1)>x</b>"}}) + "\n"
                           for t in evil))  # fmt: skip
    srv = live("manual", "news", str(src), labels=["PER"])
    page.goto(srv.url("alice"))
    page.wait_for_selector("#text .tok")
    assert page.locator("#text").inner_text() == evil[0]
    assert page.locator("#text script, #text img, #meta b[onmouseover]").count() == 0
    assert "<b onmouseover=alert(1)>x</b>" in page.locator("#meta").inner_text()
    page.keyboard.press("a")
    page.wait_for_selector("#text .tok >> text=world")
    assert page.locator("#text").inner_text() == evil[1]
    page.wait_for_timeout(300)  # an <img onerror> would have fired by now
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_offline_banner_and_the_outbox_drains(live, page, tmp_path, store) -> None:
    texts = ["One text.", "Two text.", "Three text."]
    srv = live("manual", "news", str(write_texts(tmp_path / "t.jsonl", texts)), labels=["PER"])
    page.goto(srv.url("alice"))
    page.wait_for_selector("#text .tok")
    page.route("**/api/answer", lambda route: route.abort())
    page.keyboard.press("a")
    page.wait_for_selector("#text .tok >> text=Two")
    page.keyboard.press("a")
    page.wait_for_selector("#offline", state="visible")
    assert page.locator("#offline-count").inner_text() == "2"
    assert page.locator("#unsaved-count").inner_text() == "2"
    # The unsaved answers survive a reload (localStorage).
    assert len(json.loads(page.evaluate(
        "localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('nerkit-outbox')))"
    ))) == 2  # fmt: skip
    assert store.progress("news") == (0, 3)
    page.unroute("**/api/answer")
    page.locator("#retry").click()
    wait_saved(page)
    assert page.locator("#offline").is_hidden()
    assert store.progress("news") == (2, 3)
    assert len(list(store.dataset_annotations("news"))) == 2


def label_buttons(page) -> list[tuple[str, str, str]]:
    """(number key, label, colour) of each label button, in the bar's order."""
    found = page.eval_on_selector_all(
        "#labels .label-btn",
        """bs => bs.map(b => [b.querySelector('kbd') ? b.querySelector('kbd').textContent : '',
                              b.querySelector('span').textContent,
                              b.style.getPropertyValue('--c')])""",
    )
    return [tuple(b) for b in found]


def mark_colours(page) -> dict[str, str]:
    return dict(
        page.eval_on_selector_all(
            "#text mark.ent",
            "ms => ms.map(m => [m.dataset.label, m.style.getPropertyValue('--c')])",
        )
    )


def test_labels_keep_their_order_keys_and_colours_across_recipes(
    live, playwright, tmp_path, tiny_model, store
) -> None:
    from nerkit.display import label_colors

    texts = ["Alice Smith flew to Berlin on Friday.", "Bob Jones works for Globex in Madrid."]
    src = str(write_texts(tmp_path / "t.jsonl", texts))
    # manual, as typed; the model (correct, teach) knows LOC, ORG, PER: alphabetical.
    manual = live("manual", "news", src, labels=["PER", "ORG", "LOC"], overlap=True)
    correct = live("correct", "news", src, model=str(tiny_model), overlap=True)
    seen = []
    for i, srv in enumerate([manual, correct]):
        with open_page(playwright, tmp_path / f"p{i}", 1100, 600) as page:
            page.goto(srv.url(f"s{i}"))
            page.wait_for_selector("#labels .label-btn")
            seen.append(label_buttons(page))
            if srv is correct:
                page.wait_for_selector("#text mark.ent")
                marks = mark_colours(page)
    colours = label_colors(["PER", "ORG", "LOC"])
    assert seen[0] == seen[1] == [(str(k + 1), lab, colours[lab]) for k, lab in
                                  enumerate(["PER", "ORG", "LOC"])]  # fmt: skip
    assert marks and all(colours[label] == c for label, c in marks.items())
    assert store.labels("news") == ["PER", "ORG", "LOC"]


def test_the_active_label_button_looks_and_says_it_is_pressed(live, page, tmp_path, store) -> None:
    texts = ["Ann Lee met Bob in Paris today."]
    srv = live("manual", "news", str(write_texts(tmp_path / "t.jsonl", texts)),
               labels=["PER", "LOC"])  # fmt: skip
    page.goto(srv.url("alice"))
    page.wait_for_selector("#text .tok")
    per = page.get_by_role("button", name=re.compile("PER"))
    loc = page.get_by_role("button", name=re.compile("LOC"))
    assert per.get_attribute("aria-pressed") == loc.get_attribute("aria-pressed") == "false"
    page.mouse.move(5, 590)  # not hovering either button
    idle = per.evaluate("b => getComputedStyle(b).backgroundColor")
    per.click()
    page.mouse.move(5, 590)
    per = page.get_by_role("button", name=re.compile("PER"), pressed=True)
    assert per.get_attribute("aria-pressed") == "true"
    assert loc.get_attribute("aria-pressed") == "false"
    active = per.evaluate("b => getComputedStyle(b).backgroundColor")
    ring = per.evaluate("b => getComputedStyle(b).boxShadow")
    assert active != idle and ring != "none"
    # Active: a selection is labeled at once.
    drag(page, "Bob", "Bob", selected="#text mark.ent")
    assert marks(page) == [("Bob", "PER")]
    assert (
        page.get_by_role("button", name=re.compile("PER")).get_attribute("aria-pressed") == "true"
    )
    page.keyboard.press("Escape")
    assert (
        page.get_by_role("button", name=re.compile("PER")).get_attribute("aria-pressed") == "false"
    )


def test_a_phone_sees_the_whole_header_and_every_answer_button(live, playwright, tmp_path) -> None:
    """390 px wide: the buttons lie inside the screen (sticky below a long text), the header
    spans the page, nothing scrolls sideways."""
    posts = Path(__file__).parents[2] / "examples" / "hardwareswap" / "test.jsonl"
    labels = ["PRODUCT", "PRICE", "LOCATION", "CONDITION", "URL", "USERNAME"]
    srv = live("manual", "posts", str(posts), labels=labels)
    with open_page(playwright, tmp_path / "phone", 390, 844) as page:
        page.goto(srv.url("alice"))
        page.wait_for_selector("#text mark.ent")
        for tall in (False, True):
            if tall:  # a text taller than the screen: the buttons stay in reach at its top
                page.evaluate("document.getElementById('text').style.minHeight = '3000px'")
                page.evaluate("window.scrollTo(0, 0)")
                assert page.evaluate("document.documentElement.scrollHeight") > 3000
            for name in ("accept", "reject", "ignore", "undo"):
                box = page.locator(f"#{name}").bounding_box()
                assert box and box["x"] >= 0 and box["y"] >= 0, name
                assert box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844, name
            header = page.locator("header.top").bounding_box()
            assert header and header["x"] == 0 and header["width"] == 390
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            if not tall:
                page.locator("#labels .label-btn").first.click()  # an active label, pictured
                DOCS.mkdir(exist_ok=True)
                bottom = page.locator("#accept").bounding_box()
                height = min(844, int(bottom["y"] + bottom["height"]) + 16) if bottom else 844
                clip = {"x": 0, "y": 0, "width": 390, "height": height}  # no empty screen below
                page.screenshot(path=str(DOCS / "annotate-390px.png"), clip=clip)


def test_a_long_text_in_blocks_looks_the_same_and_every_edit_lands(
    live, page, tmp_path, store
) -> None:
    words = "Ann met Bob in Paris and they spoke about the weather for a while".split()
    paragraphs = [" ".join([*(f"{w}{k}" if w in ("Ann", "Bob") else w for w in words * 4),
                            f"end{k}"]) for k in range(12)]  # fmt: skip
    text = "\n\n".join(paragraphs)
    srv = live("manual", "news", str(write_texts(tmp_path / "t.jsonl", [text])),
               labels=["PER", "LOC"])  # fmt: skip
    page.goto(srv.url("alice"))
    page.wait_for_selector("#text .tok")
    assert page.locator("#text .chunk").count() > 5  # the text is in blocks ...
    same = page.evaluate(
        """t => { const box = document.getElementById('text');
                  // Laid out for real, not sized by their placeholder height off screen.
                  box.querySelectorAll('.chunk').forEach(c => c.style.contentVisibility = 'visible');
                  const plain = document.createElement('div');
                  plain.className = 'text'; plain.textContent = t;
                  box.parentNode.appendChild(plain);
                  const h = [box.getBoundingClientRect().height, plain.getBoundingClientRect().height];
                  plain.remove(); return h; }""",
        text,
    )
    assert abs(same[0] - same[1]) < 1  # ... laid out as the plain text
    drag(page, "Bob10", "Bob10")  # in a later block
    page.keyboard.press("1")
    drag(page, "Ann0", "Ann0")
    page.keyboard.press("1")
    page.locator("#text mark.ent", has_text="Ann0").click()  # removed again
    # Across the blank line between two blocks: one span, the blocks are cut again.
    drag(page, "end3", "Ann4")
    sel = page.locator("#text .tok.sel").all_inner_texts()
    assert sel[0] == "end3" and sel[-1] == "Ann4" and "\n\n" in sel
    page.keyboard.press("2")
    assert marks(page)[0][1] == "LOC" and marks(page)[1] == ("Bob10", "PER")
    content = page.evaluate(
        """() => { const c = document.getElementById('text').cloneNode(true);
                   c.querySelectorAll('.ent-label').forEach(x => x.remove());
                   return c.textContent; }"""
    )
    assert content == text
    page.keyboard.press("a")
    page.wait_for_selector("#done", state="visible")
    wait_saved(page)
    (got,) = store.merged("news", answer=None)
    bob10 = text.index("Bob10")
    assert [s[2] for s in got.spans] == ["LOC", "PER"]
    assert got.spans[0][:2] == (text.index("end3"), text.index("Ann4") + 4)
    assert got.spans[1][:2] == (bob10, bob10 + 5)

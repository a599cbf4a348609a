"""The entity view as a person sees it: Playwright driving Debian's headless chromium on the
server's /view page and on a page `nerkit display` wrote (issue #11)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nerkit
from browser import open_page, require_browser
from nerkit.cli import app
from nerkit.display import label_color

DOCS = Path(__file__).parents[2] / "docs"
sync_api = require_browser()
TEXT = "Alice Smith flew to Berlin on Friday to meet Globex <b>people</b>."


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    with sync_api.sync_playwright() as p, open_page(p, tmp_path / "profile", 900, 420) as page:
        yield page


def shown(page) -> list[tuple[str, str, str]]:
    """(entity text, label, background colour) of each highlighted span."""
    out = []
    for mark in page.locator("mark.nerkit-ent").all():
        label = mark.locator(".nerkit-lbl").inner_text()
        text = mark.inner_text()[: -len(label)].strip()
        color = mark.evaluate("m => getComputedStyle(m).backgroundColor")
        out.append((text, label, color))
    return out


def rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_the_view_page_highlights_what_the_model_finds(served, model: Path, page) -> None:
    nlp = nerkit.load(model)
    expected = [(e.text, e.label.upper(), rgb(label_color(e.label, nlp.labels)))
                for e in nlp(TEXT).ents]  # fmt: skip
    assert len(expected) >= 2
    srv = served()
    page.goto(f"{srv.base}/view")
    page.fill("textarea", TEXT)
    page.click("button")
    page.wait_for_selector("mark.nerkit-ent")
    assert shown(page) == expected
    assert page.locator("#result b").count() == 0  # the text's markup is shown, not run
    assert "<b>people</b>" in page.locator("#result").inner_text()
    page.screenshot(path=str(DOCS / "view.png"))


def test_a_display_page_shows_every_text(model: Path, page, tmp_path: Path) -> None:
    nlp = nerkit.load(model)
    src = tmp_path / "posts.txt"
    src.write_text(TEXT + "\nGlobex opened an office in Paris.\n")
    out = tmp_path / "page.html"
    result = CliRunner().invoke(app, ["display", str(model), str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page.goto(out.as_uri())
    expected = [(e.text, e.label.upper(), rgb(label_color(e.label, nlp.labels)))
                for t in (TEXT, "Globex opened an office in Paris.") for e in nlp(t).ents]  # fmt: skip
    assert shown(page) == expected
    assert page.locator(".nerkit-doc").count() == 2

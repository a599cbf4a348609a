"""The evaluation report as a person sees it: Playwright driving Debian's headless chromium
on the page `nerkit evaluate --html` wrote; the screenshot in docs/ is taken here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from browser import open_page, require_browser
from nerkit.cli import app

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
sync_api = require_browser()
SECTIONS = ["scores", "error-types", "groups", "errors-in-context", "calibration", "training"]


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    with sync_api.sync_playwright() as p, open_page(p, tmp_path / "profile", 1100, 900) as page:
        yield page


@pytest.fixture
def report(model: Path, tmp_path: Path) -> tuple[Path, dict]:
    test = tmp_path / "test.jsonl"
    records = [
        {"text": "Alice Smith flew to Lisbon <b>today</b>.",
         "spans": [{"start": 0, "end": 11, "label": "PER"}, {"start": 20, "end": 26, "label": "LOC"}]},
        {"text": "Dave Brown works for Globex in Paris.",
         "spans": [{"start": 0, "end": 10, "label": "PER"}, {"start": 21, "end": 27, "label": "ORG"},
                   {"start": 31, "end": 36, "label": "LOC"}]},
        {"text": "Bob met Carol at Initech.", "spans": [{"start": 17, "end": 24, "label": "ORG"}]},
    ]  # fmt: skip
    test.write_text("".join(json.dumps(r) + "\n" for r in records))
    out, scores = tmp_path / "report.html", tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        ["evaluate", str(model), str(test), "--html", str(out), "--json", str(scores)]
        + ["--train", str(ROOT / "tests" / "resources" / "ner_tiny_train.jsonl")],
    )
    assert result.exit_code == 0, result.output
    return out, json.loads(scores.read_text())


def test_the_report_shows_every_section(report, page) -> None:
    path, numbers = report
    html = path.read_text()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<b>today</b>" not in html  # nothing loaded, text escaped
    page.goto(path.as_uri())
    for section in SECTIONS:
        assert page.locator(f"h2#{section}").is_visible()
    assert page.locator("svg").count() >= 4  # F1 bars, two length charts, reliability, curve
    assert "Expected calibration error" in page.locator("body").inner_text()
    assert page.locator("h3#thresholds").is_visible()  # precision/recall over the threshold
    curve = numbers["report"]["thresholds"]
    assert curve[0]["threshold"] == 0.0 and curve[0]["precision"] == pytest.approx(
        numbers["precision"]
    )
    assert all(a["kept"] >= b["kept"] for a, b in zip(curve, curve[1:]))
    micro = numbers["report"]["intervals"]["micro"]["f1"]
    assert micro["low"] <= numbers["f1"] <= micro["high"]
    errors = sum(n for t, n in numbers["report"]["error_types"]["all"].items() if t != "correct")
    docs = page.locator("#errors .doc")
    assert errors and docs.count() >= 1
    assert page.locator("#errors .err").count() == errors
    # Gold and predicted side by side, in the display module's entity view.
    assert docs.first.locator(".sides .nerkit-doc").count() == 2
    assert page.locator("#errors b").count() == 0
    page.screenshot(path=str(DOCS / "evaluate-report.png"), full_page=False)


def test_the_errors_filter_by_type_and_label(report, page) -> None:
    path, numbers = report
    page.goto(path.as_uri())
    counts = numbers["report"]["error_types"]["all"]
    kind = next(
        t for t in ("missed", "spurious", "boundary", "label", "label_boundary") if counts[t]
    )
    page.select_option("#f-type", kind)
    visible = page.locator("#errors .err:not(.hidden)")
    assert visible.count() == counts[kind]
    assert all(row.get_attribute("data-type") == kind for row in visible.all())
    page.select_option("#f-type", "")
    page.select_option("#f-label", "LOC")
    for row in page.locator("#errors .err:not(.hidden)").all():
        assert "LOC" in json.loads(row.get_attribute("data-labels"))
    for doc in page.locator("#errors .doc.hidden").all():
        assert doc.locator(".err:not(.hidden)").count() == 0

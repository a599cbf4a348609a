"""Entities you can see: a text with its entities highlighted inline, as HTML.

One order of labels everywhere (:func:`label_order`: ``--label``'s, else the dataset's, else
the model's) and one colour per place in it (:func:`label_colors`), which the annotation app
is sent too, so a label has the same number key and colour in every recipe and here. Every piece of text is
HTML-escaped; the page has no script and loads nothing from anywhere (its style is inline).
``render`` returns a string that Jupyter shows as HTML when it is a cell's value.

Example:
    >>> from nerkit.tokens import Doc, Span
    >>> doc = Doc("Ann <b>met</b> Bob", [0, 4, 15], [3, 14, 18])
    >>> doc.ents = [Span.from_tokens(doc, 0, 1, "PER")]
    >>> html = render(doc, labels=["PER"])
    >>> 'style="--c:#f4a261"' in html and "Ann<span class=\\"nerkit-lbl\\">PER</span>" in html
    True
    >>> "&lt;b&gt;met&lt;/b&gt;" in html and "<b>" not in html
    True
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from .tokens import Doc

# The palette, by place in the label order; the annotation app gets its colours from here.
COLORS = (
    "#f4a261", "#7ec4cf", "#b5d99c", "#e9a6c9", "#f6d365",
    "#a8b8f0", "#f28f8f", "#9ad1b9", "#d4b3f2",
)  # fmt: skip

STYLE = """
.nerkit-doc { font: 16px/2.1 system-ui, sans-serif; white-space: pre-wrap; margin: 0 0 1.2em; }
.nerkit-doc mark.nerkit-ent { background: var(--c); border-radius: 4px; padding: 0.1em 0.3em;
  margin: 0 0.1em; }
.nerkit-lbl { font-size: 0.65em; font-weight: 700; margin-left: 0.4em; vertical-align: middle;
  text-transform: uppercase; letter-spacing: 0.03em; }
.nerkit-id { font: 12px system-ui, sans-serif; color: #666; margin: 0; }
""".strip()


class Html(str):
    """An HTML string that Jupyter displays as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def label_order(*orders: Iterable[str]) -> list[str]:
    """The labels of ``orders`` in one order: each as first seen, earlier orders first.

    Every view calls it with its sources by precedence (``--label``'s labels, then the
    dataset's, then the model's), so a label keeps its place, hence its number key and colour.

    >>> label_order(["PER", "ORG"], ["LOC", "ORG", "PER"], ["MISC"])
    ['PER', 'ORG', 'LOC', 'MISC']
    """
    out: dict[str, None] = {}
    for order in orders:
        out.update((label, None) for label in order if label not in out)
    return list(out)


def label_color(label: str, labels: Sequence[str]) -> str:
    """The colour of ``label``: its place in the order ``labels`` (see :func:`label_order`);
    a label outside it gets the colour of the place after the last."""
    index = list(labels).index(label) if label in labels else len(labels)
    return COLORS[index % len(COLORS)]


def label_colors(labels: Sequence[str]) -> dict[str, str]:
    """Each label of the order ``labels`` with its colour (what the annotation app is sent).

    >>> label_colors(["PER", "ORG"])
    {'PER': '#f4a261', 'ORG': '#7ec4cf'}
    """
    return {label: label_color(label, labels) for label in labels}


def _spans(item: Doc | dict[str, Any]) -> tuple[str, list[tuple[int, int, str]]]:
    if isinstance(item, Doc):
        return item.text, [(e.start_char, e.end_char, e.label) for e in item.ents]
    spans = [(int(s["start"]), int(s["end"]), str(s["label"])) for s in item.get("spans", [])]
    return str(item["text"]), spans


def render_one(item: Doc | dict[str, Any], labels: Sequence[str] = ()) -> str:
    """One text with its entities as a ``<div>`` (a Doc, or a record with text and spans);
    ``labels`` is the label order, as in :func:`render`."""
    text, spans = _spans(item)
    names = label_order(labels, sorted({label for _, _, label in spans}))
    parts = ['<div class="nerkit-doc">']
    at = 0
    for start, end, label in sorted(spans):
        if start < at or end > len(text) or start >= end:
            continue  # overlapping or out of range: the text is shown as it is
        parts.append(html.escape(text[at:start]))
        color = label_color(label, names)
        parts.append(
            f'<mark class="nerkit-ent" style="--c:{color}" title="{html.escape(label)}">'
            f'{html.escape(text[start:end])}<span class="nerkit-lbl">{html.escape(label)}</span>'
            "</mark>"
        )
        at = end
    parts.append(html.escape(text[at:]))
    parts.append("</div>")
    return "".join(parts)


def render(
    docs: Doc | dict[str, Any] | Iterable[Doc | dict[str, Any]],
    *,
    labels: Sequence[str] = (),
    page: bool = False,
    title: str = "nerkit entities",
) -> Html:
    """HTML of one or more texts with their entities highlighted (Docs, or records with
    ``text`` and ``spans`` as ``nerkit predict`` writes them). ``labels`` is the label order
    that picks the colours (:func:`label_order`; labels found outside it follow, sorted);
    ``page`` makes a whole HTML page."""
    items: list[Doc | dict[str, Any]] = (
        [docs] if isinstance(docs, Doc | dict) else list(docs)  # type: ignore[arg-type]
    )
    names = label_order(labels, sorted({lab for item in items for *_, lab in _spans(item)[1]}))
    body = []
    for item in items:
        if isinstance(item, dict) and "id" in item and len(items) > 1:
            body.append(f'<p class="nerkit-id">{html.escape(str(item["id"]))}</p>')
        body.append(render_one(item, names))
    fragment = f"<style>{STYLE}</style>" + "\n".join(body)
    if not page:
        return Html(f'<div class="nerkit-display">{fragment}</div>')
    return Html(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{fragment}\n</body></html>\n"
    )

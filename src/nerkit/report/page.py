"""The evaluation report as one self-contained HTML page (``nerkit evaluate --html``).

Sections: scores with 95% bootstrap intervals; error types and the label confusion matrix;
recall on seen and unseen entities, F1 by entity and by document length; the errors in
context (gold and predicted side by side, the display module's entity view), filterable by
label and error type, worst documents first; the reliability diagram; the training curve.
All numbers come from :mod:`nerkit.scoring.analysis`. Every piece of text is escaped; the page
loads nothing (inline style, SVG charts, a few lines of inline script for the filter).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from ..display import STYLE as DISPLAY_STYLE
from ..display import render_one
from ..scoring.analysis import Analysis
from ..scoring.bootstrap import Interval
from ..scoring.error_types import ERRORS, TYPES, Outcome
from ..scoring.evaluate import Evaluation
from . import svg

MAX_DOCUMENTS = 200  # documents with errors shown in context; the worst ones

TYPE_NAMES = {
    "correct": "correct",
    "boundary": "wrong boundary",
    "label": "wrong label",
    "label_boundary": "wrong label and boundary",
    "missed": "missed",
    "spurious": "spurious",
}

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 0 auto; max-width: 1100px;
  padding: 0 1.2em 3em; }
h1 { font-size: 1.5em; margin: 1em 0 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
nav a { margin-right: 1em; } .note { color: #555; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td .ci { color: #777; font-size: 0.85em; }
tr.total td { font-weight: 600; border-top: 1px solid #999; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
.doc { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 0.9em; margin: 1em 0; }
.doc h3 { font-size: 1em; margin: 0 0 0.4em; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.sides h4 { margin: 0; font-size: 0.85em; color: #555; text-transform: uppercase; }
.sides .nerkit-doc { font-size: 14px; line-height: 1.9; }
.err { margin: 0.15em 0; } .err .type { display: inline-block; min-width: 12em; font-weight: 600; }
.hidden { display: none; }
""".strip()

FILTER_SCRIPT = """
function nerkitFilter() {
  const label = document.getElementById('f-label').value;
  const type = document.getElementById('f-type').value;
  let shown = 0;
  for (const doc of document.querySelectorAll('#errors .doc')) {
    let any = false;
    for (const row of doc.querySelectorAll('.err')) {
      const ok = (!label || JSON.parse(row.dataset.labels).includes(label)) &&
                 (!type || row.dataset.type === type);
      row.classList.toggle('hidden', !ok);
      any = any || ok;
    }
    doc.classList.toggle('hidden', !any);
    if (any) shown++;
  }
  document.getElementById('f-count').textContent = shown + ' documents';
}
""".strip()


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def _ci(interval: Interval) -> str:
    return (
        f'{_pct(interval.value)} <span class="ci">[{_pct(interval.low)}, '
        f"{_pct(interval.high)}]</span>"
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], total: int = 0) -> str:
    """A table of already escaped cells; the last ``total`` rows bold."""
    out = ["<table><tr>", *(f"<th>{h}</th>" for h in head), "</tr>"]
    for i, row in enumerate(rows):
        cls = ' class="total"' if i >= len(rows) - total else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _scores(evaluation: Evaluation, analysis: Analysis) -> str:
    ci = analysis.intervals
    rows = [
        [escape(label), *(_ci(m[k]) for k in ("precision", "recall", "f1")), str(prf.support)]
        for (label, m), prf in zip(
            sorted(ci.per_label.items()),
            (evaluation.scores.per_label[k] for k in sorted(ci.per_label)),
        )
    ]
    rows.append(
        ["micro", *(_ci(ci.micro[k]) for k in ("precision", "recall", "f1")),
         str(evaluation.scores.micro.support)]
    )  # fmt: skip
    rows.append(["macro", "", "", _ci(ci.macro_f1), ""])
    chart = svg.bars(
        [
            (label, m["f1"].value, m["f1"].low, m["f1"].high)
            for label, m in sorted(ci.per_label.items())
        ]
        + [("micro", ci.micro["f1"].value, ci.micro["f1"].low, ci.micro["f1"].high)],
        title="F1 per label with its 95% interval",
    )
    return (
        '<h2 id="scores">Scores</h2>'
        f'<p class="note">Exact match (start, end and label). In brackets: the 95% bootstrap '
        f"interval over {ci.n:,} resamples of the {evaluation.n_examples:,} documents "
        f"(seed {analysis.seed}).</p>"
        + _table(["label", "precision", "recall", "F1", "support"], rows, total=2)
        + chart
    )


def _error_types(analysis: Analysis) -> str:
    head = ["label", *(escape(TYPE_NAMES[t]) for t in TYPES)]
    rows = [
        [escape(label), *(str(counts[t]) for t in TYPES)]
        for label, counts in analysis.type_counts_by_label.items()
    ]
    rows.append(["all", *(str(analysis.type_counts[t]) for t in TYPES)])
    names = sorted({g for g, _ in analysis.confusion} | {p for _, p in analysis.confusion})
    names = [n for n in names if n != "none"] + ["none"]
    top = max(analysis.confusion.values(), default=1)
    matrix = ["<table><tr><th>gold \\ predicted</th>", *(f"<th>{escape(n)}</th>" for n in names)]
    matrix.append("</tr>")
    for g in names:
        matrix.append(f"<tr><td>{escape(g)}</td>")
        for p in names:
            n = analysis.confusion.get((g, p), 0)
            shade = "126,196,207" if g == p else "231,111,81"
            style = f' style="background:rgba({shade},{0.15 + 0.6 * n / top:.2f})"' if n else ""
            matrix.append(f"<td{style}>{n or ''}</td>")
        matrix.append("</tr>")
    matrix.append("</table>")
    return (
        '<h2 id="error-types">Error types</h2><p class="note">Each gold and predicted entity '
        "has one type (SemEval-2013): a pair of a gold and a predicted entity is correct, or "
        "has a wrong boundary (same label, overlapping), a wrong label (same boundaries) or "
        "both; a gold entity without a prediction is missed, a prediction without a gold "
        "entity spurious. Pairs count under their gold label.</p>"
        + _table(head, rows, total=1)
        + '<h3>Label confusion</h3><p class="note">Rows: gold label; columns: predicted label; '
        '"none": no entity on that side.</p>' + "".join(matrix)
    )


def _groups(evaluation: Evaluation, analysis: Analysis) -> str:
    out = ['<h2 id="groups">Where it fails</h2>']
    split = evaluation.seen_unseen
    if split is not None:
        rows = [
            [escape(k), f"{r.found}/{r.total}", _pct(r.recall) if r.total else "-"]
            for k, r in (("seen in training", split.seen), ("unseen", split.unseen))
        ]
        out.append(
            "<h3>Recall on entities seen and unseen in the training data</h3>"
            + _table(["entities", "found", "recall"], rows)
            + f'<p class="note">{evaluation.n_train_entities or 0:,} distinct entity texts in '
            "the training data (lowercased).</p>"
        )
    else:
        out.append('<p class="note">No training data given: no recall on seen/unseen entities '
                   "(pass --train).</p>")  # fmt: skip
    charts = []
    for title, groups in (
        ("F1 by entity length (tokens)", analysis.by_entity_length),
        ("F1 by document length (tokens)", analysis.by_doc_length),
    ):
        rows = [[escape(k), _pct(v.precision), _pct(v.recall), _pct(v.f1), str(v.support)]
                for k, v in groups.items()]  # fmt: skip
        charts.append(
            f"<div><h3>{escape(title)}</h3>"
            + svg.bars([(k, v.f1, None, None) for k, v in groups.items()], title=title)
            + _table(["length", "precision", "recall", "F1", "gold"], rows)
            + "</div>"
        )
    out.append('<div class="charts">' + "".join(charts) + "</div>")
    return "".join(out)


def _describe(o: Outcome, text: str) -> str:
    def side(span: tuple[int, int, str] | None) -> str:
        if span is None:
            return "-"
        return f"{escape(span[2])} &#8220;{escape(text[span[0] : span[1]])}&#8221;"

    return (
        f'<span class="type">{escape(TYPE_NAMES[o.type])}</span> gold {side(o.gold)} '
        f"&rarr; predicted {side(o.pred)}"
    )


def _errors(evaluation: Evaluation, analysis: Analysis, labels: Sequence[str]) -> str:
    worst = analysis.worst_documents()
    shown = worst[:MAX_DOCUMENTS]
    all_labels = sorted(
        {lab for doc in analysis.outcomes for o in doc for lab in o.labels} - {"none"}
    )
    options = "".join(f'<option value="{escape(x)}">{escape(x)}</option>' for x in all_labels)
    types = "".join(f'<option value="{t}">{escape(TYPE_NAMES[t])}</option>' for t in ERRORS)
    out = [
        '<h2 id="errors-in-context">Errors in context</h2>',
        f'<p class="note">{len(worst):,} documents with errors, the most errors first'
        + (f"; the first {MAX_DOCUMENTS} shown" if len(worst) > MAX_DOCUMENTS else "")
        + ".</p>",
        '<p>label <select id="f-label" onchange="nerkitFilter()"><option value="">all</option>'
        f'{options}</select> error type <select id="f-type" onchange="nerkitFilter()">'
        f'<option value="">all</option>{types}</select> <span id="f-count">'
        f"{len(shown)} documents</span></p>",
        '<div id="errors">',
    ]
    for i in shown:
        text = evaluation.docs[i].text
        errors = [o for o in analysis.outcomes[i] if o.is_error]
        rows = "".join(
            f'<div class="err" data-type="{o.type}" '
            f'data-labels="{escape(json.dumps(sorted(set(o.labels) - {"none"})))}">'
            f"{_describe(o, text)}</div>"
            for o in errors
        )
        gold = render_one({"text": text, "spans": _records(evaluation.gold[i])}, labels)
        pred = render_one({"text": text, "spans": _records(evaluation.pred[i])}, labels)
        out.append(
            f'<div class="doc" data-index="{i}"><h3>document {i + 1}: '
            f"{len(errors)} error{'s' if len(errors) > 1 else ''}</h3>"
            f'{rows}<div class="sides"><div><h4>gold</h4>{gold}</div>'
            f"<div><h4>predicted</h4>{pred}</div></div></div>"
        )
    out.append("</div>")
    return "".join(out)


def _records(spans: Sequence[tuple[int, int, str]]) -> list[dict[str, Any]]:
    return [{"start": s, "end": e, "label": lab} for s, e, lab in spans]


def _calibration(analysis: Analysis) -> str:
    head = '<h2 id="calibration">Calibration</h2>'
    if analysis.calibration is None or analysis.ece is None:
        return head + '<p class="note">No scores: the model was evaluated without them.</p>'
    n = sum(b.count for b in analysis.calibration)
    return (
        head + f"<p>Expected calibration error: <b>{analysis.ece:.3f}</b> over {n:,} predicted "
        "entities. A bar is the share of a score bin's entities that are correct; on a "
        "calibrated model it reaches the diagonal (the dot: the bin's mean score).</p>"
        + svg.reliability_diagram(analysis.calibration)
        + _thresholds(analysis)
    )


def _thresholds(analysis: Analysis) -> str:
    points = analysis.thresholds
    if not points:
        return ""
    chart = svg.lines(
        {
            "precision": [(p.threshold, p.precision) for p in points],
            "recall": [(p.threshold, p.recall) for p in points],
            "F1": [(p.threshold, p.f1) for p in points],
        },
        title="Precision and recall over the score threshold",
        x_label="threshold: entities scored below it dropped",
        y_label="%",
    )
    rows = [
        [f"{p.threshold:.2f}", f"{p.kept:,}", _pct(p.precision), _pct(p.recall), _pct(p.f1)]
        for p in points
        if round(p.threshold * 20) % 2 == 0 or p.threshold >= 0.8
    ]
    return (
        '<h3 id="thresholds">Precision and recall over the threshold</h3>'
        "<p>Entities scored below a threshold are dropped (<code>nerkit predict --threshold "
        "0.8</code>, or <code>[predict] threshold</code> / <code>thresholds = {LABEL = 0.8}"
        "</code> in the training config): precision rises, recall falls.</p>"
        + chart
        + _table(["threshold", "entities kept", "precision", "recall", "F1"], rows)
    )


def _curve(analysis: Analysis) -> str:
    head = '<h2 id="training">Training curve</h2>'
    series: dict[str, list[tuple[float, float]]] = {}
    final = []  # records of a whole model rather than an epoch (e.g. an averaged ensemble)
    for r in analysis.training_log:
        f1, epoch = r.get("dev_f1"), r.get("epoch")
        if not isinstance(f1, int | float):
            continue
        if not isinstance(epoch, int | float):
            final.append(f"{escape(str(epoch))}: {_pct(f1)}")
            continue
        name = f"model {r['member']}" if r.get("member") is not None else "dev F1"
        series.setdefault(name, []).append((float(epoch), float(f1)))
    if not series:
        return head + '<p class="note">The model directory has no training log with dev F1.</p>'
    note = f'<p class="note">Final model dev F1 ({"; ".join(final)}).</p>' if final else ""
    chart = svg.lines(series, title="Dev F1 while training", x_label="epoch", y_label="dev F1")
    return head + chart + note


def render_report(
    evaluation: Evaluation,
    analysis: Analysis,
    *,
    title: str = "nerkit evaluation",
    labels: Sequence[str] = (),
) -> str:
    """The whole report page. ``labels`` (the model's) fix each label's colour, as in the
    annotation app and ``nerkit display``."""
    names = list(labels) or sorted(evaluation.scores.per_label)
    s = evaluation.scores
    nav = "".join(
        f'<a href="#{a}">{escape(t)}</a>'
        for a, t in (("scores", "scores"), ("error-types", "error types"), ("groups", "where it fails"),
                     ("errors-in-context", "errors in context"), ("calibration", "calibration"),
                     ("training", "training"))
    )  # fmt: skip
    summary = (
        f"<p>F1 <b>{_pct(s.f1)}</b> (precision {_pct(s.precision)}, recall {_pct(s.recall)}), "
        f"macro F1 {_pct(s.macro_f1)} on {evaluation.n_examples:,} documents, "
        f"{evaluation.n_words:,} words; {evaluation.words_per_second:,.0f} words/s "
        f"({escape(evaluation.timed)}).</p>"
    )
    body = "".join(
        [
            f"<h1>{escape(title)}</h1>",
            f"<nav>{nav}</nav>",
            summary,
            _scores(evaluation, analysis),
            _error_types(analysis),
            _groups(evaluation, analysis),
            _errors(evaluation, analysis, names),
            _calibration(analysis),
            _curve(analysis),
        ]
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}\n{DISPLAY_STYLE}</style></head>\n"
        f"<body>\n{body}\n<script>{FILTER_SCRIPT}</script>\n</body></html>\n"
    )

"""The files of a simulation: a markdown table, the JSON of every point, and an SVG chart of
test F1 against decisions (hand-written by :func:`nerkit.report.svg.lines`, no plotting
library)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .report import markdown_table, percent, write_json

if TYPE_CHECKING:
    from .simulate import SimulationResult

HEADERS = [
    "strategy", "seed", "texts", "decisions", "span edits", "answers", "accepts",
    "from scratch", "test F1", "P", "R",
]  # fmt: skip

DECISIONS = (
    "Decisions: manual and uncertain add one span per gold entity and accept each text; "
    "correct removes wrong predictions, adds missed entities, resizes a span with the right "
    "label and wrong boundaries (one decision) or relabels one with the right boundaries "
    "(one decision), and accepts each text; teach answers accept or reject about one "
    "suggested span per text (one decision each). *span edits*: spans added, removed, resized "
    "or relabelled; *from scratch*: the gold spans of the same texts, the span edits "
    "annotating them by hand would take."
)


def table(result: SimulationResult) -> tuple[list[str], list[list[str]]]:
    """One row per point: the strategy, its cost so far and the test scores."""
    rows = [
        [
            p.strategy,
            str(p.seed),
            f"{p.texts:,}",
            f"{p.decisions:,}",
            f"{p.cost.span_edits:,}",
            f"{p.cost.answered:,}",
            f"{p.cost.accepted:,}",
            f"{p.scratch:,}",
            percent(p.f1),
            percent(p.precision),
            percent(p.recall),
        ]
        for run in result.runs
        for p in run.points
    ]
    return HEADERS, rows


def markdown(result: SimulationResult) -> str:
    d = result.data
    headers, rows = table(result)
    sampled = (
        f", a seeded sample of the {d['pool_sampled_from']:,} read"
        if d.get("pool_sampled_from")
        else ""
    )
    settings = " ".join(f"`--set {o}`" for o in d["overrides"] if not o.startswith("train.seed"))
    lines = [
        f"# Annotation simulated on `{d['data']}`",
        "",
        f"Pool: {d['pool']:,} gold texts ({d['pool_entities']:,} entities){sampled}. "
        f"Each run annotates {d['start']:,} texts of a seeded random order from scratch, then "
        f"goes on {d['step']:,} texts (teach: answers) at a time up to {d['budget']:,}, "
        f"training a model from scratch (config `{d['config']}`{' ' + settings if settings else ''}"
        f"{', best epoch on `' + d['dev'] + '`' if d['dev'] else ''}) after each step, scored "
        f"on `{d['test']}` ({d['test_texts']:,} texts). Seeds: "
        f"{', '.join(map(str, d['seeds']))}. Scores in %.",
        "",
        DECISIONS,
        "",
        markdown_table(headers, rows),
        "",
    ]
    if result.plot is not None:
        lines.append(f"![test F1 against decisions]({result.plot.name})")
    return "\n".join(lines) + "\n"


def chart(result: SimulationResult) -> str:
    """Test F1 against decisions, one line per strategy and seed."""
    from ..report.svg import lines

    several = len({run.seed for run in result.runs}) > 1
    series = {
        (f"{run.strategy} s{run.seed}" if several else run.strategy): [
            (float(p.decisions), p.f1) for p in run.points
        ]
        for run in result.runs
        if run.points
    }
    return lines(
        series,
        title="Test F1 against annotation decisions",
        x_label="decisions",
        y_label="test F1 (%)",
        width=640,
        height=320,
        x_min=0,
    )


def write_simulation(result: SimulationResult) -> None:
    """Write ``simulation.svg``, ``simulation.json`` and ``simulation.md`` into the output."""
    out = result.output
    if out is None:
        return
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plot = out / "simulation.svg"
    plot.write_text(chart(result), encoding="utf8")
    result.plot = plot
    write_json(out / "simulation.json", result.to_dict())
    (out / "simulation.md").write_text(markdown(result), encoding="utf8")

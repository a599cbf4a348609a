"""Small inline SVG charts for the report: bars with intervals, lines, a reliability diagram.

Hand-written SVG, so the page needs no plotting library and loads nothing; every piece of text
is escaped. Values are fractions (0..1) shown as percentages.

Example:
    >>> svg = bars([("PER <x>", 0.5, 0.4, 0.6)], title="F1")
    >>> svg.startswith("<svg") and "PER &lt;x&gt;" in svg and "<x>" not in svg
    True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from ..scoring.calibration import Bin

FONT = 'font-family="system-ui, sans-serif" font-size="12"'
INK, GRID, BAR, ACCENT = "#333", "#ddd", "#7ec4cf", "#e76f51"
SERIES = ("#264653", "#e76f51", "#2a9d8f", "#e9c46a", "#8d99ae", "#9b5de5")


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {FONT}>'
        f"<title>{escape(title)}</title>"
    )


def bars(
    items: Sequence[tuple[str, float, float | None, float | None]],
    *,
    title: str,
    width: int = 460,
) -> str:
    """Horizontal bars of values 0..1, one per ``(name, value, low, high)``; a whisker from
    low to high where they are given."""
    row, left, right = 24, 110, 60
    plot = width - left - right
    height = row * len(items) + 34
    out = [_open(width, height, title)]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = left + tick * plot
        out.append(f'<line x1="{x:.1f}" y1="8" x2="{x:.1f}" y2="{height - 22}" stroke="{GRID}"/>')
        out.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="{INK}">'
            f"{tick * 100:.0f}</text>"
        )
    for i, (name, value, low, high) in enumerate(items):
        y = 10 + i * row
        out.append(
            f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" fill="{INK}">'
            f"{escape(name)}</text>"
        )
        out.append(
            f'<rect x="{left}" y="{y + 2}" width="{max(0.0, value) * plot:.1f}" height="{row - 8}" '
            f'fill="{BAR}"><title>{escape(name)}: {100 * value:.1f}</title></rect>'
        )
        if low is not None and high is not None:
            x1, x2, mid = left + low * plot, left + high * plot, y + row / 2 - 2
            out.append(
                f'<line x1="{x1:.1f}" y1="{mid}" x2="{x2:.1f}" y2="{mid}" stroke="{INK}"/>'
                f'<line x1="{x1:.1f}" y1="{mid - 4}" x2="{x1:.1f}" y2="{mid + 4}" stroke="{INK}"/>'
                f'<line x1="{x2:.1f}" y1="{mid - 4}" x2="{x2:.1f}" y2="{mid + 4}" stroke="{INK}"/>'
            )
        out.append(
            f'<text x="{left + plot + 6}" y="{y + 13}" fill="{INK}">{100 * value:.1f}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def lines(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 520,
    height: int = 260,
    x_min: float | None = None,
) -> str:
    """Lines of ``(x, y)`` points, y in 0..1 shown as 0..100; one colour per series, named
    at the right when there are several. The x axis starts at the smallest x, or at
    ``x_min`` when that is smaller (0 for a cost)."""
    left, bottom, top = 44, 36, 12
    right = 100 if len(series) > 1 else 16
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [x for points in series.values() for x, _ in points] or [0.0, 1.0]
    x0, x1 = min([*xs, x_min] if x_min is not None else xs), max(xs)
    span = (x1 - x0) or 1.0

    def px(x: float) -> float:
        return left + (x - x0) / span * plot_w

    def py(y: float) -> float:
        return top + (1 - min(max(y, 0.0), 1.0)) * plot_h

    out = [_open(width, height, title)]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        out.append(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{left + plot_w}" y2="{py(tick):.1f}" '
            f'stroke="{GRID}"/><text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{tick * 100:.0f}</text>'
        )
    for x in axis_ticks(x0, x1):
        out.append(
            f'<text x="{px(x):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'fill="{INK}">{x:g}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle" fill="{INK}">'
        f"{escape(x_label)}</text>"
        f'<text x="12" y="{top + plot_h / 2}" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 12 {top + plot_h / 2})">{escape(y_label)}</text>'
    )
    for k, (name, points) in enumerate(series.items()):
        colour = SERIES[k % len(SERIES)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.extend(
            f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}">'
            f"<title>{escape(name)} {x:g}: {100 * y:.1f}</title></circle>"
            for x, y in points
        )
        if len(series) > 1:
            out.append(
                f'<text x="{left + plot_w + 10}" y="{top + 14 + 16 * k}" fill="{colour}">'
                f"{escape(name)}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def axis_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round values from ``low`` to ``high`` for an axis: ``low``, ``high`` and up to ``most``
    multiples of 1, 2 or 5 times a power of ten between them.

    >>> axis_ticks(0, 2700)
    [0, 500, 1000, 1500, 2000, 2500, 2700]
    >>> axis_ticks(1, 15)
    [1, 5, 10, 15]
    >>> axis_ticks(3, 3)
    [3]
    """
    if high <= low:
        return [low]
    raw = (high - low) / most
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    inner = [
        k * step
        for k in range(math.ceil(low / step), math.floor(high / step) + 1)
        # not so close to an end that the labels overlap
        if min(k * step - low, high - k * step) >= 0.4 * step
    ]
    ticks = [low, *inner, high]
    return [int(t) if float(t).is_integer() else round(t, 10) for t in ticks]


def reliability_diagram(bins: Sequence[Bin], *, size: int = 300) -> str:
    """Accuracy per score bin (bars) against the diagonal of perfect calibration; a dot at
    each bin's mean score and accuracy."""
    pad = 40
    plot = size - 2 * pad + 20
    out = [_open(size + 20, size + 10, "Reliability diagram")]

    def px(v: float) -> float:
        return pad + v * plot

    def py(v: float) -> float:
        return 10 + (1 - v) * plot

    for tick in (0, 0.5, 1):
        out.append(
            f'<text x="{pad - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{tick:g}</text>"
            f'<text x="{px(tick):.1f}" y="{py(0) + 16:.1f}" text-anchor="middle" '
            f'fill="{INK}">{tick:g}</text>'
        )
    out.append(
        f'<rect x="{px(0)}" y="{py(1)}" width="{plot}" height="{plot}" fill="none" '
        f'stroke="{GRID}"/><line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" '
        f'stroke="{INK}" stroke-dasharray="4 3"/>'
    )
    for b in bins:
        if not b.count:
            continue
        x, w = px(b.low), (b.high - b.low) * plot
        out.append(
            f'<rect x="{x + 1:.1f}" y="{py(b.accuracy):.1f}" width="{w - 2:.1f}" '
            f'height="{b.accuracy * plot:.1f}" fill="{BAR}" fill-opacity="0.8"><title>'
            f"scores {b.low:.1f}-{b.high:.1f}: {b.correct}/{b.count} correct, mean score "
            f"{b.mean_score:.2f}</title></rect>"
            f'<circle cx="{px(b.mean_score):.1f}" cy="{py(b.accuracy):.1f}" r="3" '
            f'fill="{ACCENT}"/>'
        )
    out.append(
        f'<text x="{px(0.5):.1f}" y="{size + 6}" text-anchor="middle" fill="{INK}">'
        "model score</text>"
        f'<text x="12" y="{py(0.5):.1f}" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 12 {py(0.5):.1f})">share correct</text></svg>'
    )
    return "".join(out)

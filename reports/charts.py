"""Server-rendered SVG charts: geometry here, markup in `templates/reports/_chart.html`.

Hand-written on purpose (docs/decisions/0009): the charts are simple bars and columns, the page must
pass a strict CSP (no inline style, no script), and a plotting library (matplotlib, pygal)
would add a large dependency whose SVG output carries inline `style` attributes or scripts.
Every shape uses presentation attributes only (`fill`, `x`, `font-size`), which CSP allows.
The viewBox is narrow (400 units) so text stays legible when a phone scales it down; the
same numbers are always in a table next to the chart, for screen readers and for reading.
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 400
PALETTE = ["#0b5d57", "#d08c2c", "#6f4ca5", "#b23a48"]
GRID = "#c9d1d6"
INK = "#1f2a30"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    tip: str  # a <title>: the exact figure on hover or long-press


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    dashed: bool = False


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    size: int = 13
    bold: bool = False


@dataclass
class Chart:
    id: str
    title: str
    description: str
    height: float
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, name)
    width: int = WIDTH
    kind: str = "columns"  # or "bars": sized apart in reports.css

    @property
    def empty(self) -> bool:
        return not self.rects


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 4, 5 or 10 times a power of ten at or above `value`, so the half-way
    gridline is a round number too."""
    magnitude = 10 ** math.floor(math.log10(value)) if value > 0 else 1
    for step in (1, 2, 4, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float, unit: str) -> str:
    return f"{value:.0f}{unit}" if value == int(value) else f"{value:.1f}{unit}"


def horizontal_bars(
    *,
    id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, float | None, str]],
    unit: str = "",
    reference: float | None = None,
    reference_label: str = "",
) -> Chart:
    """One bar per row: the label above, the bar below, its value at the bar's end.

    `rows` are (label, value, text shown); a None value draws no bar ("no data").
    `reference` draws a dashed vertical line (e.g. 100 % of the budget).
    """
    row_height, bar_height, top = 40, 16, 8 if reference is None else 24
    values = [v for _, v, _ in rows if v is not None]
    scale_max = max([*values, reference or 0, 1])
    if unit == " %":
        scale_max = max(scale_max, 100)
    plot = WIDTH - 64  # room for the value text after the longest bar
    chart = Chart(id, title, description, height=top + row_height * len(rows) + 4, kind="bars")
    for index, (label, value, text) in enumerate(rows):
        y = top + index * row_height
        chart.texts.append(Text(0, y + 13, label, size=13))
        if value is None:
            chart.texts.append(Text(0, y + 31, "no data", size=12))
            continue
        width = max(plot * value / scale_max, 1.5)
        chart.rects.append(
            Rect(0, y + 18, round(width, 1), bar_height, PALETTE[0], f"{label}: {text}")
        )
        chart.texts.append(Text(round(width + 4, 1), y + 31, text, size=12, bold=True))
    if reference is not None:
        x = round(plot * reference / scale_max, 1)
        chart.lines.append(Line(x, 16, x, chart.height, PALETTE[3], dashed=True))
        chart.texts.append(Text(x, 12, reference_label, anchor="middle", size=11))
    return chart


def columns(
    *,
    id: str,
    title: str,
    description: str,
    weeks: Sequence[dt.date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "",
    stacked: bool = False,
    floor_max: float = 1,
) -> Chart:
    """Weekly columns: one group (or stack) per week, a y-axis with three gridlines and a
    date under every few weeks so the labels never collide on a phone."""
    left, right, top, bottom, height = 34, 4, 10, 30, 200
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    if stacked:
        totals = [
            sum(v or 0 for _, values in series for v in [values[i]]) for i in range(len(weeks))
        ]
    else:
        totals = [v or 0 for _, values in series for v in values]
    scale_max = nice_ceiling(max([*totals, floor_max]))
    chart = Chart(id, title, description, height=height)
    for step in range(3):
        value = scale_max * step / 2
        y = round(top + plot_h - plot_h * step / 2, 1)
        chart.lines.append(Line(left, y, WIDTH - right, y, GRID))
        chart.texts.append(Text(left - 4, y + 4, _fmt(value, unit.strip()), anchor="end", size=11))
    slot = plot_w / max(len(weeks), 1)
    groups = 1 if stacked else len(series)
    bar_w = max(slot * 0.8 / groups, 1)
    label_every = max(1, round(len(weeks) / 6))
    for i, monday in enumerate(weeks):
        x0 = left + i * slot + slot * 0.1
        base = top + plot_h
        for s, (name, values) in enumerate(series):
            value = values[i]
            if value is None:
                continue
            h = max(plot_h * value / scale_max, 1.5)  # a zero is a visible sliver, not a gap
            x = x0 if stacked else x0 + s * bar_w
            y = base - h
            chart.rects.append(
                Rect(
                    round(x, 2),
                    round(y, 2),
                    round(bar_w, 2),
                    round(max(h, 0), 2),
                    PALETTE[s % len(PALETTE)],
                    f"Week of {monday:%d %b}: {name} {value:.0f}{unit}",
                )
            )
            if stacked:
                base = y
        if i % label_every == 0:
            chart.texts.append(
                Text(
                    round(left + i * slot + slot / 2, 1),
                    height - 12,
                    f"{monday:%d %b}",
                    anchor="middle",
                    size=11,
                )
            )
    if len(series) > 1:
        chart.legend = [(PALETTE[s % len(PALETTE)], name) for s, (name, _) in enumerate(series)]
    return chart

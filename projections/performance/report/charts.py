"""Inline SVG charts for the HTML report, with no script, font or external file.

Every chart is a self-contained ``<svg>`` element whose colours come from CSS
classes that the report page defines. Text is escaped, so agency ids can
never inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

LABEL_WIDTH = 220
PLOT_WIDTH = 420
VALUE_WIDTH = 80
ROW_HEIGHT = 22
BAR_HEIGHT = 14
TOP = 24
"""Room above the first bar for the legend or the reference label."""
COLUMN_WIDTH = 44
COLUMN_PLOT_HEIGHT = 160


@dataclass(frozen=True, slots=True)
class StackedRow:
    """One bar split into the values of each series, in series order."""

    label: str
    values: tuple[float, ...]


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 (parts are escaped)


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def _rect(x: float, y: float, width: float, height: float, css: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0.0):.1f}" '
        f'height="{height:.1f}" class="{css}"/>'
    )


def bar_chart(  # noqa: PLR0913 (each option shapes the chart)
    title: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    maximum: float | None = None,
    reference: float | None = None,
    formatter: Callable[[float], str] = str,
    highlight: Callable[[float], bool] | None = None,
) -> Markup:
    """Return a horizontal bar chart, one bar per ``(label, value)``.

    ``None`` values show "n/a". ``reference`` draws a dashed line at that
    value; ``highlight`` picks the bars drawn in the highlight colour.
    """
    present = [value for _, value in bars if value is not None]
    top = maximum if maximum is not None else max([*present, 0.0])
    scale = PLOT_WIDTH / top if top > 0 else 0.0
    height = TOP + ROW_HEIGHT * len(bars) + 4
    body: list[str] = []
    for index, (label, value) in enumerate(bars):
        y = TOP + index * ROW_HEIGHT
        body.append(_text(LABEL_WIDTH - 6, y + BAR_HEIGHT - 2, label, "label", "end"))
        if value is None:
            body.append(_text(LABEL_WIDTH + 4, y + BAR_HEIGHT - 2, "n/a", "muted"))
            continue
        css = "bar good" if highlight is not None and highlight(value) else "bar"
        width = value * scale
        body.append(_rect(LABEL_WIDTH, y, width, BAR_HEIGHT, css))
        text_x = LABEL_WIDTH + width + 4
        body.append(_text(text_x, y + BAR_HEIGHT - 2, formatter(value), "value"))
    if reference is not None and scale > 0:
        x = LABEL_WIDTH + reference * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height}" '
            'class="reference"/>'
        )
        body.append(_text(x, TOP - 10, formatter(reference), "muted", "middle"))
    return _svg(LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, height, title, body)


def stacked_bar_chart(
    title: str, series: Sequence[str], rows: Sequence[StackedRow]
) -> Markup:
    """Return horizontal stacked bars with a legend of ``series``.

    The page defines colours for four series (CSS classes ``s0`` to ``s3``).
    """
    totals = [sum(row.values) for row in rows]
    top = max([*totals, 0.0])
    scale = PLOT_WIDTH / top if top > 0 else 0.0
    height = TOP + ROW_HEIGHT * len(rows) + 4
    body = _legend(series)
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        body.append(
            _text(LABEL_WIDTH - 6, y + BAR_HEIGHT - 2, row.label, "label", "end")
        )
        x = float(LABEL_WIDTH)
        for number, value in enumerate(row.values):
            body.append(_rect(x, y, value * scale, BAR_HEIGHT, f"bar s{number}"))
            x += value * scale
        total = _plain_number(totals[index])
        body.append(_text(x + 4, y + BAR_HEIGHT - 2, total, "value"))
    return _svg(LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, height, title, body)


def column_chart(
    title: str,
    columns: Sequence[tuple[str, float | None]],
    *,
    formatter: Callable[[float], str] = str,
) -> Markup:
    """Return a vertical column chart, one column per ``(label, value)``."""
    present = [value for _, value in columns if value is not None]
    top = max([*present, 0.0])
    scale = COLUMN_PLOT_HEIGHT / top if top > 0 else 0.0
    base = TOP + COLUMN_PLOT_HEIGHT
    body: list[str] = []
    for index, (label, value) in enumerate(columns):
        x = 8 + index * COLUMN_WIDTH
        middle = x + COLUMN_WIDTH / 2 - 4
        body.append(_text(middle, base + 16, label, "label", "middle"))
        if value is None:
            body.append(_text(middle, base - 4, "n/a", "muted", "middle"))
            continue
        height = value * scale
        body.append(_rect(x, base - height, COLUMN_WIDTH - 8, height, "bar"))
        body.append(
            _text(middle, base - height - 4, formatter(value), "value", "middle")
        )
    width = 16 + COLUMN_WIDTH * len(columns)
    return _svg(width, base + 24, title, body)


def _legend(series: Sequence[str]) -> list[str]:
    body: list[str] = []
    x = float(LABEL_WIDTH)
    for number, name in enumerate(series):
        body.append(_rect(x, 4, 10, 10, f"bar s{number}"))
        body.append(_text(x + 14, 13, name, "muted"))
        x += 14 + 7 * len(name) + 16
    return body


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"

"""Panels and rows as data, and helpers that write their PromQL.

``$agency`` and ``$projection`` are the dashboard's template variables
(regular expressions, ``.*`` for all), and ``$__rate_interval`` is Grafana's
rate window.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.values import FrozenModel

AGENCY = 'agency=~"$agency"'
PROJECTION = 'projection=~"$projection"'
LAPOR_JOBS = 'job=~"lapor-.*"'
WINDOW = "[$__rate_interval]"


class Query(FrozenModel):
    """One PromQL query of a panel and its legend template."""

    expr: str
    legend: str


class Panel(FrozenModel):
    """A time series or stat panel; ``unit`` is a Grafana unit id."""

    title: str
    description: str
    queries: tuple[Query, ...]
    unit: str = "short"
    kind: Literal["timeseries", "stat"] = "timeseries"
    width: int = Field(default=8, ge=1, le=24)
    """Columns of Grafana's 24-column grid."""
    height: int = Field(default=8, ge=1)
    stacked: bool = False
    maximum: float | None = None
    alarm_at: float | None = None
    """Stat threshold: red from this value up, or below it with ``alarm_below``."""
    alarm_below: bool = False


class Row(FrozenModel):
    """A titled row of panels, laid out left to right on a 24-column grid."""

    title: str
    panels: tuple[Panel, ...]


def q(expr: str, legend: str) -> Query:
    return Query(expr=expr, legend=legend)


def select(metric: str, selector: str = "") -> str:
    """Return a series selector: ``metric{selector}``, or ``metric`` alone."""
    return f"{metric}{{{selector}}}" if selector else metric


def rate(metric: str, by: str, selector: str = "") -> str:
    """Return ``sum by (by) (rate(metric{selector}[window]))``."""
    return f"sum by ({by}) (rate({select(metric, selector)}{WINDOW}))"


def increase(metric: str, by: str, selector: str = "") -> str:
    """Return ``sum by (by) (increase(metric{selector}[window]))``."""
    return f"sum by ({by}) (increase({select(metric, selector)}{WINDOW}))"


def p95(histogram: str, by: str, selector: str = "") -> str:
    """Return the 95th percentile of a histogram over the window, per ``by``."""
    buckets = f"rate({select(histogram + '_bucket', selector)}{WINDOW})"
    return f"histogram_quantile(0.95, sum by (le, {by}) ({buckets}))"


def sum_by(metric: str, by: str, selector: str = "") -> str:
    return f"sum by ({by}) ({select(metric, selector)})"


def max_by(metric: str, by: str, selector: str = "") -> str:
    return f"max by ({by}) ({select(metric, selector)})"


def age(metric: str, by: str, selector: str = "") -> str:
    """Return the seconds since the newest Unix time in ``metric``, per ``by``."""
    return f"time() - max by ({by}) ({select(metric, selector)})"


def series(  # noqa: PLR0913 (each option is a display setting)
    title: str,
    description: str,
    *queries: Query,
    unit: str = "short",
    width: int = 8,
    stacked: bool = False,
    maximum: float | None = None,
) -> Panel:
    return Panel(
        title=title,
        description=description,
        queries=queries,
        unit=unit,
        width=width,
        stacked=stacked,
        maximum=maximum,
    )


def stat(  # noqa: PLR0913 (each option is a display setting)
    title: str,
    description: str,
    *queries: Query,
    unit: str = "short",
    width: int = 6,
    height: int = 6,
    alarm_at: float = 1,
    alarm_below: bool = False,
) -> Panel:
    return Panel(
        title=title,
        description=description,
        queries=queries,
        unit=unit,
        kind="stat",
        width=width,
        height=height,
        alarm_at=alarm_at,
        alarm_below=alarm_below,
    )

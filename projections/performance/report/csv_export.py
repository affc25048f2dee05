"""The report as CSV: one row per scope, period and metric (long format).

Columns (``docs/metrics.md`` defines every metric):

``report``
    ``monthly`` or ``annual``.
``period``
    ``YYYY-MM`` or ``YYYY``; an annual report also has a row set per month.
``as_of``
    The moment the figures are as of, ISO 8601 in UTC.
``scope``
    ``national``, ``agency`` or ``unit``.
``agency``, ``unit``
    Ids; empty for the national scope (and, in backlog rows, for complaints
    with the national admin).
``metric``
    A field of the figures; durations as ``<name>.mean``, ``<name>.median``
    and ``<name>.count``; ``backlog``, ``overdue`` and ``bounce_chain``.
``dimension``
    ``stage=<status>;age=<bucket>`` for backlog, ``clock=<name>`` for overdue,
    the agencies joined by ``>`` for a bounce chain; empty otherwise.
``value``
    An integer, a decimal (rounded to 6 places), ``true`` or ``false``, or
    empty when undefined.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from projections.performance.cases import ScopeKind
from projections.performance.figures import DurationSummary

if TYPE_CHECKING:
    from collections.abc import Iterator

    from projections.performance.backlog import Snapshot
    from projections.performance.figures import Figures
    from projections.performance.queries import PeriodFigures
    from projections.performance.report.model import Report

COLUMNS = (
    "report",
    "period",
    "as_of",
    "scope",
    "agency",
    "unit",
    "metric",
    "dimension",
    "value",
)
IDENTITY_FIELDS = frozenset({"scope", "agency", "unit", "period"})
DECIMAL_PLACES = 6

RowKey = tuple[str, str, str, str, str, str]
"""``(period, scope, agency, unit, metric, dimension)`` of a CSV row."""


def format_value(value: object) -> str:
    """Return a metric value as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, DECIMAL_PLACES))
    return str(value)


def figure_values(figures: Figures) -> Iterator[tuple[str, object]]:
    """Yield ``(metric, value)`` for every metric of one scope's figures."""
    for name in type(figures).model_fields:
        if name in IDENTITY_FIELDS:
            continue
        value = getattr(figures, name)
        if isinstance(value, DurationSummary):
            yield f"{name}.mean", value.mean
            yield f"{name}.median", value.median
            yield f"{name}.count", value.count
        else:
            yield name, value


def report_rows(report: Report) -> Iterator[dict[str, str]]:
    """Yield the report's rows as mappings of ``COLUMNS`` to text."""
    common = {"report": report.kind.value, "as_of": report.as_of.isoformat()}
    for period_figures in (report.figures, *report.months):
        for row in _figure_rows(period_figures):
            yield {**common, **row}
    for row in _snapshot_rows(report.snapshot):
        yield {**common, "period": report.period, **row}


def render_csv(report: Report) -> str:
    """Return the report as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(report_rows(report))
    return buffer.getvalue()


def parse_csv(text: str) -> dict[RowKey, str]:
    """Return the values of a report's CSV by ``(period, scope, agency, unit,
    metric, dimension)``.
    """
    values: dict[RowKey, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        key = (
            row["period"],
            row["scope"],
            row["agency"],
            row["unit"],
            row["metric"],
            row["dimension"],
        )
        values[key] = row["value"]
    return values


def _figure_rows(period_figures: PeriodFigures) -> Iterator[dict[str, str]]:
    for figures in period_figures.figures:
        identity = {
            "period": period_figures.period,
            "scope": figures.scope.value,
            "agency": figures.agency,
            "unit": figures.unit,
        }
        for metric, value in figure_values(figures):
            yield {
                **identity,
                "metric": metric,
                "dimension": "",
                "value": format_value(value),
            }
    for chain in period_figures.bounces:
        yield {
            "period": period_figures.period,
            "scope": ScopeKind.NATIONAL.value,
            "agency": "",
            "unit": "",
            "metric": "bounce_chain",
            "dimension": ">".join(chain.agencies),
            "value": str(chain.complaints),
        }


def _snapshot_rows(snapshot: Snapshot) -> Iterator[dict[str, str]]:
    for count in snapshot.backlog:
        yield {
            **_holder(count.agency, count.unit),
            "metric": "backlog",
            "dimension": f"stage={count.stage.value};age={count.age_bucket}",
            "value": str(count.complaints),
        }
    for item in snapshot.overdue:
        yield {
            **_holder(item.agency, item.unit),
            "metric": "overdue",
            "dimension": f"clock={item.clock.value}",
            "value": str(item.complaints),
        }


def _holder(agency: str, unit: str) -> dict[str, str]:
    if unit:
        scope = ScopeKind.UNIT
    elif agency:
        scope = ScopeKind.AGENCY
    else:
        scope = ScopeKind.NATIONAL
    return {"scope": scope.value, "agency": agency, "unit": unit}

"""The report as one self-contained HTML page with inline SVG charts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, StrictUndefined

from gateway.deadlines import ClockName
from projections.performance.backlog import BUCKET_LABELS, STAGES
from projections.performance.cases import ScopeKind
from projections.performance.report.charts import (
    StackedRow,
    bar_chart,
    column_chart,
    stacked_bar_chart,
)

if TYPE_CHECKING:
    from markupsafe import Markup

    from gateway.complaint.state import Status
    from projections.performance.figures import Figures
    from projections.performance.queries import BounceChain
    from projections.performance.report.model import Report

OUTCOME_SERIES = ("in process", "finished", "deleted or archived", "passed on")

_environment = Environment(
    loader=PackageLoader("projections.performance.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def percent(value: float | None) -> str:
    """Return a share as a percentage with one decimal, or an en dash."""
    return "\u2013" if value is None else f"{value * 100:.1f}%"


def days(value: float | None) -> str:
    """Return working days with two decimals, or an en dash."""
    return "\u2013" if value is None else f"{value:.2f}"


_environment.filters["percent"] = percent
_environment.filters["days"] = days


@dataclass(frozen=True, slots=True)
class AgencySection:
    """The content of one agency's section of the page."""

    agency: str
    figures: Figures | None
    units: tuple[Figures, ...]
    months: tuple[Figures | None, ...]
    backlog: dict[tuple[Status, str], int]
    overdue: dict[ClockName, int]
    bounces: tuple[BounceChain, ...]


def render_html(report: Report) -> str:
    """Return the report as an HTML page."""
    template = _environment.get_template("report.html.j2")
    return template.render(
        report=report,
        national=report.figures.scope(),
        agency_rows=_agency_figures(report),
        sections=[_section(report, agency) for agency in report.agencies()],
        charts=_charts(report),
        stages=STAGES,
        buckets=BUCKET_LABELS,
        clocks=tuple(ClockName),
        month_labels=[month.period for month in report.months],
        national_months=[month.scope() for month in report.months],
    )


def _agency_figures(report: Report) -> list[Figures]:
    return [f for f in report.figures.figures if f.scope is ScopeKind.AGENCY]


def _section(report: Report, agency: str) -> AgencySection:
    units = tuple(
        f
        for f in report.figures.figures
        if f.scope is ScopeKind.UNIT and f.agency == agency
    )
    return AgencySection(
        agency=agency,
        figures=report.figures.scope(agency),
        units=units,
        months=tuple(month.scope(agency) for month in report.months),
        backlog=report.snapshot.agency_backlog(agency),
        overdue=report.snapshot.agency_overdue(agency),
        bounces=tuple(b for b in report.figures.bounces if agency in b.agencies),
    )


def _charts(report: Report) -> dict[str, Markup]:
    rows = _agency_figures(report)
    target = report.follow_up_target_days
    charts = {
        "followed_up": bar_chart(
            "Share of handled complaints followed up, by agency",
            [(f.agency, f.followed_up_share) for f in rows],
            maximum=1.0,
            reference=0.5,
            formatter=percent,
            highlight=lambda value: value >= 0.5,  # noqa: PLR2004 (the "good" line)
        ),
        "on_time": bar_chart(
            f"Share followed up within {target} working days, by agency",
            [(f.agency, f.followed_up_within_target_share) for f in rows],
            maximum=1.0,
            formatter=percent,
        ),
        "outcomes": stacked_bar_chart(
            "Complaints received, by where they stand",
            OUTCOME_SERIES,
            [
                StackedRow(
                    f.agency,
                    (f.in_process, f.finished, f.deleted_or_archived, f.passed_on),
                )
                for f in rows
            ],
        ),
        "follow_up_days": bar_chart(
            "Mean working days from disposition to first follow-up, by agency",
            [(f.agency, f.days_to_first_follow_up.mean) for f in rows],
            formatter=days,
        ),
    }
    # An agency's own view of an annual report has no national figures.
    if report.months and report.figures.scope() is not None:
        charts["months"] = column_chart(
            "Complaints received per month",
            [(month.period[-2:], _received(month.scope())) for month in report.months],
            formatter=lambda value: str(int(value)),
        )
    return charts


def _received(figures: Figures | None) -> float:
    return 0.0 if figures is None else float(figures.received)

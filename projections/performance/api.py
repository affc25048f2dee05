"""HTTP queries of the performance figures, the backlog and the reports.

Every request authenticates an agency system with ``Authorization: Bearer
<token>``. The national admin (agency kind ``national``) and inspectorates
and auditors (kind ``inspectorate``) may read every agency's figures. Any
other agency may read only its own figures and units. The figures are counts
and durations. They carry no complaint id, content or reporter data, so the
anonim and rahasia flags leave nothing to redact, and confidential
complaints are counted like any other.
"""

# FastAPI reads the endpoints' annotations at runtime, including names local to
# performance_router, so this module does not postpone their evaluation.

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlalchemy import Engine

from gateway.agencies import AgencyKind, AgencyRegistry
from gateway.authorisation import AccessError, authenticate
from projections.performance.backlog import Snapshot, take_snapshot
from projections.performance.errors import PeriodError
from projections.performance.figures import MetricsSettings
from projections.performance.periods import Period, require_offset
from projections.performance.queries import PeriodFigures, compute_period
from projections.performance.report import build_report, render_csv, render_html

PeriodText = Annotated[
    str, Query(description="month as YYYY-MM or year as YYYY", max_length=7)
]
AsOf = Annotated[
    dt.datetime | None,
    Query(description="count only events known by this moment (with offset)"),
]

SEES_ALL_KINDS = frozenset({AgencyKind.NATIONAL, AgencyKind.INSPECTORATE})
"""Agency kinds that may read every agency's figures."""


class ReportFormat(StrEnum):
    HTML = "html"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated caller: its agency and whether it may read every agency."""

    system: str
    agency: str
    sees_all: bool

    def may_see(self, agency: str) -> bool:
        """Return whether the caller may read ``agency``'s figures."""
        return self.sees_all or agency == self.agency


def viewer_for(registry: AgencyRegistry, authorization: str | None) -> Viewer:
    """Return the viewer an ``Authorization`` header names; raise ``AccessError``."""
    system = authenticate(registry, authorization)
    agency = registry.agency(system.agency)
    sees_all = agency is not None and agency.kind in SEES_ALL_KINDS
    return Viewer(system=system.id, agency=system.agency, sees_all=sees_all)


def performance_router(
    engine: Engine,
    registry: AgencyRegistry,
    settings: MetricsSettings | None = None,
) -> APIRouter:
    """Return the router of the performance queries, mounted under ``/performance``."""
    chosen = settings or MetricsSettings()
    router = APIRouter(prefix="/performance", tags=["performance"])
    current_viewer = _viewer_dependency(registry)
    CallerViewer = Annotated[Viewer, Depends(current_viewer)]  # noqa: N806 (type alias)

    @router.get("/figures", response_model=PeriodFigures)
    def figures(viewer: CallerViewer, period: PeriodText, as_of: AsOf = None) -> object:
        """Return the figures of every agency the caller may read, for a period."""
        parsed, moment = _period_and_moment(period, as_of, chosen)
        with engine.connect() as connection:
            result = compute_period(connection, parsed, moment, chosen)
        return result if viewer.sees_all else result.for_agency(viewer.agency)

    @router.get("/agencies/{agency}/figures", response_model=PeriodFigures)
    def agency_figures(
        viewer: CallerViewer, agency: str, period: PeriodText, as_of: AsOf = None
    ) -> object:
        """Return the figures of one agency and its units."""
        _require_access(viewer, agency)
        parsed, moment = _period_and_moment(period, as_of, chosen)
        with engine.connect() as connection:
            result = compute_period(connection, parsed, moment, chosen)
        return result.for_agency(agency)

    @router.get("/backlog", response_model=Snapshot)
    def backlog(
        viewer: CallerViewer,
        as_of: Annotated[dt.datetime, Query(description="moment (with offset)")],
    ) -> object:
        """Return the backlog by holder, stage and age, and the overdue clocks."""
        moment = _checked(as_of)
        with engine.connect() as connection:
            snapshot = take_snapshot(connection, moment, chosen.calendar)
        return snapshot if viewer.sees_all else snapshot.for_agency(viewer.agency)

    @router.get("/reports/{period}", response_model=None)
    def report(
        viewer: CallerViewer,
        period: str,
        report_format: Annotated[ReportFormat, Query(alias="format")] = (
            ReportFormat.HTML
        ),
        as_of: AsOf = None,
    ) -> HTMLResponse | PlainTextResponse:
        """Render the monthly (YYYY-MM) or annual (YYYY) report as HTML or CSV."""
        parsed, moment = _period_and_moment(period, as_of, chosen)
        with engine.connect() as connection:
            built = build_report(connection, parsed, moment, chosen)
        if not viewer.sees_all:
            built = built.for_agency(viewer.agency)
        if report_format is ReportFormat.CSV:
            return PlainTextResponse(render_csv(built), media_type="text/csv")
        return HTMLResponse(render_html(built))

    return router


def _viewer_dependency(registry: AgencyRegistry) -> Callable[..., Viewer]:
    def current_viewer(
        authorization: Annotated[str | None, Header()] = None,
    ) -> Viewer:
        try:
            return viewer_for(registry, authorization)
        except AccessError as exc:
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None  # noqa: PLR2004 (HTTP status)
            raise HTTPException(exc.status, str(exc), headers=headers) from exc

    return current_viewer


def _require_access(viewer: Viewer, agency: str) -> None:
    if not viewer.may_see(agency):
        raise HTTPException(
            403,
            f"system {viewer.system!r} of agency {viewer.agency!r} may read only "
            f"its own agency's figures, not {agency!r}",
        )


def _period_and_moment(
    text: str, as_of: dt.datetime | None, settings: MetricsSettings
) -> tuple[Period, dt.datetime]:
    try:
        period = Period.parse(text, settings.calendar.time_zone)
    except PeriodError as exc:
        raise HTTPException(422, str(exc)) from exc
    return period, period.last_instant if as_of is None else _checked(as_of)


def _checked(as_of: dt.datetime) -> dt.datetime:
    try:
        return require_offset(as_of)
    except PeriodError as exc:
        raise HTTPException(422, str(exc)) from exc

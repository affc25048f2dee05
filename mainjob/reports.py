"""The performance figures of the run: annual reports per year and the summary.

The annual reports (HTML with charts, and CSV) are written for every year in
which a complaint was submitted, in the form that ``python -m
projections.performance report`` writes. They and the summary's figures, which
cover the whole history, are computed as of the moment of the run.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from projections.performance.cases import (
    NATIONAL,
    Case,
    Scope,
    ScopeKind,
    fold_complaint,
)
from projections.performance.figures import (
    Figures,
    MetricsSettings,
    meter_for,
    summarise,
)
from projections.performance.periods import Period
from projections.performance.report import build_report, render_csv, render_html
from projections.performance.tables import complaints
from projections.performance.timeline import load_timelines

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Connection, Engine

WHOLE_HISTORY = "all"


@dataclass(frozen=True, slots=True)
class ReportFiles:
    year: int
    html: Path
    csv: Path


def submission_years(connection: Connection, settings: MetricsSettings) -> list[int]:
    """Return the years (in the calendar's zone) in which complaints were submitted."""
    zone = settings.calendar.time_zone.zone
    moments = connection.execute(select(complaints.c.submitted_at)).scalars()
    return sorted({moment.astimezone(zone).year for moment in moments})


def write_annual_reports(
    engine: Engine, folder: Path, as_of: dt.datetime
) -> list[ReportFiles]:
    """Write ``performance-<year>.html`` and ``.csv`` for every year present.

    Each report is as of ``as_of``, the moment of the run: a replay records
    historical actions now, so as of the year's own end nothing was known yet.
    """
    settings = MetricsSettings()
    zone = settings.calendar.time_zone
    folder.mkdir(parents=True, exist_ok=True)
    written: list[ReportFiles] = []
    with engine.connect() as connection:
        for year in submission_years(connection, settings):
            period = Period.of_year(year, zone)
            report = build_report(connection, period, as_of, settings)
            html = folder / f"performance-{year}.html"
            csv = folder / f"performance-{year}.csv"
            html.write_text(render_html(report), encoding="utf-8")
            csv.write_text(render_csv(report), encoding="utf-8")
            written.append(ReportFiles(year, html, csv))
    return written


def whole_history_figures(
    engine: Engine, as_of: dt.datetime
) -> tuple[Figures, list[Figures]]:
    """Return the national figures and each agency's, over every submission year."""
    settings = MetricsSettings()
    with engine.connect() as connection:
        first, last = connection.execute(
            select(
                func.min(complaints.c.submitted_at), func.max(complaints.c.submitted_at)
            )
        ).one()
        if first is None or last is None:
            timelines = []
        else:
            start = first.replace(tzinfo=dt.UTC)
            end = last.replace(tzinfo=dt.UTC) + dt.timedelta(seconds=1)
            timelines = load_timelines(connection, start, end, as_of)
    by_scope: defaultdict[Scope, list[Case]] = defaultdict(list)
    by_scope.setdefault(NATIONAL, [])
    for timeline in timelines:
        if not timeline.steps:
            continue
        for case in fold_complaint(timeline).cases:
            by_scope[case.scope].append(case)
    meter = meter_for(settings, as_of)
    national = summarise(NATIONAL, WHOLE_HISTORY, by_scope[NATIONAL], meter, settings)
    agencies = [
        summarise(scope, WHOLE_HISTORY, cases, meter, settings)
        for scope, cases in by_scope.items()
        if scope.kind is ScopeKind.AGENCY
    ]
    return national, agencies

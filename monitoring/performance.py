"""Prometheus gauges of the performance projection: backlog, overdue, on-time ratio.

Label values come from closed sets only. ``agency`` is one of the configured
agency ids given to :class:`PerformanceMetrics`, ``other`` for any agency
outside that set, or ``none`` while the national admin has the complaint.
``stage`` is an open complaint status and ``clock`` a deadline clock name.
:func:`refresh_performance_gauges` recomputes every gauge from the
projection's tables as of a given moment; it never reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from prometheus_client import Gauge

from gateway.deadlines import ClockName
from monitoring.metrics import PREFIX
from projections.performance.backlog import STAGES, take_snapshot
from projections.performance.cases import Scope, ScopeKind, fold_complaint
from projections.performance.figures import MetricsSettings, meter_for, summarise
from projections.performance.timeline import load_timelines

if TYPE_CHECKING:
    from collections.abc import Iterable

    from prometheus_client import CollectorRegistry
    from sqlalchemy import Connection

    from projections.performance.cases import Case

OTHER_AGENCY = "other"
NO_AGENCY = "none"
ON_TIME_WINDOW = dt.timedelta(days=90)
"""Default span of submissions over which the on-time follow-up ratio is taken."""

_Labels = tuple[str, ...]


class PerformanceMetrics:
    """Gauges of the complaints' backlog, overdue clocks and on-time follow-up."""

    def __init__(self, registry: CollectorRegistry, agencies: Iterable[str]) -> None:
        self.agencies = frozenset(agencies)
        self.backlog = Gauge(
            f"{PREFIX}_backlog_complaints",
            "Open complaints by holding agency and stage (open status).",
            ["agency", "stage"],
            registry=registry,
        )
        self.overdue = Gauge(
            f"{PREFIX}_overdue_complaints",
            "Open complaints whose deadline clock is past due, by agency and clock.",
            ["agency", "clock"],
            registry=registry,
        )
        self.follow_up_on_time = Gauge(
            f"{PREFIX}_follow_up_within_target_ratio",
            "Share of decided cases followed up within the target working days, "
            "over complaints submitted in the trailing window, by agency.",
            ["agency"],
            registry=registry,
        )
        self.refreshed = Gauge(
            f"{PREFIX}_performance_refreshed_timestamp_seconds",
            "The as-of moment of the last refresh of the performance gauges.",
            registry=registry,
        )
        self._set: dict[Gauge, set[_Labels]] = defaultdict(set)

    def agency_label(self, agency: str) -> str:
        """Return the label value of an agency id (empty: no holder)."""
        if not agency:
            return NO_AGENCY
        return agency if agency in self.agencies else OTHER_AGENCY

    def replace(self, gauge: Gauge, values: dict[_Labels, float]) -> None:
        """Set ``gauge`` to ``values``; label sets missing from them are removed."""
        for labels, value in values.items():
            gauge.labels(*labels).set(value)
        for stale in self._set[gauge] - values.keys():
            gauge.remove(*stale)
        self._set[gauge] = set(values)


def refresh_performance_gauges(
    metrics: PerformanceMetrics,
    connection: Connection,
    at: dt.datetime,
    settings: MetricsSettings | None = None,
    window: dt.timedelta = ON_TIME_WINDOW,
) -> None:
    """Recompute every gauge from the projection's tables as of ``at``.

    Every configured agency gets a backlog value for every stage and an
    overdue value for every clock, zero when it has none. The on-time ratio
    of an agency with no decided case in the window is removed, not set.
    """
    chosen = settings or MetricsSettings()
    snapshot = take_snapshot(connection, at, chosen.calendar)
    backlog: Counter[_Labels] = Counter()
    for agency in metrics.agencies:
        for stage in STAGES:
            backlog[agency, stage.value] = 0
    for count in snapshot.backlog:
        backlog[metrics.agency_label(count.agency), count.stage.value] += (
            count.complaints
        )
    overdue: Counter[_Labels] = Counter()
    for agency in metrics.agencies:
        for clock in ClockName:
            overdue[agency, clock.value] = 0
    for item in snapshot.overdue:
        overdue[metrics.agency_label(item.agency), item.clock.value] += item.complaints
    metrics.replace(metrics.backlog, {k: float(v) for k, v in backlog.items()})
    metrics.replace(metrics.overdue, {k: float(v) for k, v in overdue.items()})
    metrics.replace(
        metrics.follow_up_on_time,
        _on_time_ratios(metrics, connection, at, chosen, window),
    )
    metrics.refreshed.set(at.timestamp())


def _on_time_ratios(
    metrics: PerformanceMetrics,
    connection: Connection,
    at: dt.datetime,
    settings: MetricsSettings,
    window: dt.timedelta,
) -> dict[_Labels, float]:
    end = at + dt.timedelta(microseconds=1)
    by_label: defaultdict[str, list[Case]] = defaultdict(list)
    for timeline in load_timelines(connection, at - window, end, at):
        for case in fold_complaint(timeline).cases:
            if case.scope.kind is ScopeKind.AGENCY:
                by_label[metrics.agency_label(case.scope.agency)].append(case)
    ratios: dict[_Labels, float] = {}
    meter = meter_for(settings, at)
    for label, cases in by_label.items():
        figures = summarise(Scope.of_agency(label), "window", cases, meter, settings)
        ratio = figures.followed_up_within_target_share
        if ratio is not None:
            ratios[(label,)] = ratio
    return ratios

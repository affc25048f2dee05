"""The performance metrics projection: per-complaint timelines and the figures
computed from them per agency, unit and period.

``PerformanceProjection`` keeps the timelines; ``compute_period`` and
``take_snapshot`` compute the figures and the backlog as of any moment;
``projections.performance.report`` renders the monthly and annual reports.
``docs/metrics.md`` defines every metric.
"""

from projections.performance.backlog import Snapshot, take_snapshot
from projections.performance.errors import (
    DatabaseUrlError,
    PerformanceError,
    PeriodError,
    ProjectionStateError,
)
from projections.performance.figures import Figures, MetricsSettings
from projections.performance.periods import Period, PeriodKind
from projections.performance.projection import PerformanceProjection
from projections.performance.queries import (
    PeriodFigures,
    compute_period,
    compute_with_months,
)

__all__ = [
    "DatabaseUrlError",
    "Figures",
    "MetricsSettings",
    "PerformanceError",
    "PerformanceProjection",
    "Period",
    "PeriodError",
    "PeriodFigures",
    "PeriodKind",
    "ProjectionStateError",
    "Snapshot",
    "compute_period",
    "compute_with_months",
    "take_snapshot",
]

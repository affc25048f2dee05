"""The content of a monthly or annual report, gathered in one pass."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from events.timestamps import Timestamp
from events.values import FrozenModel
from projections.performance.backlog import Snapshot, take_snapshot
from projections.performance.figures import MetricsSettings
from projections.performance.periods import PeriodKind, require_offset
from projections.performance.queries import PeriodFigures, compute_with_months

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy import Connection

    from projections.performance.periods import Period


class ReportKind(StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"


class Report(FrozenModel):
    """Figures of a period per agency and unit, its months, and the backlog.

    ``figures`` covers the whole period; ``months`` breaks an annual report
    down by month (empty for a monthly report). ``snapshot`` is the backlog
    and overdue counts as of ``as_of``.
    """

    kind: ReportKind
    period: str
    as_of: Timestamp
    time_zone: str
    """The zone of the period boundaries and the working-day calendar."""
    follow_up_target_days: int
    figures: PeriodFigures
    months: tuple[PeriodFigures, ...]
    snapshot: Snapshot

    def agencies(self) -> tuple[str, ...]:
        """Return every agency with figures or backlog in the report, by id."""
        named = set(self.figures.agencies())
        named.update(count.agency for count in self.snapshot.backlog if count.agency)
        return tuple(sorted(named))

    def units(self, agency: str) -> tuple[str, ...]:
        """Return the units of ``agency`` that have figures, by id."""
        return tuple(
            f.unit for f in self.figures.figures if f.agency == agency and f.unit
        )

    def for_agency(self, agency: str) -> Report:
        """Return the report as ``agency`` may see it: its own figures only."""
        return self.model_copy(
            update={
                "figures": self.figures.for_agency(agency),
                "months": tuple(month.for_agency(agency) for month in self.months),
                "snapshot": self.snapshot.for_agency(agency),
            }
        )


def build_report(
    connection: Connection,
    period: Period,
    as_of: dt.datetime | None = None,
    settings: MetricsSettings | None = None,
) -> Report:
    """Compute the report of ``period`` as of ``as_of``.

    ``as_of`` defaults to the period's last instant, so the same data always
    gives the same report whenever it is run.
    """
    chosen = settings or MetricsSettings()
    moment = period.last_instant if as_of is None else require_offset(as_of)
    whole, months = compute_with_months(connection, period, moment, chosen)
    annual = period.kind is PeriodKind.YEAR
    return Report(
        kind=ReportKind.ANNUAL if annual else ReportKind.MONTHLY,
        period=period.label,
        as_of=moment,
        time_zone=chosen.calendar.time_zone.value,
        follow_up_target_days=chosen.follow_up_target_days,
        figures=whole,
        months=months if annual else (),
        snapshot=take_snapshot(connection, moment, chosen.calendar),
    )

"""Figures of a period as of a moment: load the timelines, fold, summarise.

A complaint belongs to the period of its submission date in the settings'
calendar zone (WIB by default), and only what was known at ``as_of`` counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from events.timestamps import Timestamp
from events.values import FrozenModel
from projections.performance.cases import (
    BOUNCE_REDISPOSITIONS,
    NATIONAL,
    Case,
    FoldedComplaint,
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
from projections.performance.periods import require_offset
from projections.performance.timeline import load_timelines

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Sequence

    from sqlalchemy import Connection

    from projections.performance.measures import Meter
    from projections.performance.periods import Period


class BounceChain(FrozenModel):
    """Agencies a bounced complaint passed through in order, and how many did so."""

    agencies: tuple[str, ...]
    complaints: int


class PeriodFigures(FrozenModel):
    """Every scope's figures for one period as of one moment."""

    period: str
    as_of: Timestamp
    figures: tuple[Figures, ...]
    """National first, then each agency followed by its units, by id."""
    bounces: tuple[BounceChain, ...]
    """Chains of complaints re-dispositioned at least twice, most frequent first."""

    def scope(self, agency: str = "", unit: str = "") -> Figures | None:
        """Return the figures of an agency (or unit; no agency: national), if any."""
        return next(
            (f for f in self.figures if f.agency == agency and f.unit == unit), None
        )

    def agencies(self) -> tuple[str, ...]:
        """Return the agencies that have figures, by id."""
        return tuple(f.agency for f in self.figures if f.scope is ScopeKind.AGENCY)

    def for_agency(self, agency: str) -> PeriodFigures:
        """Return only the figures of ``agency`` and its units, and its bounces."""
        return self.model_copy(
            update={
                "figures": tuple(f for f in self.figures if f.agency == agency),
                "bounces": tuple(b for b in self.bounces if agency in b.agencies),
            }
        )


def load_folded(
    connection: Connection, period: Period, as_of: dt.datetime
) -> list[FoldedComplaint]:
    """Return the folded complaints submitted in ``period``, as of ``as_of``."""
    require_offset(as_of)
    timelines = load_timelines(connection, period.start, period.end, as_of)
    return [fold_complaint(timeline) for timeline in timelines if timeline.steps]


def period_figures(
    folded: Sequence[FoldedComplaint],
    period: Period,
    meter: Meter,
    settings: MetricsSettings,
) -> PeriodFigures:
    """Return the figures of the complaints in ``folded`` submitted in ``period``."""
    start, end = period.start, period.end
    inside = [
        complaint
        for complaint in folded
        if complaint.cases and start <= complaint.cases[0].submitted_at < end
    ]
    by_scope: defaultdict[Scope, list[Case]] = defaultdict(list)
    for complaint in inside:
        for case in complaint.cases:
            by_scope[case.scope].append(case)
    by_scope.setdefault(NATIONAL, [])
    scopes = sorted(by_scope, key=_scope_order)
    return PeriodFigures(
        period=period.label,
        as_of=meter.as_of,
        figures=tuple(
            summarise(scope, period.label, by_scope[scope], meter, settings)
            for scope in scopes
        ),
        bounces=_bounce_chains(inside),
    )


def compute_period(
    connection: Connection,
    period: Period,
    as_of: dt.datetime,
    settings: MetricsSettings | None = None,
) -> PeriodFigures:
    """Load, fold and summarise one period as of ``as_of``."""
    chosen = settings or MetricsSettings()
    folded = load_folded(connection, period, as_of)
    return period_figures(folded, period, meter_for(chosen, as_of), chosen)


def compute_with_months(
    connection: Connection,
    period: Period,
    as_of: dt.datetime,
    settings: MetricsSettings | None = None,
) -> tuple[PeriodFigures, tuple[PeriodFigures, ...]]:
    """Return a period's figures and those of each of its months, folded once."""
    chosen = settings or MetricsSettings()
    folded = load_folded(connection, period, as_of)
    meter = meter_for(chosen, as_of)
    whole = period_figures(folded, period, meter, chosen)
    months = tuple(
        period_figures(folded, month, meter, chosen) for month in period.months()
    )
    return whole, months


def _scope_order(scope: Scope) -> tuple[bool, str, str]:
    return (scope.kind is not ScopeKind.NATIONAL, scope.agency, scope.unit)


def _bounce_chains(folded: Iterable[FoldedComplaint]) -> tuple[BounceChain, ...]:
    chains: Counter[tuple[str, ...]] = Counter(
        complaint.holders
        for complaint in folded
        if complaint.redispositions >= BOUNCE_REDISPOSITIONS
    )
    ordered = sorted(chains.items(), key=lambda item: (-item[1], item[0]))
    return tuple(
        BounceChain(agencies=agencies, complaints=count) for agencies, count in ordered
    )

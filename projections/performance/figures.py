"""The figures of one scope and period, computed from its cases.

Durations are in working days of the settings' calendar (see
:mod:`projections.performance.measures`). Shares are ``None`` when their
denominator is zero.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from events.values import ClosingMode, FrozenModel
from gateway.calendar import WorkingCalendar, calendar_for
from projections.performance.cases import Case, Outcome, ScopeKind
from projections.performance.measures import Meter

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Sequence

    from projections.performance.cases import Scope


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """The calendar and targets the figures are computed with."""

    calendar: WorkingCalendar = field(default_factory=lambda: calendar_for(None))
    """Working days and the local zone of period boundaries (national, WIB)."""
    follow_up_target_days: int = 5
    """Working days after a spell start within which a first follow-up is on time."""
    good_share: float = 0.5
    """Share of handled cases followed up from which an agency counts as good."""


class DurationSummary(FrozenModel):
    """Mean and median of a duration over the cases that have both ends."""

    count: int
    mean: float | None
    median: float | None


class Figures(FrozenModel):
    """Every metric of one scope (national, agency, unit) in one period.

    Cases belong to the period of their complaint's submission date. Counts
    are of cases; ``received`` always equals ``in_process + finished +
    deleted_or_archived + passed_on``.
    """

    scope: ScopeKind
    agency: str
    """The agency id; empty for the national scope."""
    unit: str
    """The unit id; empty unless the scope is a unit."""
    period: str
    received: int
    in_process: int
    finished: int
    deleted_or_archived: int
    passed_on: int
    dispositioned: int
    """Cases the holder received for handling (a spell started)."""
    handled: int
    """Dispositioned cases, except those passed on without a follow-up."""
    followed_up: int
    followed_up_share: float | None
    """``followed_up / handled``."""
    follow_up_decided: int
    """Handled cases whose on-time outcome is known: followed up, settled, or late."""
    followed_up_within_target: int
    followed_up_within_target_share: float | None
    """``followed_up_within_target / follow_up_decided``."""
    closed: int
    """Cases closed at least once while this holder had them."""
    closed_automatic: int
    closed_explicit: int
    automatic_close_share: float | None
    explicit_close_share: float | None
    declined: int
    declined_share: float | None
    """``declined / received``; an agency may decline before verifying."""
    redispositioned: int
    redispositioned_share: float | None
    """``redispositioned / received``."""
    removed_at_verification: int
    removed_at_verification_share: float | None
    """``removed_at_verification / received``."""
    reopened: int
    reopen_share: float | None
    """``reopened / closed``."""
    bounced: int
    """Cases of complaints re-dispositioned at least twice."""
    escalated: int
    """Cases escalated at least once while this holder had them."""
    days_to_disposition: DurationSummary
    days_to_first_follow_up: DurationSummary
    days_follow_up_to_response: DurationSummary
    days_response_to_close: DurationSummary
    days_to_close: DurationSummary
    good: bool | None
    """``followed_up_share >= good_share``; ``None`` when nothing was handled."""


def share(part: int, whole: int) -> float | None:
    """Return ``part / whole``, or ``None`` when ``whole`` is zero."""
    return None if whole == 0 else part / whole


def meter_for(settings: MetricsSettings, as_of: dt.datetime) -> Meter:
    """Return the meter of the settings' calendar and target as of ``as_of``."""
    return Meter(settings.calendar, settings.follow_up_target_days, as_of)


def summarise(
    scope: Scope,
    period: str,
    cases: Sequence[Case],
    meter: Meter,
    settings: MetricsSettings,
) -> Figures:
    """Return the figures of ``scope`` in ``period`` from its cases.

    ``meter`` measures the cases as of its moment; pass the same meter for
    every period of one computation so that each case is measured once.
    """
    measures = [meter.measure(case) for case in cases]
    outcomes = dict.fromkeys(Outcome, 0)
    for case in cases:
        outcomes[case.outcome] += 1
    dispositioned = sum(case.dispositioned for case in cases)
    handled = [case for case in cases if case.handled]
    followed_up = sum(case.first_follow_up_at is not None for case in handled)
    decided = [m.on_time for m in measures if m.on_time is not None]
    closed = [case for case in cases if case.first_closed_at is not None]
    automatic = sum(
        case.first_closing_mode == ClosingMode.AUTOMATIC.value for case in closed
    )
    declined = sum(case.declined for case in cases)
    redispositioned = sum(case.redispositioned for case in cases)
    removed = sum(case.removed_at_verification for case in cases)
    reopened = sum(case.reopened for case in closed)
    followed_up_share = share(followed_up, len(handled))
    return Figures(
        scope=scope.kind,
        agency=scope.agency,
        unit=scope.unit,
        period=period,
        received=len(cases),
        in_process=outcomes[Outcome.IN_PROCESS],
        finished=outcomes[Outcome.FINISHED],
        deleted_or_archived=outcomes[Outcome.DELETED_OR_ARCHIVED],
        passed_on=outcomes[Outcome.PASSED_ON],
        dispositioned=dispositioned,
        handled=len(handled),
        followed_up=followed_up,
        followed_up_share=followed_up_share,
        follow_up_decided=len(decided),
        followed_up_within_target=sum(decided),
        followed_up_within_target_share=share(sum(decided), len(decided)),
        closed=len(closed),
        closed_automatic=automatic,
        closed_explicit=len(closed) - automatic,
        automatic_close_share=share(automatic, len(closed)),
        explicit_close_share=share(len(closed) - automatic, len(closed)),
        declined=declined,
        declined_share=share(declined, len(cases)),
        redispositioned=redispositioned,
        redispositioned_share=share(redispositioned, len(cases)),
        removed_at_verification=removed,
        removed_at_verification_share=share(removed, len(cases)),
        reopened=reopened,
        reopen_share=share(reopened, len(closed)),
        bounced=sum(case.bounced for case in cases),
        escalated=sum(case.escalations > 0 for case in cases),
        days_to_disposition=_summary(m.to_disposition for m in measures),
        days_to_first_follow_up=_summary(m.to_first_follow_up for m in measures),
        days_follow_up_to_response=_summary(m.follow_up_to_response for m in measures),
        days_response_to_close=_summary(m.response_to_close for m in measures),
        days_to_close=_summary(m.to_close for m in measures),
        good=None
        if followed_up_share is None
        else (followed_up_share >= settings.good_share),
    )


def _summary(values: Iterable[float | None]) -> DurationSummary:
    present = [value for value in values if value is not None]
    if not present:
        return DurationSummary(count=0, mean=None, median=None)
    return DurationSummary(
        count=len(present),
        mean=statistics.fmean(present),
        median=statistics.median(present),
    )

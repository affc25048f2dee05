"""One complaint's status, folded event by event the way the aggregate folds it.

The state comes from the aggregate's own ``initial_state`` and ``evolve``, and
the due dates from its ``start_tracker`` and ``advance_tracker``, which use
only the events' ``time``. The view therefore shows the statuses and due
dates the aggregate computes, whatever day the projection runs or is rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from events.payloads import (
    ComplaintDeclined,
    ComplaintDispositioned,
    ComplaintForwardedToUnit,
    ComplaintRedispositioned,
    ComplaintSubmitted,
    ComplaintVerified,
)
from gateway.complaint.evolution import evolve, initial_state
from gateway.complaint.milestones import advance_tracker, start_tracker

if TYPE_CHECKING:
    import datetime as dt

    from events.envelope import Envelope
    from gateway.complaint.state import ComplaintState, Status
    from gateway.deadlines import DeadlineTracker, DueDates


class DispositionKind(StrEnum):
    """A step of the disposition chain: who passed the complaint to whom."""

    SUBMITTED_TO_AGENCY = "submitted_to_agency"
    """The reporter chose the agency, so it held the complaint from submission."""
    DISPOSITIONED = "dispositioned"
    DECLINED = "declined"
    """Bukan wewenang: the holder returned the complaint for re-disposition."""
    REDISPOSITIONED = "redispositioned"
    FORWARDED_TO_UNIT = "forwarded_to_unit"


@dataclass(frozen=True, slots=True)
class DispositionStep:
    """One step of the disposition chain, at the event's sequence and time."""

    sequence: int
    kind: DispositionKind
    occurred_at: dt.datetime
    from_agency: str | None = None
    to_agency: str | None = None
    unit: str | None = None
    reason: str | None = None
    suggested_agency: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    """The status, holder, unit and next due moment from one event onwards."""

    sequence: int
    occurred_at: dt.datetime
    status: Status
    agency: str | None
    unit: str | None
    next_due_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ComplaintFold:
    """Everything the status view keeps of one complaint between events."""

    state: ComplaintState
    tracker: DeadlineTracker | None
    title: str
    category: str | None
    channel: str
    submitted_at: dt.datetime
    held_by: tuple[str, ...]
    """Every agency that has held the complaint, in the order they got it."""
    last_sequence: int
    status_since: dt.datetime
    """When the status, holder, unit or next due moment last changed."""
    next_due_at: dt.datetime | None
    """The earliest due moment of the running clocks; ``None`` if none runs."""

    @property
    def due_dates(self) -> DueDates | None:
        return None if self.tracker is None else self.tracker.due_dates

    def shown(self) -> tuple[object, ...]:
        """Return what a status history row shows: status, holder, unit, due."""
        state = self.state
        return (state.status, state.holder, state.unit, self.next_due_at)

    def change_at(self, envelope: Envelope) -> StatusChange:
        state = self.state
        return StatusChange(
            sequence=envelope.sequence,
            occurred_at=envelope.time,
            status=state.status,
            agency=state.holder,
            unit=state.unit,
            next_due_at=self.next_due_at,
        )


@dataclass(frozen=True, slots=True)
class FoldStep:
    """The fold after one event, and the history rows that event adds."""

    fold: ComplaintFold
    change: StatusChange | None
    """The new status row, or ``None`` when the shown status did not change."""
    disposition: DispositionStep | None
    new_holder: str | None


def next_due_of(tracker: DeadlineTracker | None) -> dt.datetime | None:
    """Return the earliest due moment of the tracker's running clocks.

    The same moments as ``tracker.due_dates``, read without building them.
    """
    if tracker is None:
        return None
    clocks = (
        tracker.verification,
        tracker.first_follow_up,
        tracker.auto_close,
        tracker.pending_archive,
        tracker.resolution,
        tracker.sop,
    )
    moments = [clock.due for clock in clocks if clock is not None and clock.running]
    return min(moments, default=None)


def start(envelope: Envelope) -> FoldStep:
    """Fold a complaint's first event, its ``complaint.submitted``."""
    data = envelope.data
    if not isinstance(data, ComplaintSubmitted):
        msg = (
            f"event {envelope.id} is {envelope.type}, but a complaint's first event "
            "must be complaint.submitted"
        )
        raise TypeError(msg)
    target = data.target_agency
    tracker = start_tracker(envelope)
    fold = ComplaintFold(
        state=initial_state(envelope),
        tracker=tracker,
        title=data.title,
        category=data.category,
        channel=data.channel.value,
        submitted_at=envelope.time,
        held_by=() if target is None else (target,),
        last_sequence=envelope.sequence,
        status_since=envelope.time,
        next_due_at=next_due_of(tracker),
    )
    disposition = None
    if target is not None:
        disposition = DispositionStep(
            sequence=envelope.sequence,
            kind=DispositionKind.SUBMITTED_TO_AGENCY,
            occurred_at=envelope.time,
            to_agency=target,
        )
    return FoldStep(fold, fold.change_at(envelope), disposition, target)


def advance(fold: ComplaintFold, envelope: Envelope) -> FoldStep:
    """Fold a later event of the complaint."""
    before = fold.state
    state = evolve(before, envelope)
    tracker = advance_tracker(fold.tracker, before, envelope)
    category = fold.category
    if isinstance(envelope.data, ComplaintVerified) and envelope.data.category:
        category = envelope.data.category
    new_holder = None
    held_by = fold.held_by
    if state.holder is not None and state.holder not in held_by:
        new_holder = state.holder
        held_by = (*held_by, state.holder)
    folded = replace(
        fold,
        state=state,
        tracker=tracker,
        category=category,
        held_by=held_by,
        last_sequence=envelope.sequence,
        next_due_at=next_due_of(tracker),
    )
    change = None
    if folded.shown() != fold.shown():
        change = folded.change_at(envelope)
        folded = replace(folded, status_since=envelope.time)
    return FoldStep(folded, change, disposition_of(envelope), new_holder)


def disposition_of(envelope: Envelope) -> DispositionStep | None:
    """Return the disposition-chain step an event makes, if it makes one."""
    data = envelope.data
    sequence, at = envelope.sequence, envelope.time
    if isinstance(data, ComplaintDispositioned):
        return DispositionStep(
            kind=DispositionKind.DISPOSITIONED,
            to_agency=data.agency,
            note=data.note,
            sequence=sequence,
            occurred_at=at,
        )
    if isinstance(data, ComplaintDeclined):
        return DispositionStep(
            kind=DispositionKind.DECLINED,
            from_agency=data.agency,
            reason=data.reason,
            suggested_agency=data.suggested_agency,
            sequence=sequence,
            occurred_at=at,
        )
    if isinstance(data, ComplaintRedispositioned):
        return DispositionStep(
            kind=DispositionKind.REDISPOSITIONED,
            from_agency=data.from_agency,
            to_agency=data.to_agency,
            note=data.note,
            sequence=sequence,
            occurred_at=at,
        )
    if isinstance(data, ComplaintForwardedToUnit):
        return DispositionStep(
            kind=DispositionKind.FORWARDED_TO_UNIT,
            to_agency=data.agency,
            unit=data.unit,
            note=data.note,
            sequence=sequence,
            occurred_at=at,
        )
    return None

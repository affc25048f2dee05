"""Reproducing a complaint's state as of a past moment from the events topic alone.

The complaint's events are verified first; a broken chain is not replayed.
Then the longest prefix of its history (in sequence order) whose times are at
or before the moment is folded with the Complaint aggregate. ``recorded``
compares with the time the gateway recorded each event, so the result is
what the record showed at that moment. ``occurred`` compares with when each
action happened at its source, which can be earlier for actions keyed in late.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from events import verify_chain
from events.timestamps import Timestamp
from events.values import FrozenModel
from gateway.complaint import Complaint, ComplaintError, ComplaintState
from gateway.deadlines import DueDates
from projections.audit.errors import ComplaintNotFoundError, ReplayError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from events import DecodedEvent, Envelope


class ReplayBasis(StrEnum):
    """Which of an event's two times decides whether it counts as of a moment."""

    RECORDED = "recorded"
    OCCURRED = "occurred"


class ReplayResult(FrozenModel):
    """A complaint's state as of a moment, and the events that produced it."""

    complaint_id: str
    as_of: Timestamp
    basis: ReplayBasis
    events_applied: int
    events_total: int
    last_event_id: str
    last_event_type: str
    last_event_time: Timestamp
    state: ComplaintState
    due_dates: DueDates | None


def replay_as_of(
    events: Sequence[DecodedEvent],
    *,
    complaint_id: str,
    as_of: datetime,
    basis: ReplayBasis = ReplayBasis.RECORDED,
) -> ReplayResult:
    """Verify ``events`` of one complaint and fold those up to ``as_of``.

    Raises ``ComplaintNotFoundError`` when there is no event, or none as of
    ``as_of``, and ``ReplayError`` when the chain has faults or the aggregate
    rejects the history.
    """
    if not events:
        raise ComplaintNotFoundError(
            f"no event of complaint {complaint_id} was found: check the id and the "
            "topic"
        )
    report = verify_chain(events, complaint_id=complaint_id)
    if not report.valid:
        faults = "; ".join(fault.describe() for fault in report.faults)
        raise ReplayError(
            f"complaint {complaint_id} has a broken hash chain, so it is not "
            f"replayed: {faults}; run the verify command for the whole topic"
        )
    history = _in_sequence(events)
    prefix = _prefix(history, as_of, basis)
    if not prefix:
        first = _time(history[0], basis)
        raise ComplaintNotFoundError(
            f"complaint {complaint_id} has no event {basis.value} at or before "
            f"{as_of.isoformat()}: its first event was {basis.value} at "
            f"{first.isoformat()}"
        )
    try:
        complaint = Complaint.replay(prefix)
    except ComplaintError as exc:
        raise ReplayError(
            f"complaint {complaint_id} cannot be replayed: {exc}"
        ) from exc
    last = prefix[-1]
    return ReplayResult(
        complaint_id=complaint_id,
        as_of=as_of,
        basis=basis,
        events_applied=len(prefix),
        events_total=len(history),
        last_event_id=last.id,
        last_event_type=last.type,
        last_event_time=_time(last, basis),
        state=complaint.state,
        due_dates=complaint.due_dates,
    )


def _in_sequence(events: Sequence[DecodedEvent]) -> list[Envelope]:
    """Return one envelope per event id, in sequence order."""
    unique: dict[str, Envelope] = {}
    for event in events:
        unique.setdefault(event.envelope.id, event.envelope)
    return sorted(unique.values(), key=lambda envelope: envelope.sequence)


def _prefix(
    history: list[Envelope], as_of: datetime, basis: ReplayBasis
) -> list[Envelope]:
    prefix: list[Envelope] = []
    for envelope in history:
        if _time(envelope, basis) > as_of:
            break
        prefix.append(envelope)
    return prefix


def _time(envelope: Envelope, basis: ReplayBasis) -> datetime:
    return envelope.recorded_at if basis is ReplayBasis.RECORDED else envelope.time


def describe(result: ReplayResult) -> str:
    """Return the replay result as lines a person reads."""
    state = result.state
    heading = (
        f"Complaint {result.complaint_id} as of {result.as_of.isoformat()} "
        f"(by {result.basis.value} time): {result.events_applied} of "
        f"{result.events_total} events, the last {result.last_event_id} "
        f"({result.last_event_type}) at {result.last_event_time.isoformat()}."
    )
    lines = [
        heading,
        f"status: {state.status.value}",
        f"holder: {state.holder or 'national admin'}",
        f"unit: {state.unit or 'none'}",
        f"anonymous: {state.privacy.anonymous}",
        f"confidential: {state.privacy.confidential}",
    ]
    if result.due_dates is not None:
        lines.extend(
            f"{name}: {value.isoformat()}"
            for name, value in result.due_dates.model_dump().items()
            if value is not None
        )
    return "\n".join(lines)

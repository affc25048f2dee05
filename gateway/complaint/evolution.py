"""How each event changes a complaint's state: pure functions of the event alone.

The functions never check rules. An event is a fact that was decided when it
was recorded, so replaying it must give the same state under any later
lifecycle table or policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from events.payloads import (
    ComplaintArchived,
    ComplaintClosed,
    ComplaintCompleted,
    ComplaintDeclined,
    ComplaintDeleted,
    ComplaintDispositioned,
    ComplaintEscalated,
    ComplaintEvent,
    ComplaintForwardedToUnit,
    ComplaintRedispositioned,
    ComplaintReopened,
    ComplaintSetPending,
    ComplaintSubmitted,
    ComplaintVerified,
    FollowUpRecorded,
    PrivacyFlagsChanged,
    ReporterIdentityErased,
    ReporterReplied,
    ResponsePosted,
    SatisfactionRecorded,
)
from gateway.complaint.state import ComplaintState, Status

if TYPE_CHECKING:
    from events.envelope import Envelope

_Change = Callable[[ComplaintState, Any, "Envelope"], dict[str, Any]]
"""Return the fields of the state that an event changes."""


def initial_state(envelope: Envelope) -> ComplaintState:
    """Return the state a ``ComplaintSubmitted`` envelope starts."""
    data = envelope.data
    if not isinstance(data, ComplaintSubmitted):
        msg = f"expected a complaint.submitted event, got {envelope.type}"
        raise TypeError(msg)
    identity = data.reporter_identity
    return ComplaintState(
        complaint_id=UUID(envelope.subject),
        tracking_id=data.tracking_id,
        status=Status.SUBMITTED,
        reporter_ref=data.reporter_ref,
        privacy=data.privacy,
        classification=data.classification,
        target_agency=data.target_agency,
        holder=data.target_agency,
        identity_key_id=identity.key_id if identity is not None else None,
        last_occurred_at=envelope.time,
        last_recorded_at=envelope.recorded_at,
        last_hash=envelope.hash,
    )


def evolve(state: ComplaintState, envelope: Envelope) -> ComplaintState:
    """Return the state after ``envelope``, a later event of the same complaint."""
    change = CHANGES.get(type(envelope.data))
    if change is None:
        msg = f"no state change is defined for {envelope.type}"
        raise TypeError(msg)
    update = change(state, envelope.data, envelope)
    update.update(
        last_occurred_at=envelope.time,
        last_recorded_at=envelope.recorded_at,
        last_hash=envelope.hash,
    )
    return state.model_copy(update=update)


def _verified(
    state: ComplaintState, data: ComplaintVerified, envelope: Envelope
) -> dict[str, Any]:
    # An agency that was chosen by the reporter verifies and keeps the complaint.
    status = Status.VERIFIED if state.holder is None else Status.DISPOSITIONED
    return {
        "status": status,
        "classification": data.classification,
        "sop_tier": data.sop_tier,
        "supervisory": data.supervisory,
        "verified_at": envelope.time,
    }


def _set_pending(
    _state: ComplaintState, _data: ComplaintSetPending, _envelope: Envelope
) -> dict[str, Any]:
    return {"status": Status.PENDING}


def _completed(
    _state: ComplaintState, _data: ComplaintCompleted, _envelope: Envelope
) -> dict[str, Any]:
    return {"status": Status.SUBMITTED}


def _deleted(
    _state: ComplaintState, _data: ComplaintDeleted, _envelope: Envelope
) -> dict[str, Any]:
    return {"status": Status.DELETED}


def _archived(
    _state: ComplaintState, _data: ComplaintArchived, _envelope: Envelope
) -> dict[str, Any]:
    return {"status": Status.ARCHIVED}


def _dispositioned(
    state: ComplaintState, data: ComplaintDispositioned, _envelope: Envelope
) -> dict[str, Any]:
    return _handed_to(state, data.agency)


def _redispositioned(
    state: ComplaintState, data: ComplaintRedispositioned, _envelope: Envelope
) -> dict[str, Any]:
    return _handed_to(state, data.to_agency)


def _handed_to(state: ComplaintState, agency: str) -> dict[str, Any]:
    return {
        "status": Status.DISPOSITIONED,
        "holder": agency,
        "unit": None,
        "dispositions": state.dispositions + 1,
    }


def _declined(
    state: ComplaintState, data: ComplaintDeclined, _envelope: Envelope
) -> dict[str, Any]:
    return {
        "status": Status.DECLINED,
        "holder": None,
        "unit": None,
        "declined_by": (*state.declined_by, data.agency),
    }


def _forwarded(
    _state: ComplaintState, data: ComplaintForwardedToUnit, _envelope: Envelope
) -> dict[str, Any]:
    return {"status": Status.IN_UNIT, "unit": data.unit}


def _follow_up(
    state: ComplaintState, _data: FollowUpRecorded, _envelope: Envelope
) -> dict[str, Any]:
    return {"status": Status.IN_FOLLOW_UP, "follow_ups": state.follow_ups + 1}


def _responded(
    state: ComplaintState, _data: ResponsePosted, envelope: Envelope
) -> dict[str, Any]:
    return {
        "status": Status.RESPONDED,
        "responses": state.responses + 1,
        "responded_at": envelope.time,
    }


def _replied(
    _state: ComplaintState, _data: ReporterReplied, _envelope: Envelope
) -> dict[str, Any]:
    return {"status": Status.IN_FOLLOW_UP}


def _satisfaction(
    _state: ComplaintState, data: SatisfactionRecorded, _envelope: Envelope
) -> dict[str, Any]:
    return {"satisfied": data.satisfied}


def _closed(
    _state: ComplaintState, data: ComplaintClosed, envelope: Envelope
) -> dict[str, Any]:
    return {
        "status": Status.CLOSED,
        "closing_mode": data.mode,
        "closed_at": envelope.time,
    }


def _reopened(
    state: ComplaintState, _data: ComplaintReopened, _envelope: Envelope
) -> dict[str, Any]:
    return {
        "status": Status.IN_FOLLOW_UP,
        "closing_mode": None,
        "closed_at": None,
        "reopens": state.reopens + 1,
    }


def _escalated(
    state: ComplaintState, data: ComplaintEscalated, _envelope: Envelope
) -> dict[str, Any]:
    return {
        "escalations": state.escalations + 1,
        "escalated": (*state.escalated, (data.clock, data.due_at)),
    }


def _privacy(
    _state: ComplaintState, data: PrivacyFlagsChanged, _envelope: Envelope
) -> dict[str, Any]:
    return {"privacy": data.current}


def _erased(
    _state: ComplaintState, _data: ReporterIdentityErased, _envelope: Envelope
) -> dict[str, Any]:
    return {"identity_erased": True}


CHANGES: dict[type[ComplaintEvent], _Change] = {
    ComplaintVerified: _verified,
    ComplaintSetPending: _set_pending,
    ComplaintCompleted: _completed,
    ComplaintDeleted: _deleted,
    ComplaintArchived: _archived,
    ComplaintDispositioned: _dispositioned,
    ComplaintDeclined: _declined,
    ComplaintRedispositioned: _redispositioned,
    ComplaintForwardedToUnit: _forwarded,
    FollowUpRecorded: _follow_up,
    ResponsePosted: _responded,
    ReporterReplied: _replied,
    SatisfactionRecorded: _satisfaction,
    ComplaintClosed: _closed,
    ComplaintReopened: _reopened,
    ComplaintEscalated: _escalated,
    PrivacyFlagsChanged: _privacy,
    ReporterIdentityErased: _erased,
}
"""The state change of every event type after ``ComplaintSubmitted``."""

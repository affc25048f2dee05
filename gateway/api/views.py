"""What an agency system may read of a complaint, redacted as its feed would be.

A system of the national admin (role ``national_admin``) or of an
inspectorate agency reads every complaint whole. Any other system reads a
complaint only if its agency holds or has held it, and then sees what its
agency feed shows: no reporter identity on an anonymous complaint, and the
content of a confidential complaint only while its agency holds it. For
everyone else the complaint does not exist, so its id cannot be probed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from events.envelope import Envelope
from events.values import FrozenModel, Role
from gateway.agencies import AgencyKind
from gateway.complaint import Complaint, ComplaintState
from gateway.deadlines import DueDates
from gateway.feeds import ANONYMOUS_REPORTER, FeedState, advance, redact

if TYPE_CHECKING:
    from collections.abc import Sequence

    from gateway.agencies import AgencyRegistry, AgencySystem


class EventView(FrozenModel):
    """One event as the reader may see it; ``redactions`` names what was removed."""

    redactions: tuple[str, ...]
    envelope: Envelope


class ComplaintView(FrozenModel):
    """A complaint's current state in the write model, redacted for the reader."""

    complaint_id: UUID
    version: int
    state: ComplaintState
    due_dates: DueDates | None
    submission: dict[str, Any]
    """The data of the complaint's ``complaint.submitted`` event."""
    redactions: tuple[str, ...]


class ComplaintEvents(FrozenModel):
    """A complaint's events, oldest first, redacted for the reader."""

    complaint_id: UUID
    version: int
    events: tuple[EventView, ...]


def reader_agency(registry: AgencyRegistry, system: AgencySystem) -> str | None:
    """Return the agency whose view ``system`` gets; ``None`` for a full view."""
    agency = registry.agency(system.agency)
    if Role.NATIONAL_ADMIN in system.roles:
        return None
    if agency is not None and agency.kind is AgencyKind.INSPECTORATE:
        return None
    return system.agency


def feed_state(envelopes: Sequence[Envelope]) -> FeedState:
    """Return the routing state after all of a complaint's events."""
    state = FeedState()
    for envelope in envelopes:
        state = advance(state, envelope)
    return state


def may_read(state: FeedState, agency: str | None) -> bool:
    """Whether a reader with this view may see the complaint at all."""
    return agency is None or agency in state.audience


def events_view(envelopes: Sequence[Envelope], agency: str | None) -> ComplaintEvents:
    """Return the complaint's events as ``agency`` (``None``: in full) may see them."""
    state = feed_state(envelopes)
    events = tuple(_event_view(state, envelope, agency) for envelope in envelopes)
    return ComplaintEvents(
        complaint_id=UUID(envelopes[0].subject),
        version=envelopes[-1].sequence,
        events=events,
    )


def complaint_view(envelopes: Sequence[Envelope], agency: str | None) -> ComplaintView:
    """Return the complaint's current state as ``agency`` may see it."""
    state = feed_state(envelopes)
    complaint = Complaint.replay(envelopes)
    submission = _event_view(state, envelopes[0], agency)
    current = complaint.state
    redactions = submission.redactions
    if agency is not None and state.privacy.anonymous:
        current = current.model_copy(
            update={"reporter_ref": ANONYMOUS_REPORTER, "identity_key_id": None}
        )
    return ComplaintView(
        complaint_id=complaint.id,
        version=complaint.version,
        state=current,
        due_dates=complaint.due_dates,
        submission=submission.envelope.data.model_dump(mode="json"),
        redactions=redactions,
    )


def _event_view(state: FeedState, envelope: Envelope, agency: str | None) -> EventView:
    if agency is None:
        return EventView(redactions=(), envelope=envelope)
    delivery = redact(state, envelope, agency)
    return EventView(redactions=delivery.redactions, envelope=delivery.envelope)

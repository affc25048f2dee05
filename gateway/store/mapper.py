"""Maps Complaint aggregate events to stored events and back.

The stored state is the event's canonical structured CloudEvents document
(RFC 8785 bytes), exactly the form its hash covers, and the stored topic is
the CloudEvents ``type``. The store therefore holds the contract itself,
readable without this code, and the relay publishes what was stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from events.codec import decode_json, encode_json
from gateway.complaint.aggregate import Complaint

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEventProtocol


class EnvelopeMapper(Mapper[UUID]):
    """Stores each event's canonical document; see the module docstring."""

    def __init__(self) -> None:
        super().__init__(transcoder=JSONTranscoder())

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        envelope = _envelope_of(domain_event)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=envelope.type,
            state=encode_json(envelope),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        decoded = decode_json(stored_event.state)
        return Complaint.event_from_envelope(decoded.envelope)


def _envelope_of(domain_event: Any) -> Any:  # noqa: ANN401 (eventsourcing's event types)
    envelope = getattr(domain_event, "envelope", None)
    if envelope is None:
        msg = (
            f"{type(domain_event).__name__} carries no envelope: only Complaint "
            "events can be stored by this mapper"
        )
        raise TypeError(msg)
    return envelope

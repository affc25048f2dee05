"""Maps Complaint aggregate events to stored events and back.

The stored state is the event's canonical structured CloudEvents document
(RFC 8785 bytes), exactly the form its hash covers, and the stored topic is
the CloudEvents ``type``. The store therefore contains the contract itself,
readable without this code, and the relay publishes what was stored.

Decoding a stored event validates the whole envelope, which costs more than
the rest of loading a complaint, and the application loads a complaint again
for each command. The mapper therefore keeps the most recently decoded events
and returns the kept event when the same complaint version comes back with
the same stored bytes. Events are immutable, so sharing one is safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from events.codec import decode_json, encode_json
from gateway.complaint.aggregate import Complaint

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEventProtocol


DECODED_CACHE_SIZE = 5_000
"""Decoded events kept per mapper: the recent history of busy complaints."""


class EnvelopeMapper(Mapper[UUID]):
    """Stores each event's canonical document; see the module docstring."""

    def __init__(self, *, cache_size: int = DECODED_CACHE_SIZE) -> None:
        super().__init__(transcoder=JSONTranscoder())
        self._cache_size = cache_size
        self._decoded: OrderedDict[
            tuple[UUID, int], tuple[bytes, DomainEventProtocol[UUID]]
        ] = OrderedDict()
        self._lock = threading.Lock()

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        envelope = _envelope_of(domain_event)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=envelope.type,
            state=encode_json(envelope),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        key = (UUID(str(stored_event.originator_id)), stored_event.originator_version)
        state = bytes(stored_event.state)
        with self._lock:
            cached = self._decoded.get(key)
            if cached is not None and cached[0] == state:
                self._decoded.move_to_end(key)
                return cached[1]
        event = Complaint.event_from_envelope(decode_json(state).envelope)
        with self._lock:
            self._decoded[key] = (state, event)
            if len(self._decoded) > self._cache_size:
                self._decoded.popitem(last=False)
        return event


def _envelope_of(domain_event: Any) -> Any:  # noqa: ANN401 (eventsourcing's event types)
    envelope = getattr(domain_event, "envelope", None)
    if envelope is None:
        msg = (
            f"{type(domain_event).__name__} carries no envelope: only Complaint "
            "events can be stored by this mapper"
        )
        raise TypeError(msg)
    return envelope

"""The running chain check: does an event extend its complaint's stored head?"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from events.envelope import split_event_type
from events.payloads import ComplaintSubmitted

if TYPE_CHECKING:
    from sqlalchemy import Row

    from events.structured import DecodedEvent
    from projections.base import Position


def link_fault(
    head: Row[Any] | None, event: DecodedEvent, computed_hash: str, position: Position
) -> str | None:
    """Return why ``event`` does not extend ``head``, or ``None`` if it does.

    ``head`` is the complaint's row (``head_sequence``, ``head_hash``) or
    ``None`` before its first event; ``computed_hash`` is the hash of the
    stored document. Only the first problem found is returned.
    """
    envelope = event.envelope
    where = (
        f"event {envelope.id} at partition {position.partition} offset "
        f"{position.offset}"
    )
    if computed_hash != envelope.hash:
        return (
            f"{where} was altered: it carries hash {envelope.hash} but its "
            f"content hashes to {computed_hash}"
        )
    if head is None:
        return _first_event_fault(event, where)
    expected = int(head.head_sequence) + 1
    if envelope.sequence != expected:
        return f"{where} follows sequence {expected - 1}: events are missing"
    if envelope.previous_hash != head.head_hash:
        return (
            f"{where} links to previous hash {envelope.previous_hash} but the "
            f"previous event has hash {head.head_hash}"
        )
    return None


def _first_event_fault(event: DecodedEvent, where: str) -> str | None:
    envelope = event.envelope
    if envelope.sequence != 1:
        return (
            f"{where} is the first event seen of its complaint: sequences 1 to "
            f"{envelope.sequence - 1} are missing"
        )
    if envelope.previous_hash is not None:
        return f"{where} is sequence 1 but links to hash {envelope.previous_hash}"
    parts = split_event_type(event.stored_type)
    if parts is None or parts[0] != ComplaintSubmitted.event_name:
        return f"{where} is sequence 1 but is a {event.stored_type}"
    return None

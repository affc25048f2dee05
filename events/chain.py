"""Sealing events into a per-complaint hash chain, and verifying the chain.

Each event's ``hash`` is the SHA-256 hex digest of the RFC 8785 canonical JSON
of its structured document (see ``events.structured``) without the ``hash``
attribute. That document includes ``prevhash``, the predecessor's hash, so
changing, removing, inserting or reordering a stored event breaks the chain.

Verify over the stored form, then upcast: an event stored in an older version
keeps the hash computed over that version's document, so the verifier hashes
:attr:`DecodedEvent.document`, never a re-serialised current-version envelope.
:func:`verify_chain` and :func:`verify_stream` live in ``events.verification``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from events.canonical import hash_document
from events.envelope import Envelope, event_id_of, event_type_of
from events.errors import InvalidEventError
from events.structured import to_document
from events.timestamps import require_aware
from events.verification import verify_chain, verify_stream

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from events.envelope import Actor
    from events.payloads import ComplaintEvent

__all__ = ["seal", "verify_chain", "verify_stream"]

_UNSEALED = "0" * 64


def seal(  # noqa: PLR0913 (every argument is a required envelope attribute)
    *,
    complaint_id: UUID,
    sequence: int,
    data: ComplaintEvent,
    actor: Actor,
    occurred_at: datetime,
    recorded_at: datetime,
    correlation_id: str,
    causation_id: str,
    previous_hash: str | None,
    source: str | None = None,
) -> Envelope:
    """Build the envelope of a complaint's next event and compute its hash.

    ``id`` is ``"<complaint_id>/<sequence>"``, so the same event always has the
    same id; ``type`` is ``id.go.lapor.<event_name>.v<schema_version>``;
    ``subject`` is the complaint id; ``source`` defaults to
    ``/agencies/<actor agency>``. ``previous_hash`` must be ``None`` for
    sequence 1 and the predecessor's hash otherwise. Raises
    ``InvalidEventError`` when ``previous_hash`` does not fit ``sequence``,
    ``NaiveTimestampError`` for a datetime without an offset and
    ``pydantic.ValidationError`` for any other invalid attribute.
    """
    if (sequence == 1) != (previous_hash is None):
        raise InvalidEventError(
            f"sequence {sequence} with previous_hash {previous_hash!r}: the first "
            "event (sequence 1) has no previous hash and every later one has its "
            "predecessor's hash",
            value=previous_hash,
        )
    subject = str(complaint_id)
    unsealed = Envelope(
        id=event_id_of(subject, sequence),
        source=source if source is not None else f"/agencies/{actor.agency}",
        type=event_type_of(type(data)),
        subject=subject,
        time=require_aware(occurred_at),
        sequence=sequence,
        recorded_at=require_aware(recorded_at),
        correlation_id=correlation_id,
        causation_id=causation_id,
        actor=actor,
        previous_hash=previous_hash,
        hash=_UNSEALED,
        data=data,
    )
    return unsealed.model_copy(update={"hash": hash_document(to_document(unsealed))})

"""Complaint histories as the audit projection stores them, and their verification."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from events import ContractError, verify_chain
from events.envelope import Sha256Hex
from events.structured import from_document
from events.timestamps import Timestamp, format_timestamp
from events.values import FrozenModel
from projections.audit.errors import ComplaintNotFoundError
from projections.audit.findings import RecordLocation, StreamIndex, UnreadableEvent
from projections.audit.tables import complaints, events

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy import Connection

    from events import ChainReport, DecodedEvent
    from monitoring.audit import AuditMetrics


class HistoryEntry(FrozenModel):
    """One stored event with its actor, both times and its Kafka position."""

    sequence: int
    event_id: str
    stored_type: str
    current_type: str
    actor_agency: str
    actor_role: str
    actor_unit: str | None
    time: Timestamp
    """When the action happened at the source."""
    recordedtime: Timestamp
    """When the gateway recorded the event."""
    topic: str
    partition: int
    offset: int
    previous_hash: Sha256Hex | None
    hash: Sha256Hex
    document: dict[str, Any]
    """The structured document as stored, in its stored version."""


class ChainStatus(FrozenModel):
    """A complaint's verification status as the projection keeps it."""

    complaint_id: str
    event_count: int
    head_sequence: int
    head_hash: Sha256Hex
    chain_intact: bool
    """The running check as each event arrived."""
    chain_fault: str | None
    verified_at: Timestamp | None
    verified_valid: bool | None
    verified_faults: int | None


def entry_of(event: DecodedEvent, topic: str, location: RecordLocation) -> HistoryEntry:
    """Return the history entry of an event read from ``topic`` at ``location``."""
    envelope = event.envelope
    return HistoryEntry(
        sequence=envelope.sequence,
        event_id=envelope.id,
        stored_type=event.stored_type,
        current_type=envelope.type,
        actor_agency=envelope.actor.agency,
        actor_role=envelope.actor.role.value,
        actor_unit=envelope.actor.unit,
        time=envelope.time,
        recordedtime=envelope.recorded_at,
        topic=topic,
        partition=location.partition,
        offset=location.offset,
        previous_hash=envelope.previous_hash,
        hash=envelope.hash,
        document=event.document,
    )


def load_history(connection: Connection, complaint_id: str) -> list[HistoryEntry]:
    """Return the stored events of a complaint in sequence order (empty if none)."""
    rows = connection.execute(
        select(events)
        .where(events.c.complaint_id == complaint_id)
        .order_by(events.c.sequence)
    )
    return [
        HistoryEntry(
            sequence=row.sequence,
            event_id=row.event_id,
            stored_type=row.stored_type,
            current_type=row.current_type,
            actor_agency=row.actor_agency,
            actor_role=row.actor_role,
            actor_unit=row.actor_unit,
            time=row.occurred_at,
            recordedtime=row.recorded_at,
            topic=row.topic,
            partition=row.kafka_partition,
            offset=row.kafka_offset,
            previous_hash=row.previous_hash,
            hash=row.hash,
            document=json.loads(row.document),
        )
        for row in rows
    ]


def load_status(connection: Connection, complaint_id: str) -> ChainStatus | None:
    """Return the complaint's chain status, or ``None`` if it has no events."""
    row = connection.execute(
        select(complaints).where(complaints.c.complaint_id == complaint_id)
    ).one_or_none()
    if row is None:
        return None
    return ChainStatus(
        complaint_id=row.complaint_id,
        event_count=row.event_count,
        head_sequence=row.head_sequence,
        head_hash=row.head_hash,
        chain_intact=row.chain_intact,
        chain_fault=row.chain_fault,
        verified_at=row.verified_at,
        verified_valid=row.verified_valid,
        verified_faults=row.verified_faults,
    )


def decode_entries(
    entries: Sequence[HistoryEntry], complaint_id: str | None = None
) -> tuple[list[DecodedEvent | None], list[UnreadableEvent]]:
    """Decode each stored document; one that fails gives ``None`` and a fault.

    With ``complaint_id``, a document of another complaint fails too.
    """
    decoded: list[DecodedEvent | None] = []
    unreadable: list[UnreadableEvent] = []
    for position, entry in enumerate(entries):
        try:
            event = from_document(entry.document)
        except ContractError as exc:
            reason = str(exc)
        else:
            subject = event.envelope.subject
            if complaint_id is None or subject == complaint_id:
                decoded.append(event)
                continue
            reason = f"it is an event of complaint {subject}"
        decoded.append(None)
        unreadable.append(
            UnreadableEvent(
                complaint_id=complaint_id or str(entry.document.get("subject", "")),
                event_id=entry.event_id,
                sequence=entry.sequence,
                position=position,
                reason=reason,
            )
        )
    return decoded, unreadable


def verify_entries(
    complaint_id: str, entries: Sequence[HistoryEntry]
) -> tuple[ChainReport, StreamIndex]:
    """Verify the hash chain over the stored documents of one complaint.

    Fault positions index ``entries``; the returned index locates them.
    """
    decoded, unreadable = decode_entries(entries, complaint_id)
    readable = [
        (position, event) for position, event in enumerate(decoded) if event is not None
    ]
    report = verify_chain([event for _, event in readable], complaint_id=complaint_id)
    # verify_chain numbers positions over the readable events only.
    locations = [
        RecordLocation(entries[position].partition, entries[position].offset)
        for position, _ in readable
    ]
    all_locations = [RecordLocation(entry.partition, entry.offset) for entry in entries]
    index = StreamIndex(
        locations=locations,
        by_sequence={
            (complaint_id, entry.sequence): RecordLocation(
                entry.partition, entry.offset
            )
            for entry in entries
        },
        home={complaint_id: entries[0].partition} if entries else {},
    )
    if unreadable:
        # Unreadable faults index all entries, so map them onto ``locations``.
        locations.extend(all_locations[fault.position] for fault in unreadable)
        base = len(readable)
        moved = tuple(
            replace(fault, position=base + number)
            for number, fault in enumerate(unreadable)
        )
        report = replace(report, faults=(*report.faults, *moved))
    return report, index


def verify_stored(
    connection: Connection,
    complaint_id: str,
    *,
    now: datetime,
    metrics: AuditMetrics | None = None,
) -> tuple[ChainReport, StreamIndex]:
    """Verify a stored complaint's chain and record the result in its status row.

    Raises ``ComplaintNotFoundError`` when no event of the complaint is stored.
    """
    entries = load_history(connection, complaint_id)
    if not entries:
        raise ComplaintNotFoundError(
            f"complaint {complaint_id} has no stored events: check the id, or "
            "wait until the audit projection has read its events"
        )
    report, index = verify_entries(complaint_id, entries)
    connection.execute(
        update(complaints)
        .where(complaints.c.complaint_id == complaint_id)
        .values(
            verified_at=format_timestamp(now),
            verified_valid=report.valid,
            verified_faults=len(report.faults),
        )
    )
    if metrics is not None:
        metrics.verified("history", valid=report.valid)
    return report, index

"""Honest complaint histories for the audit tests, and an in-memory topic of them.

Histories come from driving the Complaint aggregate, so every event is one
the gateway could have recorded. One complaint is stored in the older
``complaint.submitted.v1`` form, to exercise upcasting after verification.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zlib
from dataclasses import dataclass

from events import DecodedEvent, encode_kafka
from events.canonical import hash_document
from events.chain import seal
from events.envelope import Actor
from events.payloads import ComplaintVerified
from events.structured import from_document, to_document
from events.values import Channel, Classification, PrivacyFlags, Role
from gateway.complaint import Complaint
from projections.audit.reader import LogRecord, TopicSnapshot
from tests.complaint.builders import (
    AGENCY,
    HOLDER,
    IDENTITY,
    LIAISON,
    NATIONAL,
    OTHER_AGENCY,
    REPORTER,
    REPORTER_REF,
    START,
    UNIT,
    Clock,
    envelopes_of,
)

SCRIPT_TITLE = "<script>alert('x')</script> Jalan & jembatan"
OTHER_ADMIN = Actor(agency=OTHER_AGENCY, role=Role.AGENCY_ADMIN)


@dataclass(frozen=True)
class Histories:
    """Every history by complaint id, and the events in publishing order."""

    by_complaint: dict[str, list[DecodedEvent]]
    published: list[DecodedEvent]


def _submit(clock: Clock, *, title: str, privacy: PrivacyFlags) -> Complaint:
    return Complaint.submit(
        clock.context(REPORTER),
        complaint_id=uuid.uuid4(),
        tracking_id="1916449",
        channel=Channel.WEBSITE,
        classification=Classification.COMPLAINT,
        title=title,
        description="Lubang besar di Jalan Dago dekat halte.",
        reporter_ref=REPORTER_REF,
        reporter_identity=IDENTITY,
        privacy=privacy,
    )


def closed_complaint(clock: Clock, *, title: str = "Jalan berlubang") -> Complaint:
    """Submitted, verified, dispositioned, forwarded, followed up, responded, closed."""
    complaint = _submit(clock, title=title, privacy=PrivacyFlags())
    complaint.verify(clock.context(NATIONAL), classification=Classification.COMPLAINT)
    complaint.disposition(clock.context(NATIONAL), agency=HOLDER)
    complaint.forward_to_unit(clock.context(AGENCY), unit=UNIT)
    complaint.record_follow_up(clock.context(LIAISON), summary="Survei lokasi.")
    complaint.post_response(clock.context(LIAISON), response="Lubang ditambal.")
    complaint.close(clock.context(REPORTER))
    return complaint


def bounced_complaint(clock: Clock, *, privacy: PrivacyFlags) -> Complaint:
    """Declined by the first agency, then handled by another one."""
    complaint = _submit(clock, title=SCRIPT_TITLE, privacy=privacy)
    complaint.verify(clock.context(NATIONAL), classification=Classification.COMPLAINT)
    complaint.disposition(clock.context(NATIONAL), agency=HOLDER)
    complaint.decline(clock.context(AGENCY), reason="Jalan provinsi.")
    complaint.redisposition(clock.context(NATIONAL), to_agency=OTHER_AGENCY)
    complaint.record_follow_up(clock.context(OTHER_ADMIN), summary="Dicek <b>tim</b>.")
    return complaint


def legacy_history(clock: Clock) -> list[DecodedEvent]:
    """A submission stored as ``complaint.submitted.v1``, then a verification."""
    current = _submit(clock, title="Lampu jalan mati", privacy=PrivacyFlags())
    [submitted] = envelopes_of(current)
    document = to_document(submitted)
    data = dict(document["data"])
    privacy = data.pop("privacy")
    data |= {"channel": "SMS 1708", **privacy}
    document |= {"type": "id.go.lapor.complaint.submitted.v1", "data": data}
    document["hash"] = hash_document(document)
    first = from_document(document)
    context = clock.context(NATIONAL)
    second = seal(
        complaint_id=uuid.UUID(submitted.subject),
        sequence=2,
        data=ComplaintVerified(classification=Classification.COMPLAINT),
        actor=context.actor,
        occurred_at=context.occurred_at,
        recorded_at=context.recorded_at,
        correlation_id=context.correlation_id,
        causation_id=context.causation_id,
        previous_hash=first.envelope.hash,
    )
    return [first, DecodedEvent.from_envelope(second)]


def build_histories(extra_closed: int = 3) -> Histories:
    """Build several complaints whose events interleave in time."""
    by_complaint: dict[str, list[DecodedEvent]] = {}
    complaints = [closed_complaint(Clock(START + dt.timedelta(minutes=7)))]
    for number in range(extra_closed):
        start = START + dt.timedelta(minutes=11 * (number + 2))
        complaints.append(closed_complaint(Clock(start)))
    complaints.append(
        bounced_complaint(
            Clock(START + dt.timedelta(minutes=3)),
            privacy=PrivacyFlags(anonymous=True, confidential=True),
        )
    )
    for complaint in complaints:
        events = [DecodedEvent.from_envelope(e) for e in envelopes_of(complaint)]
        by_complaint[str(complaint.id)] = events
    legacy = legacy_history(Clock(START + dt.timedelta(minutes=5)))
    by_complaint[legacy[0].envelope.subject] = legacy
    published = sorted(
        (event for events in by_complaint.values() for event in events),
        key=lambda event: (event.envelope.recorded_at, event.envelope.id),
    )
    return Histories(by_complaint, published)


def partition_of(complaint_id: str, partitions: int) -> int:
    return zlib.crc32(complaint_id.encode()) % partitions


def record_of(event: DecodedEvent, partition: int, offset: int) -> LogRecord:
    message = encode_kafka(event)
    return LogRecord(
        partition=partition,
        offset=offset,
        key=message.key,
        value=message.value,
        headers=message.headers,
    )


def snapshot_of(
    events: list[DecodedEvent], *, partitions: int = 3, topic: str = "events"
) -> TopicSnapshot:
    """Lay events out in partitions by key, as a producer would, in memory."""
    laid_out: dict[int, list[LogRecord]] = {number: [] for number in range(partitions)}
    for event in events:
        number = partition_of(event.envelope.subject, partitions)
        records = laid_out[number]
        records.append(record_of(event, number, len(records)))
    return snapshot_from(laid_out, topic=topic)


def snapshot_from(
    laid_out: dict[int, list[LogRecord]], *, topic: str = "events"
) -> TopicSnapshot:
    """Renumber the offsets of each partition's records and build a snapshot."""
    records: list[LogRecord] = []
    for number in sorted(laid_out):
        for offset, record in enumerate(laid_out[number]):
            records.append(
                LogRecord(number, offset, record.key, record.value, record.headers)
            )
    return TopicSnapshot(
        topic=topic,
        start_offsets=dict.fromkeys(laid_out, 0),
        end_offsets={number: len(laid_out[number]) for number in laid_out},
        records=tuple(records),
    )

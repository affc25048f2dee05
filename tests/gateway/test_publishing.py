"""Kafka records built from stored notifications: the events topic and agency feeds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from events.codec import decode_json, decode_kafka, encode_kafka
from gateway.complaint.commands import (
    DeclineComplaint,
    RecordFollowUp,
    RedispositionComplaint,
)
from gateway.publishing import REDACTIONS_HEADER, EventRecordBuilder
from gateway.settings import TopicNames
from tests.gateway.builders import (
    AGENCY,
    HOLDER,
    NATIONAL,
    OTHER_ADMIN,
    OTHER_AGENCY,
)

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.persistence import Notification

    from events.envelope import Envelope
    from gateway.application import ComplaintService
    from gateway.kafka.producer import OutgoingRecord
    from tests.gateway.builders import CommandFactory

TOPICS = TopicNames()
FEEDS = frozenset({HOLDER, OTHER_AGENCY})


def builder_for(
    service: ComplaintService,
    feeds: frozenset[str] = FEEDS,
    cache_size: int = 100_000,
) -> EventRecordBuilder:
    def history(complaint_id: UUID, up_to: int) -> list[Envelope]:
        stored = service.recorder.select_events(complaint_id, lte=up_to)
        return [decode_json(event.state).envelope for event in stored]

    return EventRecordBuilder(
        TOPICS, history=history, feed_agencies=feeds, cache_size=cache_size
    )


def all_notifications(service: ComplaintService) -> list[Notification]:
    return list(service.recorder.select_notifications(start=1, limit=10_000))


def bounce(
    service: ComplaintService,
    commands: CommandFactory,
    *,
    anonymous: bool = False,
    confidential: bool = False,
) -> UUID:
    """Hand a complaint to HOLDER, which declines it, then to OTHER_AGENCY."""
    submit = commands.submit(anonymous=anonymous, confidential=confidential)
    complaint_id = service.execute(submit).complaint_id
    for command in commands.handling_steps(complaint_id)[:2]:
        service.execute(command)
    service.execute(
        commands.act(DeclineComplaint, complaint_id, AGENCY, reason="Bukan kami.")
    )
    service.execute(
        commands.act(
            RedispositionComplaint, complaint_id, NATIONAL, to_agency=OTHER_AGENCY
        )
    )
    service.execute(
        commands.act(RecordFollowUp, complaint_id, OTHER_ADMIN, summary="Ditangani.")
    )
    return complaint_id


def decoded(record: OutgoingRecord) -> Envelope:
    headers = [
        (name, value) for name, value in record.headers if name != REDACTIONS_HEADER
    ]
    return decode_kafka(record.key, record.value, headers).envelope


def feed_of(records: list[OutgoingRecord], agency: str) -> list[OutgoingRecord]:
    return [r for r in records if r.topic == TOPICS.agency_feed(agency)]


def test_events_topic_carries_every_notification(service, commands):
    complaint_id = bounce(service, commands)
    notifications = all_notifications(service)

    records = builder_for(service, feeds=frozenset()).build(notifications)

    assert [r.topic for r in records] == [TOPICS.events] * len(notifications)
    assert {r.key for r in records} == {str(complaint_id).encode()}
    stored = [decode_json(n.state).envelope for n in notifications]
    assert [decoded(r) for r in records] == stored


def test_late_agency_feed_starts_at_first_event(service, commands):
    bounce(service, commands)
    notifications = all_notifications(service)

    records = builder_for(service).build(notifications)

    sequences = [decoded(r).sequence for r in feed_of(records, OTHER_AGENCY)]
    assert sequences == list(range(1, len(notifications) + 1))
    holder_sequences = [decoded(r).sequence for r in feed_of(records, HOLDER)]
    assert holder_sequences == list(range(1, len(notifications) + 1))


def test_redacted_copies_name_redactions(service, commands):
    bounce(service, commands, confidential=True, anonymous=True)
    notifications = all_notifications(service)

    records = builder_for(service).build(notifications)

    last = feed_of(records, HOLDER)[-1]
    headers = dict(last.headers)
    assert headers[REDACTIONS_HEADER] == b"content"
    assert decoded(last).data.summary != "Ditangani."  # type: ignore[attr-defined]
    current = feed_of(records, OTHER_AGENCY)[-1]
    assert REDACTIONS_HEADER not in dict(current.headers)
    submission = feed_of(records, OTHER_AGENCY)[0]
    assert dict(submission.headers)[REDACTIONS_HEADER] == b"identity"


def test_events_topic_record_never_redacted(service, commands):
    bounce(service, commands, confidential=True, anonymous=True)
    notifications = all_notifications(service)

    records = builder_for(service).build(notifications)

    events_records = [r for r in records if r.topic == TOPICS.events]
    assert all(REDACTIONS_HEADER not in dict(r.headers) for r in events_records)
    assert [r.value for r in events_records] == [
        _stored_value(n) for n in notifications
    ]


@pytest.mark.parametrize("split", [1, 3, 5])
def test_restarted_builder_builds_same_records(service, commands, split):
    bounce(service, commands, confidential=True)
    bounce(service, commands)
    notifications = all_notifications(service)
    whole = builder_for(service).build(notifications)

    first = builder_for(service).build(notifications[:split])
    rest = builder_for(service).build(notifications[split:])

    assert first + rest == whole


def test_tiny_cache_builds_same_records(service, commands):
    first_id = service.execute(commands.submit(confidential=True)).complaint_id
    second_id = service.execute(commands.submit()).complaint_id
    for first_step, second_step in zip(
        commands.handling_steps(first_id),
        commands.handling_steps(second_id, OTHER_ADMIN),
        strict=True,
    ):
        service.execute(first_step)
        service.execute(second_step)
    notifications = all_notifications(service)

    cached = builder_for(service).build(notifications)
    uncached = builder_for(service, cache_size=1).build(notifications)

    assert uncached == cached


def test_agency_without_feed_counted(service, commands):
    bounce(service, commands)
    notifications = all_notifications(service)
    builder = builder_for(service, feeds=frozenset({OTHER_AGENCY}))

    records = builder.build(notifications)

    assert feed_of(records, HOLDER) == []
    assert builder.unrouted == {HOLDER: len(notifications)}


def _stored_value(notification: Notification) -> bytes:
    return encode_kafka(decode_json(notification.state)).value

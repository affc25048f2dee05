"""The relay over the real store, with fake publishers in place of Kafka."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from prometheus_client import CollectorRegistry

from events.codec import decode_json
from gateway.kafka.errors import PublishError
from gateway.publishing import EventRecordBuilder
from gateway.relay import Relay
from gateway.settings import TopicNames
from monitoring.metrics import RelayMetrics
from tests.gateway.builders import HOLDER, respond

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from events.envelope import Envelope
    from gateway.application import ComplaintService
    from gateway.kafka.producer import OutgoingRecord

TOPICS = TopicNames()
RUN_TIMEOUT_SECONDS = 10.0


class RecordingPublisher:
    """Acknowledges every batch and keeps what it was given."""

    def __init__(self) -> None:
        self.batches: list[list[OutgoingRecord]] = []

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        self.batches.append(list(records))

    @property
    def records(self) -> list[OutgoingRecord]:
        return [record for batch in self.batches for record in batch]


class FailingPublisher(RecordingPublisher):
    """Fails the first ``failures`` batches as an unreachable broker would."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.attempts = 0

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise PublishError("broker 127.0.0.1:9 not reachable", retriable=True)
        await super().publish(records)


def relay_for(
    service: ComplaintService,
    publisher: RecordingPublisher,
    registry: CollectorRegistry,
    batch_size: int = 1000,
) -> Relay:
    def history(complaint_id: UUID, up_to: int) -> list[Envelope]:
        stored = service.recorder.select_events(complaint_id, lte=up_to)
        return [decode_json(event.state).envelope for event in stored]

    builder = EventRecordBuilder(
        TOPICS, history=history, feed_agencies=frozenset({HOLDER})
    )
    return Relay(
        service.store,
        service.recorder,
        builder,
        publisher,
        RelayMetrics(registry),
        batch_size=batch_size,
        poll_seconds=0.01,
        max_backoff_seconds=0.05,
    )


def metric(registry: CollectorRegistry, name: str) -> float:
    value = registry.get_sample_value(name, {"relay": "events"})
    assert value is not None, name
    return value


async def test_failed_publish_keeps_position(service, commands):
    respond(service, commands)
    registry = CollectorRegistry()
    relay = relay_for(service, FailingPublisher(failures=1), registry)

    with pytest.raises(PublishError):
        await relay.publish_batch()

    assert service.store.select_position("events") == 0
    assert metric(registry, "lapor_relay_events_published_total") == 0
    assert metric(registry, "lapor_relay_lag_events") == 6


async def test_published_batch_moves_position(service, commands):
    respond(service, commands)
    publisher = RecordingPublisher()
    registry = CollectorRegistry()
    relay = relay_for(service, publisher, registry)
    last_id = service.recorder.max_notification_id()

    published = await relay.publish_batch()

    assert published == 6
    assert service.store.select_position("events") == last_id
    events_records = [r for r in publisher.records if r.topic == TOPICS.events]
    assert len(events_records) == 6
    assert metric(registry, "lapor_relay_events_published_total") == 6
    assert metric(registry, "lapor_relay_records_published_total") == len(
        publisher.records
    )


async def test_next_batch_starts_after_position(service, commands):
    respond(service, commands)
    publisher = RecordingPublisher()
    relay = relay_for(service, publisher, CollectorRegistry(), batch_size=4)

    first = await relay.publish_batch()
    second = await relay.publish_batch()
    third = await relay.publish_batch()

    assert (first, second, third) == (4, 2, 0)
    sequences = [
        int(dict(r.headers)["ce_sequence"])
        for r in publisher.records
        if r.topic == TOPICS.events
    ]
    assert sequences == [1, 2, 3, 4, 5, 6]


async def test_lag_seconds_from_stored_events(service, commands):
    respond(service, commands)
    registry = CollectorRegistry()
    relay = relay_for(service, RecordingPublisher(), registry)

    await relay.publish_batch()
    waiting_lag = metric(registry, "lapor_relay_lag_seconds")
    await relay.publish_batch()

    assert waiting_lag > 0
    assert metric(registry, "lapor_relay_lag_seconds") == 0


async def test_run_retries_until_published(service, commands):
    respond(service, commands)
    publisher = FailingPublisher(failures=2)
    registry = CollectorRegistry()
    relay = relay_for(service, publisher, registry)
    last_id = service.recorder.max_notification_id()
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))

    try:
        async with asyncio.timeout(RUN_TIMEOUT_SECONDS):
            while service.store.select_position("events") != last_id:  # noqa: ASYNC110 (a store poll)
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(task, RUN_TIMEOUT_SECONDS)

    assert metric(registry, "lapor_relay_publish_failures_total") == 2
    assert len(publisher.batches) == 1
    assert len([r for r in publisher.records if r.topic == TOPICS.events]) == 6

"""The checkpoint publisher: order, marking and retries after a failed publish.

The real producer is exercised against the broker in the command tests; here
a recording stand-in makes a failed publish repeatable.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from gateway.kafka.errors import PublishError
from monitoring.audit import AuditMetrics
from projections.audit import AuditProjection, CheckpointPublisher
from projections.audit.tables import checkpoints
from tests.projections.audit.feeding import feed
from tests.projections.audit.histories import snapshot_of
from tests.support.waiting import wait_for

NOW = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)


class RecordingPublisher:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.records: list = []

    async def publish(self, records) -> None:
        if self.failures:
            self.failures -= 1
            raise PublishError("broker unavailable", retriable=True)
        self.records.extend(records)


def signed_database(engine, histories, signer) -> int:
    projection = AuditProjection(
        signer=signer, checkpoint_interval=4, clock=lambda: NOW
    )
    feed(engine, projection, snapshot_of(histories.published))
    with engine.connect() as connection:
        return len(connection.execute(select(checkpoints.c.number)).all())


def published_flags(engine) -> list[bool]:
    with engine.connect() as connection:
        return list(connection.execute(select(checkpoints.c.published)).scalars())


async def test_publishes_in_order_and_marks(engine, histories, signer):
    stored = signed_database(engine, histories, signer)
    recorder = RecordingPublisher()
    metrics = AuditMetrics(registry := CollectorRegistry())
    publisher = CheckpointPublisher(
        engine, recorder, "checkpoints", metrics=metrics, batch_size=2
    )

    published = await publisher.publish_pending()
    again = await publisher.publish_pending()

    assert published == stored
    assert again == 0
    assert all(published_flags(engine))
    taken = [json.loads(r.value)["checkpoint"]["taken_at"] for r in recorder.records]
    assert len(taken) == stored
    assert {record.key for record in recorder.records} == {b"events"}
    assert {record.topic for record in recorder.records} == {"checkpoints"}
    assert (
        registry.get_sample_value("lapor_audit_checkpoints_published_total") == stored
    )


async def test_failed_publish_leaves_rows_pending(engine, histories, signer):
    signed_database(engine, histories, signer)
    publisher = CheckpointPublisher(engine, RecordingPublisher(failures=1), "c")

    with pytest.raises(PublishError, match="broker unavailable"):
        await publisher.publish_pending()

    assert not any(published_flags(engine))


async def test_run_retries_until_published(engine, histories, signer):
    stored = signed_database(engine, histories, signer)
    recorder = RecordingPublisher(failures=2)
    publisher = CheckpointPublisher(engine, recorder, "checkpoints")
    stop = asyncio.Event()

    task = asyncio.create_task(publisher.run(stop, poll_seconds=0.05))
    await wait_for(
        lambda: len(recorder.records) == stored, 10, "every checkpoint is published"
    )
    stop.set()
    await asyncio.wait_for(task, timeout=10)

    assert recorder.failures == 0
    assert all(published_flags(engine))

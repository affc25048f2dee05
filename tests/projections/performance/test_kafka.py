"""The projection fed through a real broker by the projection runner."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from events.codec import encode_kafka
from monitoring.projections import ProjectionMetrics
from projections.performance.backlog import take_snapshot
from projections.performance.figures import MetricsSettings
from projections.performance.periods import Period
from projections.performance.projection import PerformanceProjection
from projections.performance.queries import compute_with_months
from projections.runner import (
    BatchAccounting,
    BatchApplier,
    ProjectionRunner,
    RunnerConfig,
    TrackingTables,
    create_store_engine,
    create_tables,
    sqlite_location,
)
from tests.projections.performance.histories import apply_all, memory_engine, wib
from tests.projections.performance.test_backends import histories

if TYPE_CHECKING:
    from collections.abc import Sequence

    from events.envelope import Envelope
    from projections.runner import PoisonRecord

pytestmark = pytest.mark.kafka

PARTITIONS = 3
RUN_TIMEOUT_SECONDS = 90
AS_OF = wib(2025, 12, 31)


@dataclass
class KeptDeadLetters:
    """A dead-letter sink that keeps the poison records it is given."""

    published: list[PoisonRecord] = field(default_factory=list)

    async def publish(self, poison: Sequence[PoisonRecord]) -> None:
        self.published.extend(poison)

    async def close(self) -> None:
        return


async def publish(bootstrap: str, topic: str, envelopes: list[Envelope]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        for envelope in envelopes:
            message = encode_kafka(envelope)
            await producer.send_and_wait(
                topic,
                key=message.key,
                value=message.value,
                headers=list(message.headers),
            )
    finally:
        await producer.stop()


def figures_and_backlog(engine):
    settings = MetricsSettings()
    with engine.connect() as connection:
        return (
            compute_with_months(connection, Period.parse("2025"), AS_OF, settings),
            take_snapshot(connection, AS_OF, settings.calendar),
        )


async def test_runner_feeds_projection(
    kafka_bootstrap, make_topic, unique_id, tmp_path
):
    built = histories()
    envelopes = [envelope for history in built for envelope in history.envelopes]
    topic = await make_topic(partitions=PARTITIONS)
    # The first complaint's events go out twice, as after a relay restart.
    await publish(kafka_bootstrap, topic, [*envelopes, *built[0].envelopes])

    projection = PerformanceProjection()
    tracking = TrackingTables(projection.name)
    location = sqlite_location(tmp_path / "performance.sqlite")
    engine = create_store_engine(location, writer=True)
    create_tables(engine, location, projection.metadata, tracking.metadata)
    dead_letters = KeptDeadLetters()
    applier = BatchApplier(projection, engine, tracking, dead_letters)
    metrics = ProjectionMetrics(CollectorRegistry(), projection.name)
    config = RunnerConfig(
        bootstrap_servers=kafka_bootstrap,
        topic=topic,
        client_id=f"test-{unique_id}",
        group_id=f"test.{unique_id}",
    )
    runner = ProjectionRunner(BatchAccounting(applier, metrics), config)
    try:
        summary = await asyncio.wait_for(
            runner.run(until_caught_up=True), RUN_TIMEOUT_SECONDS
        )
        fed = figures_and_backlog(engine)
    finally:
        engine.dispose()

    direct = memory_engine()
    apply_all(direct, built)
    assert summary.applied == len(envelopes)
    assert summary.duplicates == len(built[0].envelopes)
    assert dead_letters.published == []
    assert fed == figures_and_backlog(direct)

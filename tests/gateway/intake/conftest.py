"""A command intake running in the test's event loop, on fresh topics."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import CollectorRegistry

from gateway.bootstrap import build_service
from gateway.intake.consumer import run_intake
from gateway.settings import Settings, TopicNames
from tests.gateway.api.agencies import registry

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from gateway.application import ComplaintService

REDRIVE_KEY = "test-redrive-key-0123456789abcdef"
STOP_TIMEOUT_SECONDS = 30


@dataclass
class RunningIntake:
    settings: Settings
    service: ComplaintService
    metrics_registry: CollectorRegistry
    stop: asyncio.Event
    task: asyncio.Task[None]


@pytest.fixture
async def intake_settings(tmp_path, kafka_bootstrap, make_topic, unique_id) -> Settings:
    topics = TopicNames(
        events=await make_topic(partitions=3),
        agency_feed_prefix=f"test.{unique_id}.feed.",
        commands=await make_topic(partitions=3),
        commands_dead_letter=await make_topic(partitions=1),
        command_results=await make_topic(partitions=3),
    )
    return Settings(
        data_dir=tmp_path,
        kafka_bootstrap=kafka_bootstrap,
        topics=topics,
        intake_group=f"intake-{unique_id}",
        intake_instance=unique_id,
        intake_redrive_key=REDRIVE_KEY,
    )


@pytest.fixture
async def intake(intake_settings) -> AsyncIterator[RunningIntake]:
    agencies = registry()
    metrics_registry = CollectorRegistry()
    service = build_service(intake_settings, agencies, metrics_registry)
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_intake(
            intake_settings,
            agencies,
            service,
            metrics_registry,
            stop,
        )
    )
    yield RunningIntake(intake_settings, service, metrics_registry, stop, task)
    stop.set()
    await asyncio.wait_for(task, STOP_TIMEOUT_SECONDS)
    service.close()


async def produce(bootstrap: str, topic: str, records) -> None:
    """Send ``(key, value, headers)`` records in order and wait for the acks."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value, headers in records:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


@pytest.fixture
async def read_topic(kafka_bootstrap) -> AsyncIterator:
    """Return a function that opens a read_committed consumer on a topic."""
    consumers: list[AIOKafkaConsumer] = []

    async def open_consumer(topic: str) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka_bootstrap,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        consumers.append(consumer)
        return consumer

    yield open_consumer
    for consumer in consumers:
        await consumer.stop()

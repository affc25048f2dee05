"""Bounded waits: until Kafka has every stored event, and each projection all of it."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from mainjob.errors import MainJobError, WaitTimeoutError

if TYPE_CHECKING:
    from gateway.application import ComplaintService
    from mainjob.services import ProjectionPart

POLL_SECONDS = 0.2
RELAY_NAME = "events"
"""The position name under which the relay records how far it has published."""


async def wait_for_relay(service: ComplaintService, max_seconds: float) -> int:
    """Wait until the relay has published every stored event; return their count."""
    deadline = time.monotonic() + max_seconds
    while True:
        newest = await asyncio.to_thread(service.recorder.max_notification_id) or 0
        published = await asyncio.to_thread(service.store.select_position, RELAY_NAME)
        if published >= newest:
            return newest
        if time.monotonic() > deadline:
            raise WaitTimeoutError(
                f"the relay published {published} of {newest} stored events in "
                f"{max_seconds:.0f} s: check that Kafka runs, then see gateway.log in "
                "the run folder"
            )
        await asyncio.sleep(POLL_SECONDS)


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Return each partition's end offset (the next offset to be written)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    numbers = sorted(entry["partition"] for entry in description.get("partitions", ()))
    if not numbers:
        raise MainJobError(f"topic {topic} has no partitions on {bootstrap}")
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, number) for number in numbers]
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return {partition.partition: int(offset) for partition, offset in ends.items()}


async def wait_for_projections(
    parts: list[ProjectionPart],
    topic: str,
    ends: dict[int, int],
    max_seconds: float,
) -> None:
    """Wait until every projection has stored a position at each partition's end."""
    deadline = time.monotonic() + max_seconds
    for part in parts:
        while True:
            if part.runner_task_failed():
                raise MainJobError(
                    f"projection {part.name} stopped: see gateway.log in the run folder"
                )
            behind = await asyncio.to_thread(_partitions_behind, part, topic, ends)
            if not behind:
                break
            if time.monotonic() > deadline:
                raise WaitTimeoutError(
                    f"projection {part.name} has not applied partitions {behind} of "
                    f"{topic} to their end in {max_seconds:.0f} s: see gateway.log in "
                    "the run folder"
                )
            await asyncio.sleep(POLL_SECONDS)


def _partitions_behind(
    part: ProjectionPart, topic: str, ends: dict[int, int]
) -> list[int]:
    with part.engine.connect() as connection:
        stored = part.tracking.read_positions(connection)
    return [
        partition
        for partition, end in sorted(ends.items())
        if end > 0 and stored.get((topic, partition), -1) < end - 1
    ]

"""Reading the events topic up to its current end, outside any consumer group.

A rebuild and the benchmark assign every partition by hand, resume after the
stored positions (from the beginning in a fresh database), and stop at the
end offsets taken when they started. With ``read_committed`` those are the
last stable offsets, so records of open producer transactions are left for
the live runner.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from projections.runner.errors import SourceError
from projections.runner.records import IncomingRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.runner.runner import BatchAccounting, RunnerConfig, RunSummary

logger = logging.getLogger(__name__)

FETCH_BYTES_PER_PARTITION = 8 * 1024 * 1024
"""Larger fetches than the live runner's: a rebuild reads long stretches."""

IDLE_TIMEOUT_SECONDS = 60.0
"""A catch-up that receives nothing for this long while behind gives up."""


async def catch_up(
    accounting: BatchAccounting,
    config: RunnerConfig,
    *,
    on_batch: Callable[[RunSummary], None] | None = None,
    idle_timeout: float = IDLE_TIMEOUT_SECONDS,
) -> RunSummary:
    """Apply the topic from the stored positions to its current end offsets."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=config.bootstrap_servers,
        group_id=None,
        client_id=f"{config.client_id}-catch-up",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_partition_fetch_bytes=FETCH_BYTES_PER_PARTITION,
    )
    await consumer.start()
    try:
        partitions = await topic_partitions(config.bootstrap_servers, config.topic)
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        _seek_to_stored(accounting, consumer, partitions)
        logger.info(
            "Projection %s catching up on %s to end offsets %s",
            accounting.name,
            config.topic,
            {tp.partition: ends[tp] for tp in partitions},
        )
        await _read_to(
            accounting,
            consumer=consumer,
            ends=ends,
            config=config,
            on_batch=on_batch,
            idle_timeout=idle_timeout,
        )
    finally:
        await consumer.stop()
    return accounting.summary


async def topic_partitions(bootstrap_servers: str, topic: str) -> list[TopicPartition]:
    """Return the topic's partitions; raise ``SourceError`` if it does not exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        await admin.start()
        [description] = await admin.describe_topics([topic])
    except KafkaError as exc:
        raise SourceError(
            f"cannot describe topic {topic!r} on {bootstrap_servers}: {exc}; check "
            "that the broker runs"
        ) from exc
    finally:
        await admin.close()
    numbers = [entry["partition"] for entry in description.get("partitions", ())]
    if description.get("error_code") or not numbers:
        raise SourceError(
            f"topic {topic!r} does not exist on the broker: create it, or check "
            "the topic name and bootstrap servers"
        )
    return [TopicPartition(topic, number) for number in sorted(numbers)]


def _seek_to_stored(
    accounting: BatchAccounting,
    consumer: Any,  # noqa: ANN401 (aiokafka's untyped consumer)
    partitions: list[TopicPartition],
) -> None:
    applier = accounting.applier
    with applier.engine.connect() as connection:
        stored = applier.tracking.read_positions(connection)
    for partition in partitions:
        offset = stored.get((partition.topic, partition.partition))
        consumer.seek(partition, 0 if offset is None else offset + 1)
        if offset is not None:
            accounting.positions[partition.topic, partition.partition] = offset


async def _read_to(  # noqa: PLR0913 (the loop's state, passed rather than stored)
    accounting: BatchAccounting,
    *,
    consumer: Any,  # noqa: ANN401 (aiokafka's untyped consumer)
    ends: dict[TopicPartition, int],
    config: RunnerConfig,
    on_batch: Callable[[RunSummary], None] | None,
    idle_timeout: float,
) -> None:
    remaining = {tp for tp in ends if await consumer.position(tp) < ends[tp]}
    last_progress = time.monotonic()
    while remaining:
        batches = await consumer.getmany(
            *remaining,
            timeout_ms=config.poll_timeout_ms,
            max_records=config.max_records,
        )
        records = [
            IncomingRecord.from_consumer_record(record)
            for partition, partition_records in batches.items()
            for record in partition_records
            if record.offset < ends[partition]
        ]
        if records:
            await accounting.apply(records)
            last_progress = time.monotonic()
            if on_batch is not None:
                on_batch(accounting.summary)
        for partition in list(remaining):
            if await consumer.position(partition) >= ends[partition]:
                remaining.discard(partition)
        if remaining and time.monotonic() - last_progress > idle_timeout:
            raise SourceError(
                f"reading {config.topic} made no progress for {idle_timeout:.0f} s "
                f"with partitions {sorted(tp.partition for tp in remaining)} short "
                "of their end offsets: check that the broker runs"
            )

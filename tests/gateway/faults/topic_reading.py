"""Bounded reads of a whole topic, from the beginning to its current end."""

from __future__ import annotations

import time
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition


async def read_topic(bootstrap: str, topic: str, within: float = 60.0) -> list[Any]:
    """Return every record of ``topic``, each partition in offset order.

    Reads from the beginning up to the end offsets taken at the start, and
    fails the test when that takes more than ``within`` seconds.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for p in sorted(consumer.partitions_for_topic(topic) or set())
        ] or await _partitions(consumer, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        return await _read_to(consumer, ends, within)
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    await consumer._client.force_metadata_update()
    found = consumer.partitions_for_topic(topic) or set()
    assert found, f"topic {topic} has no partitions: was it created?"
    return [TopicPartition(topic, p) for p in sorted(found)]


async def _read_to(
    consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int], within: float
) -> list[Any]:
    by_partition: dict[TopicPartition, list[Any]] = {tp: [] for tp in ends}
    deadline = time.monotonic() + within
    while not await _reached(consumer, ends):
        assert time.monotonic() < deadline, (
            f"read {sum(map(len, by_partition.values()))} records of "
            f"{sum(ends.values())} within {within:.0f} s"
        )
        batches = await consumer.getmany(timeout_ms=500)
        for tp, records in batches.items():
            by_partition[tp].extend(r for r in records if r.offset < ends[tp])
    return [record for tp in sorted(ends) for record in by_partition[tp]]


async def _reached(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return False
    return True

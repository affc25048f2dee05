"""Bounded Kafka reads for tests."""

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer

POLL_TIMEOUT_MS = 500


async def read_records(
    consumer: AIOKafkaConsumer, count: int, within: float = 30.0
) -> list[Any]:
    """Return the next ``count`` records, failing the test after ``within`` seconds.

    Records come in the order ``getmany`` returns them: per partition, in offset
    order.
    """
    records: list[Any] = []
    try:
        async with asyncio.timeout(within):
            while len(records) < count:
                batches = await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS)
                for batch in batches.values():
                    records.extend(batch)
    except TimeoutError:
        raise AssertionError(
            f"read {len(records)} of {count} records within {within:.0f} s"
        ) from None
    return records


async def read_until_quiet(
    consumer: AIOKafkaConsumer, quiet_seconds: float = 2.0, within: float = 30.0
) -> list[Any]:
    """Return every record that arrives until none has come for ``quiet_seconds``.

    Tests use it to show that no extra (duplicate or aborted) record follows.
    """
    records: list[Any] = []
    async with asyncio.timeout(within):
        idle_since = asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - idle_since < quiet_seconds:
            batches = await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS)
            fresh = [record for batch in batches.values() for record in batch]
            if fresh:
                records.extend(fresh)
                idle_since = asyncio.get_running_loop().time()
    return records

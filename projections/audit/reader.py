"""Reading a whole topic, from the beginning up to the end offsets taken at start.

The reader needs nothing but the brokers: no consumer group, no committed
offsets, no database. It reads committed records only (``read_committed``),
so records of aborted transactions never count, and stops once every
partition has reached the end offset it had when the read started. Records
produced after the start are left for the next audit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError, UnknownTopicOrPartitionError

from projections.audit.errors import LogReadError, ReadTimeoutError, TopicNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

POLL_MILLISECONDS = 500


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One Kafka record as read: its position, key, value and headers."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True)
class TopicSnapshot:
    """Every record of a topic below the end offsets taken when the read started.

    ``records`` are ordered by partition, then offset. ``start_offsets`` are
    the first offsets still on the brokers: above zero when retention deleted
    older records.
    """

    topic: str
    start_offsets: dict[int, int]
    end_offsets: dict[int, int]
    records: tuple[LogRecord, ...]

    def partition_records(self, partition: int) -> Sequence[LogRecord]:
        return [record for record in self.records if record.partition == partition]


async def read_topic(
    bootstrap_servers: str,
    topic: str,
    *,
    timeout_seconds: float,
    client_id: str = "lapor-auditor",
    keep: Callable[[LogRecord], bool] | None = None,
) -> TopicSnapshot:
    """Read every partition of ``topic`` up to its end offsets at start.

    ``keep`` selects the records to keep, so a reader interested in one
    complaint does not keep the whole topic in memory.

    Raises ``TopicNotFoundError`` if the topic does not exist,
    ``ReadTimeoutError`` if the end is not reached within ``timeout_seconds``
    and ``LogReadError`` if the brokers cannot be reached.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    progress: dict[int, list[LogRecord]] = {}
    try:
        async with asyncio.timeout(timeout_seconds):
            numbers = await _partitions_of(bootstrap_servers, topic, client_id)
            await consumer.start()
            return await _read_all(consumer, topic, numbers, progress, keep)
    except TimeoutError:
        read = sum(len(records) for records in progress.values())
        raise ReadTimeoutError(
            f"reading topic {topic} from {bootstrap_servers} did not finish within "
            f"{timeout_seconds:.0f} s ({read} records read): raise --timeout or "
            "check that every partition has a leader"
        ) from None
    except KafkaError as exc:
        raise LogReadError(
            f"cannot read topic {topic} from {bootstrap_servers}: {exc}; check "
            "that the brokers run and the address is right"
        ) from exc
    finally:
        await consumer.stop()


async def _partitions_of(
    bootstrap_servers: str, topic: str, client_id: str
) -> list[int]:
    """Return the partition numbers of ``topic`` from the cluster's metadata."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, client_id=client_id
    )
    try:
        await admin.start()
        [description] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if description["error_code"] == UnknownTopicOrPartitionError.errno:
        raise TopicNotFoundError(
            f"topic {topic} does not exist on the cluster: check the name "
            "(topics are versioned, such as lapor.complaint-events.v1)"
        )
    if description["error_code"] != 0:
        raise LogReadError(
            f"the cluster returned error code {description['error_code']} for "
            f"topic {topic}: check the broker logs and retry"
        )
    return sorted(entry["partition"] for entry in description["partitions"])


async def _read_all(
    consumer: AIOKafkaConsumer,
    topic: str,
    numbers: list[int],
    progress: dict[int, list[LogRecord]],
    keep: Callable[[LogRecord], bool] | None,
) -> TopicSnapshot:
    assigned = [TopicPartition(topic, number) for number in numbers]
    consumer.assign(assigned)
    starts = await consumer.beginning_offsets(assigned)
    ends = await consumer.end_offsets(assigned)
    await consumer.seek_to_beginning(*assigned)
    for number in numbers:
        progress[number] = []
    pending = {tp for tp in assigned if ends[tp] > starts[tp]}
    while pending:
        batches = await consumer.getmany(*pending, timeout_ms=POLL_MILLISECONDS)
        for tp, batch in batches.items():
            fresh = [_record(m) for m in batch if m.offset < ends[tp]]
            progress[tp.partition].extend(
                record for record in fresh if keep is None or keep(record)
            )
        pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
    records = tuple(record for number in numbers for record in progress[number])
    logger.info(
        "Read %d records of topic %s from %d partitions",
        len(records),
        topic,
        len(numbers),
    )
    return TopicSnapshot(
        topic=topic,
        start_offsets={tp.partition: starts[tp] for tp in assigned},
        end_offsets={tp.partition: ends[tp] for tp in assigned},
        records=records,
    )


def _record(message: Any) -> LogRecord:  # noqa: ANN401 (aiokafka's untyped ConsumerRecord)
    return LogRecord(
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        headers=tuple((str(name), bytes(value)) for name, value in message.headers),
    )

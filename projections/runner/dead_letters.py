"""The dead-letter topic of the projections: records no projection can decode.

A dead-letter record keeps the original key, value and headers unchanged and
adds ``lapor_dlq_*`` headers naming the original topic, partition, offset and
timestamp, the consumer, and the error. The runner publishes and waits for the
broker's acknowledgement before it commits the batch that moves past the
record, so a poison record is never dropped. If that commit then fails, the
retried batch publishes the record again: dead-letter records are delivered at
least once, and the original coordinates identify copies.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from gateway.kafka.errors import PublishError
from gateway.kafka.producer import OutgoingRecord, ReliableProducer
from projections.runner.errors import DeadLetterError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from projections.runner.records import PoisonRecord

logger = logging.getLogger(__name__)

DEAD_LETTER_TOPIC = "lapor.projection-dlq.v1"
HEADER_PREFIX = "lapor_dlq_"
MAX_ERROR_BYTES = 2048
"""Longer error messages are cut to this many bytes in the header."""


class DeadLetterSink(Protocol):
    """The destination of poison records, published before the batch commits."""

    async def publish(self, poison: Sequence[PoisonRecord]) -> None: ...

    async def close(self) -> None: ...


def dead_letter_record(
    poison: PoisonRecord, *, topic: str, consumer: str
) -> OutgoingRecord:
    """Return the dead-letter record of a poison record."""
    original = poison.record
    added = {
        "topic": original.topic,
        "partition": str(original.partition),
        "offset": str(original.offset),
        "timestamp": str(original.timestamp_ms),
        "consumer": consumer,
        "error_type": poison.error_type,
        "error": poison.error,
    }
    headers = list(original.headers)
    for name, text in added.items():
        headers.append((HEADER_PREFIX + name, text.encode("utf-8")[:MAX_ERROR_BYTES]))
    return OutgoingRecord(
        topic=topic,
        key=original.key or b"",
        value=original.value or b"",
        headers=tuple(headers),
    )


class KafkaDeadLetters:
    """Publishes poison records to the dead-letter topic with ``acks=all``."""

    def __init__(
        self, bootstrap_servers: str, *, topic: str = DEAD_LETTER_TOPIC, consumer: str
    ) -> None:
        self.topic = topic
        self.consumer = consumer
        self.bootstrap_servers = bootstrap_servers
        # Created on first use: most runs never dead-letter anything.
        self._producer: ReliableProducer | None = None

    async def publish(self, poison: Sequence[PoisonRecord]) -> None:
        if not poison:
            return
        records = [
            dead_letter_record(item, topic=self.topic, consumer=self.consumer)
            for item in poison
        ]
        try:
            if self._producer is None:
                producer = ReliableProducer(
                    self.bootstrap_servers, client_id=f"lapor-{self.consumer}-dlq"
                )
                await producer.start()
                self._producer = producer
            await self._producer.publish(records)
        except PublishError as exc:
            msg = (
                f"publishing {len(records)} poison records to {self.topic} failed: "
                f"{exc}; check that the topic exists and the broker runs"
            )
            raise DeadLetterError(msg) from exc
        for item in poison:
            # The error type only: decode errors can quote the record's content.
            logger.warning(
                "Dead-lettered %s partition %d offset %d to %s: %s",
                item.record.topic,
                item.record.partition,
                item.record.offset,
                self.topic,
                item.error_type,
            )

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

"""A typed wrapper over aiokafka's producer, set up for the gateway's guarantees."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from gateway.kafka.errors import PublishError

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """One Kafka record to publish: topic, key, value and headers."""

    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


class ReliableProducer:
    """Idempotent producer with ``acks=all`` that publishes batches in order.

    ``publish`` returns only when the broker has acknowledged every record of
    the batch; records with the same key keep their order because the
    idempotent producer never reorders a partition's batches on retry.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str = "lapor-gateway",
        transactional_id: str | None = None,
        request_timeout_ms: int = 30_000,
    ) -> None:
        options: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers,
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "max_batch_size": 1024 * 1024,
            "request_timeout_ms": request_timeout_ms,
        }
        if transactional_id is not None:
            options["transactional_id"] = transactional_id
        self._producer = AIOKafkaProducer(**options)
        self.bootstrap_servers = bootstrap_servers

    async def start(self) -> None:
        try:
            await self._producer.start()
        except KafkaError as exc:
            msg = (
                f"cannot connect a producer to Kafka at {self.bootstrap_servers}: "
                f"{exc}; check that the broker runs (lapor-infra kafka status)"
            )
            raise PublishError(msg, retriable=True) from exc
        logger.info("Producer connected to %s", self.bootstrap_servers)

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Send the records and wait until the broker has acknowledged them all."""
        try:
            futures = [
                await self._producer.send(
                    record.topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                )
                for record in records
            ]
            await asyncio.gather(*futures)
        except KafkaError as exc:
            msg = f"publishing {len(records)} records failed: {exc}"
            raise PublishError(msg, retriable=exc.retriable) from exc

    async def publish_in_transaction(self, records: Sequence[OutgoingRecord]) -> None:
        """Publish the records atomically, for read_committed consumers."""
        try:
            async with self._producer.transaction():
                await self.publish(records)
        except KafkaError as exc:
            msg = f"transaction of {len(records)} records failed: {exc}"
            raise PublishError(msg, retriable=exc.retriable) from exc

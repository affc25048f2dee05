"""A typed wrapper over aiokafka's transactional producer for consume-transform-produce.

:meth:`TransactionalPublisher.publish` sends a batch's records and commits the
consumer group's offsets in one Kafka transaction: a ``read_committed``
reader sees the records exactly when the offsets are committed. After any
failure the producer is discarded; the next call starts a new one under the
same transactional id, which fences the old one and aborts its open
transaction.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, ProducerFenced

from gateway.kafka.errors import PublishError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aiokafka import TopicPartition

    from gateway.kafka.producer import OutgoingRecord

logger = logging.getLogger(__name__)


class TransactionalPublisher:
    """Publishes records together with consumer offsets, atomically."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        transactional_id: str,
        client_id: str,
        request_timeout_ms: int = 30_000,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.transactional_id = transactional_id
        self.client_id = client_id
        self.request_timeout_ms = request_timeout_ms
        self._producer: AIOKafkaProducer | None = None

    async def publish(
        self,
        records: Sequence[OutgoingRecord],
        offsets: Mapping[TopicPartition, int],
        group_id: str,
    ) -> None:
        """Send ``records`` and commit ``offsets`` for ``group_id`` in one transaction.

        Raises ``PublishError``; ``retriable`` is false only when another
        process with the same transactional id has taken over.
        """
        try:
            producer = await self._started()
            await producer.begin_transaction()
            try:
                futures = [
                    await producer.send(
                        r.topic, value=r.value, key=r.key, headers=list(r.headers)
                    )
                    for r in records
                ]
                await asyncio.gather(*futures)
                await producer.send_offsets_to_transaction(dict(offsets), group_id)
            except BaseException:
                await self._discard()
                raise
            await producer.commit_transaction()
        except ProducerFenced as exc:
            await self._discard()
            msg = (
                f"transactional id {self.transactional_id!r} was taken over by "
                "another intake process: give each process its own "
                "LAPOR_INTAKE_INSTANCE"
            )
            raise PublishError(msg, retriable=False) from exc
        except KafkaError as exc:
            await self._discard()
            msg = f"transaction of {len(records)} records failed: {exc!r}"
            raise PublishError(msg, retriable=True) from exc

    async def stop(self) -> None:
        await self._discard()

    async def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap_servers,
                client_id=self.client_id,
                transactional_id=self.transactional_id,
                enable_idempotence=True,
                acks="all",
                linger_ms=5,
                request_timeout_ms=self.request_timeout_ms,
            )
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
            logger.info(
                "Transactional producer %s connected to %s",
                self.transactional_id,
                self.bootstrap_servers,
            )
        return self._producer

    async def _discard(self) -> None:
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            await producer.stop()
        except KafkaError as exc:
            logger.debug("Stopping the discarded producer failed: %r", exc)

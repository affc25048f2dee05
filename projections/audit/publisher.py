"""Publishing stored checkpoints to the checkpoints topic (an outbox).

The projection stores each signed checkpoint in its own transaction; this
publisher sends the unpublished ones in order and then marks them published.
A crash between the broker's acknowledgement and the mark publishes a
checkpoint again, which auditors recognise by its id and count as a copy.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select, update

from gateway.kafka.errors import PublishError
from gateway.kafka.producer import OutgoingRecord
from projections.audit.tables import checkpoints

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Engine

    from monitoring.audit import AuditMetrics

logger = logging.getLogger(__name__)

CONTENT_TYPE = (("content-type", b"application/json"),)


class Publisher(Protocol):
    async def publish(self, records: Sequence[OutgoingRecord]) -> None: ...


class CheckpointPublisher:
    """Sends unpublished checkpoints to ``topic``, keyed by the events topic name.

    The key keeps every checkpoint of one events topic in one partition, so
    they stay in the order they were taken.
    """

    def __init__(
        self,
        engine: Engine,
        publisher: Publisher,
        topic: str,
        *,
        metrics: AuditMetrics | None = None,
        batch_size: int = 100,
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self.topic = topic
        self._metrics = metrics
        self._batch_size = batch_size

    async def publish_pending(self) -> int:
        """Publish every unpublished checkpoint; return how many were published."""
        total = 0
        while True:
            batch = await asyncio.to_thread(self._pending)
            if not batch:
                return total
            records = [
                OutgoingRecord(
                    topic=self.topic,
                    key=events_topic.encode("utf-8"),
                    value=record.encode("utf-8"),
                    headers=CONTENT_TYPE,
                )
                for _, events_topic, record in batch
            ]
            await self._publisher.publish(records)
            await asyncio.to_thread(self._mark, [number for number, _, _ in batch])
            total += len(batch)
            if self._metrics is not None:
                self._metrics.checkpoints_published.inc(len(batch))
            logger.info("Published %d checkpoints to %s", len(batch), self.topic)

    async def run(self, stop: asyncio.Event, *, poll_seconds: float = 5.0) -> None:
        """Publish pending checkpoints until ``stop`` is set, retrying on failure."""
        logger.info("Checkpoint publisher started for topic %s", self.topic)
        while not stop.is_set():
            try:
                await self.publish_pending()
            except PublishError:
                logger.exception(
                    "Publishing checkpoints to %s failed; retrying in %.0f s",
                    self.topic,
                    poll_seconds,
                )
            try:
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
            except TimeoutError:
                continue
        logger.info("Checkpoint publisher stopped")

    def _pending(self) -> list[tuple[int, str, str]]:
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(checkpoints.c.number, checkpoints.c.topic, checkpoints.c.record)
                .where(checkpoints.c.published.is_(False))
                .order_by(checkpoints.c.number)
                .limit(self._batch_size)
            )
            return [(row.number, row.topic, row.record) for row in rows]

    def _mark(self, numbers: list[int]) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(checkpoints)
                .where(checkpoints.c.number.in_(numbers))
                .values(published=True)
            )

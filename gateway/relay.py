"""The relay: publishes every stored event to Kafka, in notification order.

The relay reads the store's notification log from the position after the one
it last recorded, turns each notification into Kafka records (the complaint
events topic, and the agency feeds), waits until the broker has acknowledged
the whole batch, and only then records the batch's last notification id. A
crash between the acknowledgement and the record publishes that batch again
on restart: the same events with the same ids, which consumers skip by id and
sequence. Nothing is skipped, because the position only moves past events
the broker has acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Protocol

from events.errors import ContractError
from events.timestamps import parse_timestamp
from gateway.kafka.errors import PublishError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.persistence import Notification

    from gateway.kafka.producer import OutgoingRecord
    from gateway.store.records import ComplaintRecorderProtocol
    from monitoring.metrics import RelayMetrics

logger = logging.getLogger(__name__)


class NotificationSource(Protocol):
    """The part of a recorder the relay reads from and records its position in."""

    def select_notifications(
        self, start: int | None, limit: int
    ) -> Sequence[Notification]: ...

    def max_notification_id(self) -> int | None: ...


class RecordBuilder(Protocol):
    """Turns a batch of notifications into the Kafka records to publish."""

    def build(self, notifications: Sequence[Notification]) -> list[OutgoingRecord]: ...


class Publisher(Protocol):
    async def publish(self, records: Sequence[OutgoingRecord]) -> None: ...


class Relay:
    """Tails the notification log and publishes it; see the module docstring."""

    def __init__(  # noqa: PLR0913 (each collaborator is injected for tests)
        self,
        recorder: ComplaintRecorderProtocol,
        source: NotificationSource,
        builder: RecordBuilder,
        publisher: Publisher,
        metrics: RelayMetrics,
        *,
        name: str = "events",
        batch_size: int = 1000,
        poll_seconds: float = 0.05,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self._recorder = recorder
        self._source = source
        self._builder = builder
        self._publisher = publisher
        self._metrics = metrics
        self.name = name
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._max_backoff = max_backoff_seconds

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set, retrying failed batches with back-off."""
        position = await asyncio.to_thread(self._recorder.select_position, self.name)
        logger.info("Relay %s started after notification %d", self.name, position)
        backoff = self._poll_seconds
        last_error = ""
        while not stop.is_set():
            try:
                published = await self.publish_batch()
            except PublishError as exc:
                if str(exc) != last_error:
                    logger.exception("Relay %s failed to publish", self.name)
                    last_error = str(exc)
                self._metrics.publish_failures.inc()
                backoff = min(backoff * 2, self._max_backoff)
                await _wait(stop, backoff)
                continue
            backoff = self._poll_seconds
            last_error = ""
            if published == 0:
                await _wait(stop, self._poll_seconds)
        logger.info("Relay %s stopped", self.name)

    async def publish_batch(self) -> int:
        """Publish the next batch; return how many notifications it held."""
        position = await asyncio.to_thread(self._recorder.select_position, self.name)
        notifications = await asyncio.to_thread(
            self._source.select_notifications, position + 1, self._batch_size
        )
        await self._observe_lag(position, notifications)
        if not notifications:
            return 0
        records = self._builder.build(notifications)
        await self._publisher.publish(records)
        last = notifications[-1].id
        await asyncio.to_thread(self._recorder.update_position, self.name, last)
        self._metrics.events_published.inc(len(notifications))
        self._metrics.records_published.inc(len(records))
        logger.debug(
            "Relay %s published notifications %d..%d",
            self.name,
            notifications[0].id,
            last,
        )
        return len(notifications)

    async def _observe_lag(
        self, position: int, notifications: Sequence[Notification]
    ) -> None:
        newest = await asyncio.to_thread(self._source.max_notification_id) or 0
        self._metrics.lag_events.set(max(newest - position, 0))
        if not notifications:
            self._metrics.lag_seconds.set(0)
            return
        oldest_recorded = notification_recorded_at(notifications[0])
        if oldest_recorded is not None:
            self._metrics.lag_seconds.set(max(time.time() - oldest_recorded, 0.0))


def notification_recorded_at(notification: Notification) -> float | None:
    """Return when the notification's event was recorded, as a Unix time, if known."""
    try:
        document = json.loads(notification.state)
        return parse_timestamp(document["recordedtime"]).timestamp()
    except (ValueError, KeyError, TypeError, ContractError):
        return None


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return

"""The webhook adapter's consumer: agency feeds in, one worker per destination.

Acknowledgement policy (at-least-once delivery; receivers drop repeats by
``X-Lapor-Event-Id``):

* One consumer group, ``lapor.webhook``, reads the feed topic of every
  configured agency with auto-commit off.
* The consumer hands each record to its agency's worker and keeps reading.
  When a worker's queue is full, the consumer seeks that partition back to
  the first record it could not hand over and pauses the agency's
  partitions; it resumes them once the queue has drained to half. So a slow
  or dead endpoint holds back only its own agency's partitions, never the
  poll loop, and memory stays bounded by the queue sizes.
* Offsets are committed only up to the first record that is not settled
  (delivered, skipped as delivered before, or dead-lettered and acknowledged
  by the broker), after every poll in which a settlement moved them.
* When a rebalance takes partitions away, their settled offsets are committed
  and their queued records are dropped unsettled; the new owner reads them
  again. An event delivered just before may then be posted once more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError

from adapters.webhook.dead_letters import DeadLetterPublisher
from adapters.webhook.offsets import OffsetTracker
from adapters.webhook.records import FeedRecord
from adapters.webhook.sender import Sender
from adapters.webhook.store import DeliveryStore
from adapters.webhook.worker import Attempts, DestinationWorker
from gateway.kafka.producer import ReliableProducer

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping

    from adapters.webhook.config import WebhookConfig
    from gateway.settings import TopicNames
    from monitoring.adapters import WebhookMetrics

logger = logging.getLogger(__name__)

GAUGE_REFRESH_SECONDS = 15.0


class WebhookService:
    """Consumes the agency feeds and drives the destination workers."""

    def __init__(  # noqa: PLR0913 (every part is injected)
        self,
        config: WebhookConfig,
        *,
        bootstrap_servers: str,
        topics: TopicNames,
        metrics: WebhookMetrics,
        secrets: Mapping[str, bytes] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.bootstrap_servers = bootstrap_servers
        self.metrics = metrics
        self.tracker = OffsetTracker()
        self.store = DeliveryStore(config.delivery_db)
        self.producer = ReliableProducer(bootstrap_servers, client_id="lapor-webhook")
        dead_letters = DeadLetterPublisher(self.producer, config.dead_letter_topic)
        self.agency_of_topic = {
            topics.agency_feed(d.agency): d.agency for d in config.destinations
        }
        self.workers: dict[str, DestinationWorker] = {}
        self.senders: list[Sender] = []
        for destination in config.destinations:
            secret = (
                secrets[destination.agency]
                if secrets is not None
                else destination.read_secret()
            )
            sender = Sender(destination, secret)
            self.senders.append(sender)
            attempts = Attempts(destination, sender, self.store, metrics, rng)
            self.workers[destination.agency] = DestinationWorker(
                attempts,
                dead_letters,
                on_settled=self._settled,
                is_current=self._is_current,
                dead_letter_changed=self.refresh_dead_letter_gauge,
            )
        self.paused: set[str] = set()
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=config.consumer_group,
            client_id="lapor-webhook",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        self._tasks: list[asyncio.Task[None]] = []

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, then commit what is settled and close."""
        await self.producer.start()
        try:
            await self.consumer.start()
            self.consumer.subscribe(
                topics=sorted(self.agency_of_topic), listener=_Rebalance(self)
            )
            self._tasks = [
                asyncio.create_task(worker.run(), name=f"webhook-{agency}")
                for agency, worker in self.workers.items()
            ]
            logger.info("Webhook adapter started for %d agencies", len(self.workers))
            await self._loop(stop)
        finally:
            await self._shut_down()

    async def _loop(self, stop: asyncio.Event) -> None:
        self.refresh_dead_letter_gauge()
        refreshed = time.monotonic()
        while not stop.is_set():
            self._raise_if_a_worker_failed()
            batches = await self.consumer.getmany(
                timeout_ms=self.config.poll_timeout_ms,
                max_records=self.config.max_poll_records,
            )
            for partition, records in batches.items():
                self._hand_over(partition, records)
            self._resume_drained()
            await self.commit()
            if time.monotonic() - refreshed >= GAUGE_REFRESH_SECONDS:
                self.refresh_dead_letter_gauge()
                refreshed = time.monotonic()

    def _hand_over(self, partition: TopicPartition, records: list[object]) -> None:
        agency = self.agency_of_topic[partition.topic]
        worker = self.workers[agency]
        for raw in records:
            record = FeedRecord.from_consumer_record(agency, raw)
            if worker.queue.full():
                self.consumer.seek(partition, record.offset)
                self._pause(agency)
                return
            epoch = self.tracker.track(record.topic, record.partition, record.offset)
            worker.offer(record, epoch)

    def _pause(self, agency: str) -> None:
        partitions = self._partitions_of(agency)
        self.consumer.pause(*partitions)
        if agency not in self.paused:
            self.paused.add(agency)
            self.metrics.paused.labels(agency).set(1)
            logger.info("Paused the feed of %s: its delivery queue is full", agency)

    def _resume_drained(self) -> None:
        for agency in sorted(self.paused):
            worker = self.workers[agency]
            if worker.queue.qsize() > worker.destination.queue_size // 2:
                continue
            self.consumer.resume(*self._partitions_of(agency))
            self.paused.discard(agency)
            self.metrics.paused.labels(agency).set(0)
            logger.info("Resumed the feed of %s", agency)

    def _partitions_of(self, agency: str) -> list[TopicPartition]:
        return [
            partition
            for partition in self.consumer.assignment()
            if self.agency_of_topic.get(partition.topic) == agency
        ]

    def _settled(self, record: FeedRecord, epoch: int) -> None:
        self.tracker.settle(record.topic, record.partition, record.offset, epoch)

    def _is_current(self, record: FeedRecord, epoch: int) -> bool:
        return self.tracker.is_current(record.topic, record.partition, epoch)

    async def commit(self, only: set[tuple[str, int]] | None = None) -> None:
        """Commit the settled offsets of the assigned partitions, if any moved."""
        assigned = {(tp.topic, tp.partition) for tp in self.consumer.assignment()}
        ready = {
            key: offset
            for key, offset in self.tracker.committable().items()
            if key in assigned and (only is None or key in only)
        }
        if not ready:
            return
        try:
            await self.consumer.commit(
                {TopicPartition(*key): offset for key, offset in ready.items()}
            )
        except CommitFailedError:
            logger.info("Commit skipped during a rebalance; the next poll retries it")
            return
        except KafkaError as exc:
            logger.warning("Committing webhook offsets failed: %s; will retry", exc)
            return
        self.tracker.committed(ready)

    def refresh_dead_letter_gauge(self) -> None:
        counts = self.store.dead_letter_counts()
        for agency in self.workers:
            self.metrics.dead_letters.labels(agency).set(counts.get(agency, 0))

    def _raise_if_a_worker_failed(self) -> None:
        for task in self._tasks:
            if task.done() and not task.cancelled():
                task.result()

    async def _shut_down(self) -> None:
        with contextlib.suppress(KafkaError):
            await self.commit()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.consumer.stop()
        for sender in self.senders:
            await sender.aclose()
        await self.producer.stop()
        self.store.close()
        logger.info("Webhook adapter stopped")


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    """Commits and forgets partitions that are taken away; re-pauses full agencies."""

    def __init__(self, service: WebhookService) -> None:
        self.service = service

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        keys = [(tp.topic, tp.partition) for tp in revoked]
        with contextlib.suppress(KafkaError):
            await self.service.commit(only=set(keys))
        self.service.tracker.forget(keys)
        if revoked:
            logger.info("Webhook adapter gives up %d partitions", len(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        for agency in list(self.service.paused):
            partitions = [
                tp
                for tp in assigned
                if self.service.agency_of_topic.get(tp.topic) == agency
            ]
            if partitions:
                self.service.consumer.pause(*partitions)
        logger.info("Webhook adapter assigned %d partitions", len(assigned))

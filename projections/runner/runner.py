"""The live projection runner: a consumer group member that applies batches.

Acknowledgement policy (at-least-once delivery, effectively-once effect):

* Every projection has its own consumer group, ``lapor.projection.<name>``,
  with auto-commit off, ``isolation_level="read_committed"`` and
  ``auto_offset_reset="earliest"``.
* The truth of how far a projection got is the position stored in its own
  database, written in the transaction that updates its view. When the group
  assigns partitions, the runner seeks each to its stored offset + 1 (to the
  beginning when it has none), so Kafka's committed offsets never decide
  where reading resumes.
* After each commit the runner also commits the offsets to Kafka, at most
  once a second, only so that group lag is visible to the usual Kafka tools.
* Before partitions are revoked, the rebalance listener waits for the batch in
  flight to commit. Even if two instances briefly read the same partition,
  the position rows are locked in each transaction and records at or below
  the stored offset are passed over, so nothing is applied twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from projections.runner.catch_up import topic_partitions
from projections.runner.errors import HaltError, ProjectionRunnerError, SourceError
from projections.runner.records import IncomingRecord

if TYPE_CHECKING:
    from collections.abc import Iterable

    from monitoring.projections import ProjectionMetrics
    from projections.runner.applier import BatchApplier, BatchResult
    from projections.runner.tracking import PartitionKey

logger = logging.getLogger(__name__)

GROUP_PREFIX = "lapor.projection."
LAG_COMMIT_INTERVAL_SECONDS = 1.0
PROGRESS_LOG_INTERVAL_SECONDS = 30.0


def group_id_of(projection_name: str) -> str:
    """Return the consumer group of a projection."""
    return f"{GROUP_PREFIX}{projection_name}"


@dataclass(frozen=True, slots=True)
class RunnerConfig:
    """The runner's topic, consumer group and batch size."""

    bootstrap_servers: str
    topic: str
    max_records: int = 500
    """Records per batch transaction at most."""
    poll_timeout_ms: int = 500
    client_id: str = "lapor-projection-runner"
    group_id: str | None = None
    """The consumer group; ``None`` means ``lapor.projection.<name>``."""
    instance_id: str | None = None
    """Static group membership: an instance restarted under the same id gets
    its partitions back at once, without a rebalance of the whole group."""


@dataclass(slots=True)
class RunSummary:
    """Counts of what a run applied, skipped and dead-lettered."""

    batches: int = 0
    applied: int = 0
    duplicates: int = 0
    already_processed: int = 0
    dead_lettered: int = 0

    def add(self, result: BatchResult) -> None:
        self.batches += 1
        self.applied += result.applied
        self.duplicates += result.duplicates
        self.already_processed += result.already_processed
        self.dead_lettered += result.dead_lettered


class BatchAccounting:
    """Applies batches, keeps the counts and metrics, and halts on errors."""

    def __init__(self, applier: BatchApplier, metrics: ProjectionMetrics) -> None:
        self.applier = applier
        self.metrics = metrics
        self.summary = RunSummary()
        self.positions: dict[PartitionKey, int] = {}
        self._last_progress_log = time.monotonic()

    @property
    def name(self) -> str:
        return self.applier.projection.name

    async def apply(self, records: list[IncomingRecord]) -> BatchResult:
        """Apply one batch; raise the halt or failure that stops the runner."""
        started = time.perf_counter()
        try:
            result = await self.applier.apply(records)
        except ProjectionRunnerError as exc:
            self.metrics.halt(exc.halt_reason)
            logger.exception("Projection %s stopped", self.name)
            raise
        self.metrics.batch_seconds.observe(time.perf_counter() - started)
        self._account(result)
        if result.halt is not None:
            self._halt(result.halt)
        return result

    def _account(self, result: BatchResult) -> None:
        self.summary.add(result)
        self.positions.update(result.positions)

        metrics = self.metrics
        metrics.events_applied.inc(result.applied)
        metrics.duplicates_skipped.inc(result.duplicates)
        metrics.dead_lettered.inc(result.dead_lettered)
        metrics.last_applied.set_to_current_time()
        if result.newest_recorded_at is not None:
            metrics.last_event.set(result.newest_recorded_at.timestamp())

        if result.duplicates:
            logger.info(
                "Projection %s skipped %d duplicate events",
                self.name,
                result.duplicates,
            )
        logger.debug(
            "Projection %s applied %d events up to %s",
            self.name,
            result.applied,
            result.positions,
        )
        self._log_progress()

    def _log_progress(self) -> None:
        now = time.monotonic()
        if now - self._last_progress_log >= PROGRESS_LOG_INTERVAL_SECONDS:
            self._last_progress_log = now
            logger.info(
                "Projection %s has applied %d events in %d batches so far",
                self.name,
                self.summary.applied,
                self.summary.batches,
            )

    def _halt(self, halt: HaltError) -> None:
        if halt.halt_reason == "sequence_gap":
            self.metrics.sequence_gaps.inc()
        else:
            self.metrics.conflicts.inc()
        self.metrics.halt(halt.halt_reason)
        at = halt.at
        logger.error(
            "Projection %s halted at %s partition %d offset %d, event %s: %s",
            self.name,
            at.topic,
            at.partition,
            at.offset,
            at.event_id,
            halt,
            extra={
                "projection": self.name,
                "topic": at.topic,
                "partition": at.partition,
                "offset": at.offset,
                "event_id": at.event_id,
            },
        )
        raise halt

    def update_lag(self, consumer: Any, partitions: Iterable[TopicPartition]) -> None:  # noqa: ANN401 (aiokafka's untyped consumer)
        """Set the lag gauge from the end offsets the last fetches reported."""
        for partition in partitions:
            end = consumer.last_stable_offset(partition)
            if end is None or end < 0:
                end = consumer.highwater(partition)
            if end is None:
                continue
            stored = self.positions.get((partition.topic, partition.partition), -1)
            self.metrics.set_lag(partition.partition, end - (stored + 1))


class _SeekToStoredPositions(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    """Moves newly assigned partitions to the positions in the database."""

    def __init__(self, runner: ProjectionRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # The batch in flight commits before another member takes its partitions.
        async with self.runner.batch_lock:
            for partition in revoked:
                self.runner.accounting.metrics.clear_lag(partition.partition)
            logger.info(
                "Projection %s gives up partitions %s",
                self.runner.name,
                sorted(tp.partition for tp in revoked),
            )

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.runner.seek_to_stored(assigned)


class ProjectionRunner:
    """Consumes the events topic as a member of the projection's group."""

    def __init__(self, accounting: BatchAccounting, config: RunnerConfig) -> None:
        self.accounting = accounting
        self.config = config
        self.batch_lock = asyncio.Lock()
        self._consumer: Any = None
        self._last_lag_commit = 0.0

    @property
    def name(self) -> str:
        return self.accounting.name

    @property
    def summary(self) -> RunSummary:
        return self.accounting.summary

    @property
    def group_id(self) -> str:
        return self.config.group_id or group_id_of(self.name)

    async def run(
        self, stop: asyncio.Event | None = None, *, until_caught_up: bool = False
    ) -> RunSummary:
        """Consume until ``stop`` is set (or, if asked, until caught up).

        Raises a ``HaltError`` on a sequence gap or conflict and another
        ``ProjectionRunnerError`` on failures it could not retry past.
        """
        stop = stop or asyncio.Event()
        consumer = self._make_consumer()
        consumer.subscribe([self.config.topic], listener=_SeekToStoredPositions(self))
        self._consumer = consumer
        try:
            await self._start(consumer)
            while not stop.is_set():
                caught_up = await self._poll_once(consumer)
                if until_caught_up and caught_up:
                    break
        finally:
            await consumer.stop()
            self._consumer = None
            await self.accounting.applier.dead_letters.close()
            logger.info(
                "Projection %s stopped after applying %d events",
                self.name,
                self.summary.applied,
            )
        return self.summary

    async def _start(self, consumer: Any) -> None:  # noqa: ANN401 (aiokafka's untyped consumer)
        # Fails fast on a missing topic, where the consumer would wait for it.
        await topic_partitions(self.config.bootstrap_servers, self.config.topic)
        try:
            await consumer.start()
        except KafkaError as exc:
            raise SourceError(
                f"cannot start a consumer on {self.config.bootstrap_servers}: {exc}; "
                "check that the broker runs"
            ) from exc
        logger.info(
            "Projection %s started on %s in group %s",
            self.name,
            self.config.topic,
            self.group_id,
        )

    async def _poll_once(self, consumer: Any) -> bool:  # noqa: ANN401 (aiokafka's untyped consumer)
        """Fetch and apply one batch; return whether there was nothing left to read."""
        batches = await consumer.getmany(
            timeout_ms=self.config.poll_timeout_ms,
            max_records=self.config.max_records,
        )
        records = [
            IncomingRecord.from_consumer_record(record)
            for partition_records in batches.values()
            for record in partition_records
        ]
        if records:
            async with self.batch_lock:
                await self.accounting.apply(records)
            self.accounting.update_lag(consumer, batches.keys())
            await self._commit_for_lag(consumer)
            return False
        self.accounting.update_lag(consumer, consumer.assignment())
        return await self._caught_up(consumer)

    async def seek_to_stored(self, assigned: Iterable[TopicPartition]) -> None:
        """Seek each assigned partition to its stored position + 1."""
        assigned = list(assigned)
        applier = self.accounting.applier
        with applier.engine.connect() as connection:
            stored = applier.tracking.read_positions(connection)
        for partition in assigned:
            offset = stored.get((partition.topic, partition.partition))
            # Offset 0 is the beginning; a deleted prefix resets to the earliest.
            self._consumer.seek(partition, 0 if offset is None else offset + 1)
            if offset is not None:
                self.accounting.positions[partition.topic, partition.partition] = offset
        self.accounting.metrics.rebalances.inc()
        logger.info(
            "Projection %s assigned partitions %s, resuming after stored offsets %s",
            self.name,
            sorted(tp.partition for tp in assigned),
            {tp.partition: stored.get((tp.topic, tp.partition)) for tp in assigned},
        )

    async def _caught_up(self, consumer: Any) -> bool:  # noqa: ANN401 (aiokafka's untyped consumer)
        assigned = list(consumer.assignment())
        if not assigned:
            return False
        ends = await consumer.end_offsets(assigned)
        for partition in assigned:
            if await consumer.position(partition) < ends[partition]:
                return False
        return True

    async def _commit_for_lag(self, consumer: Any) -> None:  # noqa: ANN401 (aiokafka's untyped consumer)
        now = time.monotonic()
        if now - self._last_lag_commit < LAG_COMMIT_INTERVAL_SECONDS:
            return
        self._last_lag_commit = now
        assigned = consumer.assignment()
        offsets = {
            TopicPartition(topic, partition): offset + 1
            for (topic, partition), offset in self.accounting.positions.items()
            if TopicPartition(topic, partition) in assigned
        }
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except KafkaError as exc:
            # Only lag reporting depends on these offsets, never correctness.
            logger.warning(
                "Projection %s could not commit offsets for lag reporting: %s",
                self.name,
                exc,
            )

    def _make_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self.config.bootstrap_servers,
            group_id=self.group_id,
            group_instance_id=self.config.instance_id,
            client_id=self.config.client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=self.config.max_records,
        )

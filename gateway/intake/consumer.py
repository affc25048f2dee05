"""The Kafka command intake: a consumer group on the command topic.

Each poll's records go through the shared pipeline in one store transaction.
Then one Kafka transaction publishes a result per command from an
authenticated system, a dead letter per failed record, and the group's new
offsets. The offsets are thus committed only after the results are recorded
in the store and on Kafka: a crash before that re-delivers the records, and
their command ids make them harmless duplicates (at least once into the
store, exactly once on the results and dead-letter topics for
``read_committed`` readers).

A store or Kafka failure is retried with bounded exponential back-off and
never dead-lettered. The consumer is a static group member and its producer
has a fixed transactional id, both named after ``settings.intake_instance``,
so a restarted process takes over its partitions at once and fences its
predecessor.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from gateway.intake.errors import StoreUnavailableError, UndecodableMessageError
from gateway.intake.grants import RedriveGrants
from gateway.intake.messages import (
    Inbound,
    command_id_of,
    command_request,
    dead_letter,
    result_record,
)
from gateway.intake.metrics import IntakeMetrics
from gateway.intake.pipeline import CommandPipeline, Processed, threaded_executor
from gateway.intake.retry import Backoff, FailureLog
from gateway.intake.transactions import TransactionalPublisher
from gateway.intake.verdicts import verdict_of
from gateway.kafka.errors import PublishError
from gateway.outcomes import CommandOutcome
from monitoring.metrics import CommandMetrics

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable, Sequence

    from prometheus_client import CollectorRegistry

    from gateway.agencies import AgencyRegistry
    from gateway.application import ComplaintService
    from gateway.kafka.producer import OutgoingRecord
    from gateway.settings import Settings

logger = logging.getLogger(__name__)

POLL_TIMEOUT_MS = 500

T = TypeVar("T")


class IntakeStoppedError(Exception):
    """The stop event was set while a batch was still being retried."""


class CommandIntake:
    """Reads commands from Kafka and records them; see the module docstring."""

    def __init__(  # noqa: PLR0913 (each collaborator is injected for tests)
        self,
        settings: Settings,
        pipeline: CommandPipeline,
        publisher: TransactionalPublisher,
        metrics: CommandMetrics,
        intake_metrics: IntakeMetrics,
        *,
        group_id: str,
        grants: RedriveGrants | None = None,
    ) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.publisher = publisher
        self.metrics = metrics
        self.intake_metrics = intake_metrics
        self.group_id = group_id
        self.grants = grants

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; raise only on an unrecoverable error."""
        consumer = self._consumer()
        try:
            await self._retrying("Connecting the intake consumer", consumer.start, stop)
            logger.info(
                "Command intake %s started on %s",
                self.settings.intake_instance,
                self.settings.topics.commands,
            )
            while not stop.is_set():
                records = await self._poll(consumer, stop)
                if records:
                    await self.handle(records, stop)
        except IntakeStoppedError:
            logger.info("Command intake stopped while retrying; nothing was lost")
        finally:
            await consumer.stop()
            await self.publisher.stop()
            logger.info("Command intake %s stopped", self.settings.intake_instance)

    async def handle(self, records: Sequence[Inbound], stop: asyncio.Event) -> None:
        """Record, report and commit one poll's records."""
        self.intake_metrics.records_read.inc(len(records))
        processed = await self._retrying(
            "Recording commands", lambda: self._process(records), stop
        )
        outgoing = self._outgoing(records, processed)
        offsets = _next_offsets(records)
        await self._retrying(
            "Publishing results and committing offsets",
            lambda: self.publisher.publish(outgoing, offsets, self.group_id),
            stop,
        )
        self._log_batch(processed)

    async def _process(self, records: Sequence[Inbound]) -> list[Processed]:
        requests = []
        undecodable: dict[int, Processed] = {}
        for index, inbound in enumerate(records):
            try:
                requests.append(command_request(inbound, self.grants))
            except UndecodableMessageError as exc:
                self.pipeline.count_failure(exc)
                undecodable[index] = Processed(None, None, exc)
        decided = iter(await self.pipeline.process(requests))
        return [undecodable.get(i) or next(decided) for i in range(len(records))]

    def _outgoing(
        self, records: Sequence[Inbound], processed: Sequence[Processed]
    ) -> list[OutgoingRecord]:
        topics = self.settings.topics
        outgoing = []
        for inbound, item in zip(records, processed, strict=True):
            if item.system is not None:
                outgoing.append(
                    result_record(inbound, item, topic=topics.command_results)
                )
                self.intake_metrics.results_published.inc()
            if isinstance(item.result, Exception):
                outgoing.append(
                    dead_letter(
                        inbound,
                        item,
                        item.result,
                        topic=topics.commands_dead_letter,
                        grants=self.grants,
                    )
                )
                self._note_dead_letter(inbound, item)
        return outgoing

    def _note_dead_letter(self, inbound: Inbound, item: Processed) -> None:
        assert isinstance(item.result, Exception)  # noqa: S101 (callers check)
        code = verdict_of(item.result, item.command).code
        self.metrics.dead_lettered.labels(code).inc()
        logger.warning(
            "Dead-lettered record %s/%d/%d (command %s): %s",
            inbound.topic,
            inbound.partition,
            inbound.offset,
            command_id_of(inbound, item),
            code,
        )

    def _log_batch(self, processed: Sequence[Processed]) -> None:
        outcomes: Counter[str] = Counter()
        for item in processed:
            if isinstance(item.result, CommandOutcome):
                outcomes["duplicate" if item.result.duplicate else "accepted"] += 1
            else:
                outcomes["rejected"] += 1
        logger.info(
            "Processed %d commands: %d accepted, %d duplicate, %d rejected",
            len(processed),
            outcomes["accepted"],
            outcomes["duplicate"],
            outcomes["rejected"],
        )

    async def _poll(
        self, consumer: AIOKafkaConsumer, stop: asyncio.Event
    ) -> list[Inbound]:
        batches = await self._retrying(
            "Polling the command topic",
            lambda: consumer.getmany(
                timeout_ms=POLL_TIMEOUT_MS,
                max_records=self.settings.intake_batch_size,
            ),
            stop,
        )
        return [
            Inbound.of(record)
            for partition in sorted(batches, key=lambda tp: tp.partition)
            for record in batches[partition]
        ]

    async def _retrying(
        self, operation: str, call: Callable[[], Awaitable[T]], stop: asyncio.Event
    ) -> T:
        failures = FailureLog(logger, operation)
        backoff = Backoff()
        while True:
            try:
                result = await call()
            except (StoreUnavailableError, KafkaError, PublishError) as exc:
                if isinstance(exc, PublishError) and not exc.retriable:
                    raise
                failures.failed(exc)
                self.intake_metrics.retries.labels(_operation_label(exc)).inc()
                if not await backoff.wait(stop):
                    raise IntakeStoppedError(operation) from exc
                continue
            failures.recovered()
            return result

    def _consumer(self) -> AIOKafkaConsumer:
        instance = self.settings.intake_instance
        return AIOKafkaConsumer(
            self.settings.topics.commands,
            bootstrap_servers=self.settings.kafka_bootstrap,
            group_id=self.group_id,
            group_instance_id=f"{self.group_id}.{instance}",
            client_id=f"lapor-command-intake-{instance}",
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_poll_records=self.settings.intake_batch_size,
        )


def _next_offsets(records: Sequence[Inbound]) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = {}
    for inbound in records:
        partition = TopicPartition(inbound.topic, inbound.partition)
        offsets[partition] = max(offsets.get(partition, 0), inbound.offset + 1)
    return offsets


def _operation_label(exc: Exception) -> str:
    return "store" if isinstance(exc, StoreUnavailableError) else "kafka"


async def run_intake(
    settings: Settings,
    registry: AgencyRegistry,
    service: ComplaintService,
    metrics_registry: CollectorRegistry,
    stop: asyncio.Event,
) -> None:
    """Run the command intake until ``stop`` is set."""
    metrics = service.metrics or CommandMetrics(metrics_registry)
    key = settings.intake_redrive_key
    grants = None if key is None else RedriveGrants(key.get_secret_value().encode())
    if grants is None:
        logger.warning(
            "LAPOR_INTAKE_REDRIVE_KEY is not set: re-driven dead letters will be "
            "rejected as unauthenticated until their agencies send them again"
        )
    intake = CommandIntake(
        settings,
        CommandPipeline(registry, threaded_executor(service), metrics),
        TransactionalPublisher(
            settings.kafka_bootstrap,
            transactional_id=f"lapor-command-intake-{settings.intake_instance}",
            client_id=f"lapor-command-intake-{settings.intake_instance}",
        ),
        metrics,
        IntakeMetrics(metrics_registry),
        group_id=settings.intake_group,
        grants=grants,
    )
    await intake.run(stop)

"""Helpers for the runner and status tests: views, records, publishing, the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from events.codec import KafkaMessage, encode_kafka
from monitoring.projections import ProjectionMetrics
from projections.runner import (
    BatchAccounting,
    BatchApplier,
    IncomingRecord,
    StoreLocation,
    TrackingTables,
    create_store_engine,
    create_tables,
    sqlite_location,
)
from projections.status import StatusProjection

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy import Engine

    from events.envelope import Envelope
    from projections.runner import PoisonRecord

ROOT = Path(__file__).resolve().parents[3]
CLI_TIMEOUT_SECONDS = 120


@dataclass
class CollectedDeadLetters:
    """A dead-letter sink that keeps what it is given, for tests without Kafka."""

    published: list[PoisonRecord] = field(default_factory=list)
    closed: int = 0

    async def publish(self, poison: Sequence[PoisonRecord]) -> None:
        self.published.extend(poison)

    async def close(self) -> None:
        self.closed += 1


@dataclass
class View:
    """A status view in one database, with an applier and fresh metrics."""

    location: StoreLocation
    engine: Engine
    projection: StatusProjection
    tracking: TrackingTables
    dead_letters: CollectedDeadLetters
    applier: BatchApplier
    registry: CollectorRegistry
    accounting: BatchAccounting

    def metric(self, name: str, **labels: str) -> float | None:
        return self.registry.get_sample_value(name, {"projection": "status", **labels})

    def dispose(self) -> None:
        self.engine.dispose()


def open_view(location: StoreLocation) -> View:
    projection = StatusProjection()
    tracking = TrackingTables(projection.name)
    engine = create_store_engine(location, writer=True)
    create_tables(engine, location, projection.metadata, tracking.metadata)
    dead_letters = CollectedDeadLetters()
    applier = BatchApplier(projection, engine, tracking, dead_letters)
    registry = CollectorRegistry()
    accounting = BatchAccounting(applier, ProjectionMetrics(registry, projection.name))
    return View(
        location,
        engine,
        projection,
        tracking,
        dead_letters,
        applier,
        registry,
        accounting,
    )


def sqlite_view(folder: Path, name: str = "status") -> View:
    return open_view(sqlite_location(folder / f"{name}.sqlite"))


def records_of(
    messages: Iterable[KafkaMessage | Envelope],
    *,
    topic: str = "events",
    partition: int = 0,
    first_offset: int = 0,
) -> list[IncomingRecord]:
    """Return consumed-record stand-ins with consecutive offsets."""
    records = []
    for offset, message in enumerate(messages, start=first_offset):
        encoded = (
            message if isinstance(message, KafkaMessage) else encode_kafka(message)
        )
        records.append(
            IncomingRecord(
                topic=topic,
                partition=partition,
                offset=offset,
                key=encoded.key,
                value=encoded.value,
                headers=encoded.headers,
                timestamp_ms=1_700_000_000_000 + offset,
            )
        )
    return records


def partition_of(key: bytes, partitions: int) -> int:
    return zlib.crc32(key) % partitions


async def publish(
    bootstrap: str,
    topic: str,
    messages: Iterable[KafkaMessage],
    *,
    partitions: int,
) -> int:
    """Publish messages keyed by complaint; one complaint stays in one partition."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=1024 * 1024,
    )
    await producer.start()
    count = 0
    try:
        pending = []
        for message in messages:
            pending.append(
                await producer.send(
                    topic,
                    key=message.key,
                    value=message.value,
                    headers=list(message.headers),
                    partition=partition_of(message.key, partitions),
                )
            )
            count += 1
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return count


def runner_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "projections.runner", *arguments]


def run_cli(
    *arguments: str, timeout: float = CLI_TIMEOUT_SECONDS
) -> subprocess.CompletedProcess[str]:
    """Run the runner's CLI to completion in a child process."""
    return subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        runner_command(*arguments),
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

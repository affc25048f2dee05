"""The parts the main job runs in one event loop: topics, relay, API, projections.

Each ``run_*`` coroutine runs its part until ``stop`` is set. Blocking work
(the store, the projection databases) runs in worker threads inside the parts
themselves, so the parts share the loop with the imports, which run in a
thread of their own.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn

from events.codec import decode_json
from gateway.api.app import create_app
from gateway.kafka.producer import ReliableProducer
from gateway.kafka.topics import ensure_topics
from gateway.publishing import EventRecordBuilder
from gateway.relay import Relay
from mainjob.metrics import ProjectionMetricsSet
from monitoring.audit import AuditMetrics
from monitoring.metrics import RelayMetrics
from projections.audit.api import build_router as audit_router
from projections.audit.projection import AuditProjection
from projections.audit.signing import load_signer
from projections.performance.api import performance_router
from projections.performance.projection import PerformanceProjection
from projections.runner import (
    BatchAccounting,
    BatchApplier,
    KafkaDeadLetters,
    ProjectionRunner,
    RunnerConfig,
    StoreLocation,
    TrackingTables,
    create_store_engine,
    create_tables,
    sqlite_location,
)
from projections.status.api import status_router
from projections.status.projection import StatusProjection

if TYPE_CHECKING:
    from uuid import UUID

    from fastapi import FastAPI
    from sqlalchemy import Engine

    from events.envelope import Envelope
    from gateway.processes import Runtime
    from mainjob.plan import RunPlan
    from mainjob.provision import Provisioned
    from projections.base import Projection

logger = logging.getLogger(__name__)

HTTP_HOST = "127.0.0.1"
CHECKPOINT_INTERVAL = 1000
"""Digested events per partition between two signed audit checkpoints."""


async def create_run_topics(
    runtime: Runtime, plan: RunPlan, provisioned: Provisioned
) -> list[str]:
    """Create this run's topics: events, commands, dead letters, feeds, checkpoints."""
    settings = runtime.settings
    topics = settings.topics
    bootstrap = settings.kafka_bootstrap
    main = [topics.events, topics.commands, topics.commands_dead_letter]
    main += [topics.command_results, plan.dead_letter_topic]
    created = await ensure_topics(
        bootstrap,
        main,
        partitions=settings.topic_partitions,
        replication=settings.topic_replication,
    )
    created += await ensure_topics(
        bootstrap,
        [topics.agency_feed(agency) for agency in provisioned.feed_agencies],
        partitions=settings.feed_partitions,
        replication=settings.topic_replication,
    )
    # One partition keeps the checkpoints of the run in the order they were taken.
    created += await ensure_topics(
        bootstrap, [plan.checkpoints_topic], partitions=1, replication=1
    )
    return created


def build_relay(
    runtime: Runtime, feed_agencies: tuple[str, ...]
) -> tuple[Relay, ReliableProducer, EventRecordBuilder]:
    """Return the relay with feed topics for ``feed_agencies`` only."""
    service = runtime.service
    settings = runtime.settings

    def history(complaint_id: UUID, up_to: int) -> list[Envelope]:
        stored = service.recorder.select_events(complaint_id, lte=up_to)
        return [decode_json(event.state).envelope for event in stored]

    builder = EventRecordBuilder(
        settings.topics, history=history, feed_agencies=frozenset(feed_agencies)
    )
    producer = ReliableProducer(settings.kafka_bootstrap, client_id="lapor-relay")
    relay = Relay(
        service.store,
        service.recorder,
        builder,
        producer,
        RelayMetrics(runtime.metrics),
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
    )
    return relay, producer, builder


async def run_relay(
    relay: Relay, producer: ReliableProducer, stop: asyncio.Event
) -> None:
    await producer.start()
    try:
        await relay.run(stop)
    finally:
        await producer.stop()


@dataclass
class ProjectionPart:
    """One projection with its database and live runner."""

    name: str
    location: StoreLocation
    engine: Engine
    tracking: TrackingTables
    runner: ProjectionRunner
    task: asyncio.Task[None] | None = None

    def runner_task_failed(self) -> bool:
        """Return whether the runner's task ended, which it does only on an error."""
        return self.task is not None and self.task.done()


def build_projections(
    runtime: Runtime, plan: RunPlan, provisioned: Provisioned
) -> list[ProjectionPart]:
    """Return the status, audit and performance projections of this run."""
    signer = load_signer(key_file=provisioned.private_key, key_variable=None)
    metrics_set = ProjectionMetricsSet(runtime.metrics)
    projections: list[Projection] = [
        StatusProjection(),
        AuditProjection(
            signer=signer,
            checkpoint_interval=CHECKPOINT_INTERVAL,
            metrics=AuditMetrics(runtime.metrics),
        ),
        PerformanceProjection(),
    ]
    return [
        _projection_part(projection, runtime, plan, metrics_set)
        for projection in projections
    ]


def _projection_part(
    projection: Projection,
    runtime: Runtime,
    plan: RunPlan,
    metrics_set: ProjectionMetricsSet,
) -> ProjectionPart:
    name = projection.name
    location = sqlite_location(plan.run_dir / "projections" / f"{name}.sqlite")
    tracking = TrackingTables(name)
    engine = create_store_engine(location, writer=True)
    create_tables(engine, location, projection.metadata, tracking.metadata)
    bootstrap = runtime.settings.kafka_bootstrap
    dead_letters = KafkaDeadLetters(
        bootstrap, topic=plan.dead_letter_topic, consumer=f"projection.{name}"
    )
    applier = BatchApplier(projection, engine, tracking, dead_letters)
    config = RunnerConfig(
        bootstrap_servers=bootstrap,
        topic=runtime.settings.topics.events,
        client_id=f"lapor-projection-{name}",
        group_id=f"{plan.topic_prefix}lapor.projection.{name}",
    )
    accounting = BatchAccounting(applier, metrics_set.for_projection(name))
    runner = ProjectionRunner(accounting, config)
    return ProjectionPart(name, location, engine, tracking, runner)


def build_app(runtime: Runtime, parts: list[ProjectionPart]) -> FastAPI:
    """Return the gateway API with the status, audit and performance queries."""
    app = create_app(
        runtime.service,
        runtime.registry,
        runtime.metrics,
        runtime.readiness_checks(),
        max_body_bytes=runtime.settings.max_body_bytes,
    )
    engines = {part.name: part.engine for part in parts}
    registry = runtime.registry
    app.include_router(status_router(engine=engines["status"], agencies=registry))
    app.include_router(performance_router(engines["performance"], registry))
    app.include_router(audit_router(registry=registry, engine=engines["audit"]))
    return app


def bind_http_socket(port: int) -> tuple[socket.socket, bool]:
    """Bind ``port`` on 127.0.0.1, or a free port if it is taken.

    Returns the socket and whether it is on another port than ``port``.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HTTP_HOST, port))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            sock.close()
            raise
        sock.bind((HTTP_HOST, 0))
        return sock, True
    return sock, False


async def run_api(app: FastAPI, sock: socket.socket, stop: asyncio.Event) -> None:
    """Serve ``app`` on the bound socket until ``stop`` is set."""
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopped.cancel()
    await task


async def run_projection(part: ProjectionPart, stop: asyncio.Event) -> None:
    try:
        await part.runner.run(stop)
    finally:
        await asyncio.to_thread(part.engine.dispose)

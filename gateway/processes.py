"""Long-running parts of the gateway, each runnable alone or together.

A ``Runtime`` contains what the parts share in one process: the settings, the
agency registry, the metrics registry and the application service. Each
``run_*`` coroutine runs its part until ``stop`` is set and releases what it
opened; the CLI runs one part per process or several in one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry

from adapters.open311.index import RequestIndex
from adapters.open311.server import Open311Context, create_open311_router
from adapters.sink import InProcessSink
from gateway.api.app import create_app
from gateway.bootstrap import (
    build_relay,
    build_service,
    create_topics,
    load_registry,
)
from gateway.intake.consumer import run_intake as consume_commands
from gateway.ops import (
    create_ops_app,
    kafka_check,
    register_process_metrics,
    serve,
    store_check,
    watch_dependencies,
)
from gateway.scheduler import DeadlineScheduler
from monitoring.metrics import DependencyMetrics, SchedulerMetrics

if TYPE_CHECKING:
    from gateway.agencies import AgencyRegistry
    from gateway.application import Clock, ComplaintService
    from gateway.ops import ReadinessCheck
    from gateway.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The settings, registries and service shared by one process's parts."""

    settings: Settings
    registry: AgencyRegistry
    metrics: CollectorRegistry
    service: ComplaintService

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> Runtime:
        registry = load_registry(settings)
        metrics = CollectorRegistry()
        register_process_metrics(metrics)
        if clock is None:
            service = build_service(settings, registry, metrics)
        else:
            service = build_service(settings, registry, metrics, clock=clock)
        return cls(settings, registry, metrics, service)

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        return {
            "kafka": kafka_check(self.settings.kafka_bootstrap),
            "store": store_check(self.service),
        }

    def close(self) -> None:
        self.service.close()


async def run_ops(runtime: Runtime, stop: asyncio.Event) -> None:
    """Serve ``/metrics`` and the health endpoints of this process."""
    settings = runtime.settings
    checks = runtime.readiness_checks()
    app = create_ops_app(runtime.metrics, checks)
    watcher = asyncio.create_task(
        watch_dependencies(checks, DependencyMetrics(runtime.metrics), stop)
    )
    try:
        await serve(app, settings.ops_host, settings.ops_port, stop)
    finally:
        await watcher


async def run_relay(runtime: Runtime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    await create_topics(settings, runtime.registry)
    relay, producer = build_relay(
        settings, runtime.registry, runtime.service, runtime.metrics
    )
    await producer.start()
    try:
        await relay.run(stop)
    finally:
        await producer.stop()


async def run_api(runtime: Runtime, stop: asyncio.Event) -> None:
    """Serve the HTTP API, with its own /metrics and health endpoints."""
    settings = runtime.settings
    app = create_app(
        runtime.service,
        runtime.registry,
        runtime.metrics,
        runtime.readiness_checks(),
        max_body_bytes=settings.max_body_bytes,
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    index = RequestIndex(f"sqlite:///{settings.data_dir / 'open311-index.sqlite'}")
    open311 = Open311Context(
        service=runtime.service,
        registry=runtime.registry,
        sink=InProcessSink(runtime.service, runtime.registry),
        index=index,
    )
    app.include_router(create_open311_router(open311))
    try:
        await serve(app, settings.http_host, settings.http_port, stop)
    finally:
        index.close()


async def run_intake(runtime: Runtime, stop: asyncio.Event) -> None:
    """Consume the command topic until ``stop`` is set."""
    await create_topics(runtime.settings, runtime.registry)
    await consume_commands(
        runtime.settings, runtime.registry, runtime.service, runtime.metrics, stop
    )


async def run_scheduler(runtime: Runtime, stop: asyncio.Event) -> None:
    scheduler = DeadlineScheduler(runtime.service, SchedulerMetrics(runtime.metrics))
    await scheduler.run(stop, poll_seconds=runtime.settings.scheduler_poll_seconds)

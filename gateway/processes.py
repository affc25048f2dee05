"""Long-running parts of the gateway, each runnable alone or together.

Each ``run_*`` coroutine builds its part from the settings, runs it until
``stop`` is set, and releases what it opened. ``serve`` runs several in one
process; the CLI runs one per process when they are deployed apart.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from gateway.bootstrap import (
    build_relay,
    build_service,
    create_topics,
    load_registry,
)
from gateway.scheduler import DeadlineScheduler
from monitoring.metrics import SchedulerMetrics

if TYPE_CHECKING:
    import asyncio

    from prometheus_client import CollectorRegistry

    from gateway.application import Clock
    from gateway.settings import Settings

logger = logging.getLogger(__name__)


async def run_relay(
    settings: Settings, metrics_registry: CollectorRegistry, stop: asyncio.Event
) -> None:
    registry = load_registry(settings)
    service = build_service(settings, registry, metrics_registry)
    await create_topics(settings, registry)
    relay, producer = build_relay(settings, registry, service, metrics_registry)
    await producer.start()
    try:
        await relay.run(stop)
    finally:
        await producer.stop()
        service.close()


async def run_scheduler(
    settings: Settings,
    metrics_registry: CollectorRegistry,
    stop: asyncio.Event,
    *,
    clock: Clock | None = None,
) -> None:
    registry = load_registry(settings)
    service = build_service(settings, registry, metrics_registry)
    scheduler = DeadlineScheduler(
        service, SchedulerMetrics(metrics_registry), clock=clock
    )
    try:
        await scheduler.run(stop, poll_seconds=settings.scheduler_poll_seconds)
    finally:
        service.close()

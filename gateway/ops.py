"""Operations endpoints for every long-running process: metrics and health.

``/metrics`` serves the process's registry in the Prometheus text format,
``/health/live`` answers while the event loop runs, and ``/health/ready``
answers 200 only while every readiness check passes (Kafka reachable, the
store reachable), 503 with the failing checks otherwise.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import uvicorn
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    ProcessCollector,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from prometheus_client import CollectorRegistry
    from starlette.requests import Request

    from gateway.application import ComplaintService
    from monitoring.metrics import DependencyMetrics

    ReadinessCheck = Callable[[], Awaitable[None]]

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 3.0


def register_process_metrics(registry: CollectorRegistry) -> None:
    """Add CPU, memory, open files and start time (``process_*``) to ``registry``."""
    ProcessCollector(registry=registry)


def kafka_check(bootstrap_servers: str) -> ReadinessCheck:
    """Return a check that fetches cluster metadata within a bound."""

    async def check() -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            request_timeout_ms=int(CHECK_TIMEOUT_SECONDS * 1000),
        )
        try:
            await asyncio.wait_for(admin.start(), CHECK_TIMEOUT_SECONDS)
            await asyncio.wait_for(admin.list_topics(), CHECK_TIMEOUT_SECONDS)
        except (KafkaError, OSError, TimeoutError) as exc:
            msg = f"Kafka at {bootstrap_servers} is unreachable: {exc!r}"
            raise ConnectionError(msg) from exc
        finally:
            await admin.close()

    return check


def store_check(service: ComplaintService) -> ReadinessCheck:
    """Return a check that reads the store's newest notification id."""

    async def check() -> None:
        try:
            await asyncio.wait_for(
                asyncio.to_thread(service.recorder.max_notification_id),
                CHECK_TIMEOUT_SECONDS,
            )
        except Exception as exc:
            msg = f"the event store is unreachable: {exc!r}"
            raise ConnectionError(msg) from exc

    return check


async def run_checks(checks: Mapping[str, ReadinessCheck]) -> dict[str, str]:
    """Run every check concurrently; return the failures by check name."""
    names = list(checks)
    outcomes = await asyncio.gather(
        *(checks[name]() for name in names), return_exceptions=True
    )
    return {
        name: str(outcome)
        for name, outcome in zip(names, outcomes, strict=True)
        if isinstance(outcome, BaseException)
    }


def create_ops_app(
    registry: CollectorRegistry, checks: Mapping[str, ReadinessCheck]
) -> Starlette:
    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    async def live(_request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def ready(_request: Request) -> Response:
        failures = await run_checks(checks)
        if failures:
            return JSONResponse(
                {"status": "not ready", "failures": failures}, status_code=503
            )
        return JSONResponse({"status": "ready", "checks": sorted(checks)})

    return Starlette(
        routes=[
            Route("/metrics", metrics),
            Route("/health/live", live),
            Route("/health/ready", ready),
        ]
    )


async def watch_dependencies(
    checks: Mapping[str, ReadinessCheck],
    metrics: DependencyMetrics,
    stop: asyncio.Event,
    interval_seconds: float = 15.0,
) -> None:
    """Run the readiness checks every interval and publish them as gauges.

    A failing dependency is logged when it fails and when it recovers, not on
    every check.
    """
    down: set[str] = set()
    while not stop.is_set():
        failures = await run_checks(checks)
        for name in checks:
            metrics.up.labels(name).set(0 if name in failures else 1)
            if name in failures and name not in down:
                logger.error("Dependency %s failed: %s", name, failures[name])
            elif name not in failures and name in down:
                logger.info("Dependency %s recovered", name)
        down = set(failures)
        metrics.checked.set_to_current_time()
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
        except TimeoutError:
            continue


async def serve(app: Starlette, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve ``app`` until ``stop`` is set."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    logger.info("Operations endpoints on http://%s:%d", host, port)
    await stop.wait()
    server.should_exit = True
    await task

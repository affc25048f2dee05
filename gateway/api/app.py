"""The gateway's HTTP API: command intake, complaint reads, health and metrics.

:func:`create_app` builds one FastAPI application from parts passed in, so a
process and every test can build as many as they need. The OpenAPI document
is at ``/openapi.json`` and interactive docs at ``/docs``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from gateway.api import commands, complaints, health
from gateway.api.access import HttpMetrics, RequestLog
from gateway.api.context import ApiContext, ReadinessCheck
from gateway.api.limits import BodySizeLimit
from gateway.api.openapi import install_command_schemas
from gateway.api.problems import install_problem_handlers
from gateway.intake.batcher import MicroBatcher
from gateway.intake.pipeline import CommandPipeline, threaded_executor

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from prometheus_client import CollectorRegistry

    from gateway.agencies import AgencyRegistry
    from gateway.application import ComplaintService

API_VERSION = "1.0.0"
DEFAULT_MAX_BODY_BYTES = 256 * 1024
DEFAULT_MAX_BATCH_COMMANDS = 500


def create_app(  # noqa: PLR0913 (every part is injected; the limits have defaults)
    service: ComplaintService,
    registry: AgencyRegistry,
    metrics_registry: CollectorRegistry,
    readiness_checks: Mapping[str, ReadinessCheck],
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_batch_commands: int = DEFAULT_MAX_BATCH_COMMANDS,
    batch_wait_seconds: float = 0.002,
    batch_max_commands: int = 200,
    readiness_timeout: float = 2.0,
) -> FastAPI:
    """Return the API over ``service``.

    ``readiness_checks`` maps a name (``store``, ``kafka``) to an async check
    that raises when its dependency does not answer. Single commands sent at
    the same time are recorded together, waiting at most
    ``batch_wait_seconds`` for up to ``batch_max_commands`` of them.
    """
    execute = threaded_executor(service)
    batcher = MicroBatcher(
        execute, max_wait=batch_wait_seconds, max_size=batch_max_commands
    )
    context = ApiContext(
        service=service,
        registry=registry,
        pipeline=CommandPipeline(registry, execute, service.metrics),
        batcher=batcher,
        execute_batch=execute,
        metrics_registry=metrics_registry,
        readiness_checks=dict(readiness_checks),
        max_batch_commands=max_batch_commands,
        readiness_timeout=readiness_timeout,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await batcher.aclose()

    app = FastAPI(
        title="SP4N-LAPOR! gateway",
        version=API_VERSION,
        description=(
            "Commands on complaints from agency systems, and what each system "
            "may read of them."
        ),
        lifespan=lifespan,
    )
    app.state.context = context
    app.include_router(commands.router)
    app.include_router(complaints.router)
    app.include_router(health.router)
    install_problem_handlers(app)
    install_command_schemas(app, max_batch_commands)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(RequestLog, metrics=HttpMetrics(metrics_registry))
    return app

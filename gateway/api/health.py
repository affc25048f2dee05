"""Liveness, readiness and the Prometheus metrics endpoint.

``/health/ready`` runs every injected check at once, each bounded by a
timeout, and answers 503 naming the checks that failed; build the checks for
the store and Kafka with :func:`store_check` and :func:`kafka_check`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import anyio.to_thread
from aiokafka import AIOKafkaClient
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.api.context import ReadinessCheck, context_of
from gateway.api.problems import problem_response
from gateway.intake.verdicts import Verdict

if TYPE_CHECKING:
    from gateway.application import ComplaintService

logger = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])

NOT_READY = Verdict(503, "not-ready", "Not ready")
KAFKA_PROBE_TIMEOUT_MS = 2000


@router.get("/health/live", summary="Whether the process runs")
async def live() -> dict[str, str]:
    return {"status": "live"}


@router.get(
    "/health/ready",
    summary="Whether the store and Kafka answer",
    responses={503: {"description": "A dependency did not answer."}},
)
async def ready(request: Request) -> JSONResponse:
    context = context_of(request)
    names = list(context.readiness_checks)
    outcomes = await asyncio.gather(
        *(
            _run_check(name, context.readiness_checks[name], context.readiness_timeout)
            for name in names
        )
    )
    checks = dict(zip(names, outcomes, strict=True))
    failed = sorted(name for name, outcome in checks.items() if outcome != "ok")
    if not failed:
        return JSONResponse({"status": "ready", "checks": checks})
    return problem_response(
        NOT_READY,
        f"not ready: {', '.join(failed)} did not answer; the gateway retries on "
        "its own, check the service named if this persists",
        instance=request.url.path,
        checks=checks,
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    registry = context_of(request).metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def _run_check(name: str, check: ReadinessCheck, seconds: float) -> str:
    try:
        async with asyncio.timeout(seconds):
            await check()
    except TimeoutError:
        logger.warning("Readiness check %s timed out after %.1f s", name, seconds)
        return f"timed out after {seconds:.1f} s"
    except Exception as exc:  # noqa: BLE001 (any failure means not ready)
        logger.warning("Readiness check %s failed: %s", name, type(exc).__name__)
        return f"failed: {type(exc).__name__}"
    return "ok"


def store_check(service: ComplaintService) -> ReadinessCheck:
    """Return a check that reads the newest notification id from the store."""

    async def check() -> None:
        await anyio.to_thread.run_sync(service.recorder.max_notification_id)

    return check


def kafka_check(bootstrap_servers: str) -> ReadinessCheck:
    """Return a check that fetches cluster metadata from ``bootstrap_servers``."""

    async def check() -> None:
        client = AIOKafkaClient(
            bootstrap_servers=bootstrap_servers,
            client_id="lapor-api-readiness",
            request_timeout_ms=KAFKA_PROBE_TIMEOUT_MS,
        )
        try:
            await client.bootstrap()
        finally:
            await client.close()

    return check

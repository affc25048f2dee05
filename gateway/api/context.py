"""The parts one API instance works with, kept on ``app.state`` (no globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from fastapi import Request
    from prometheus_client import CollectorRegistry

    from gateway.agencies import AgencyRegistry, AgencySystem
    from gateway.application import ComplaintService
    from gateway.intake.batcher import MicroBatcher
    from gateway.intake.pipeline import BatchExecutor, CommandPipeline

ReadinessCheck = Callable[[], Awaitable[None]]
"""Returns when a dependency answers; raises when it does not."""


@dataclass(frozen=True, slots=True)
class ApiContext:
    """Everything the endpoints use; built once by ``create_app``."""

    service: ComplaintService
    registry: AgencyRegistry
    pipeline: CommandPipeline
    batcher: MicroBatcher
    execute_batch: BatchExecutor
    metrics_registry: CollectorRegistry
    readiness_checks: Mapping[str, ReadinessCheck]
    max_batch_commands: int
    readiness_timeout: float


def context_of(request: Request) -> ApiContext:
    """Return the context of the app serving ``request``."""
    return cast("ApiContext", request.app.state.context)


def note_system(request: Request, system: AgencySystem) -> None:
    """Remember the authenticated system for the request log line."""
    request.state.system_id = system.id

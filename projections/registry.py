"""The registered projections: a name and a factory that builds one.

The runner's commands and the rebuild benchmark look projections up here by
name. Factories are import paths (``module:attribute``), imported on first
use, so that listing the names imports no projection code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, cast

from projections.runner.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.base import Projection

_FACTORIES: dict[str, str | Callable[[], Projection]] = {
    "status": "projections.status.projection:StatusProjection",
    "audit": "projections.audit.projection:AuditProjection",
    "performance": "projections.performance.projection:PerformanceProjection",
}


def projection_names() -> list[str]:
    """Return the registered names, sorted."""
    return sorted(_FACTORIES)


def register(name: str, factory: Callable[[], Projection]) -> None:
    """Register a projection factory under ``name``, replacing any before it."""
    _FACTORIES[name] = factory


def create_projection(name: str) -> Projection:
    """Build the projection registered as ``name``."""
    factory = _FACTORIES.get(name)
    if factory is None:
        raise ConfigurationError(
            f"no projection is registered as {name!r}; registered: "
            f"{', '.join(projection_names())}"
        )
    if isinstance(factory, str):
        factory = _import(factory)
    projection = factory()
    if projection.name != name:
        raise ConfigurationError(
            f"the factory registered as {name!r} built projection "
            f"{projection.name!r}: register it under its own name"
        )
    return projection


def _import(path: str) -> Callable[[], Projection]:
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    return cast("Callable[[], Projection]", getattr(module, attribute))

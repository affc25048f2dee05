"""Projection metrics of several projections in one process's registry.

``ProjectionMetrics`` creates its metric objects per projection, so two of
them cannot share one registry. Each projection here gets a registry of its
own, and one collector in the process registry merges their metric
families, so ``/metrics`` lists each family once with a sample per
projection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from monitoring.projections import ProjectionMetrics

if TYPE_CHECKING:
    from collections.abc import Iterable


class ProjectionMetricsSet:
    """Creates each projection's metrics and exposes them all in ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registries: dict[str, CollectorRegistry] = {}
        registry.register(_MergedFamilies(self._registries))

    def for_projection(self, name: str) -> ProjectionMetrics:
        own = CollectorRegistry()
        self._registries[name] = own
        return ProjectionMetrics(own, name)


class _MergedFamilies(Collector):
    def __init__(self, registries: dict[str, CollectorRegistry]) -> None:
        self._registries = registries

    def describe(self) -> Iterable[Metric]:
        # Nothing is described up front: the families appear as projections
        # are added, and their names are owned by monitoring.projections.
        return []

    def collect(self) -> Iterable[Metric]:
        merged: dict[str, Metric] = {}
        for registry in self._registries.values():
            for family in registry.collect():
                known = merged.get(family.name)
                if known is None:
                    known = Metric(
                        family.name, family.documentation, family.type, family.unit
                    )
                    merged[family.name] = known
                known.samples.extend(family.samples)
        return list(merged.values())

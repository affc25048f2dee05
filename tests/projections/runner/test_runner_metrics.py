"""The projection metrics: lag series per partition and the halt gauge."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from monitoring.projections import ProjectionMetrics


def lag(registry, partition):
    return registry.get_sample_value(
        "lapor_projection_lag_events",
        {"projection": "status", "partition": str(partition)},
    )


def test_lag_never_negative():
    registry = CollectorRegistry()
    metrics = ProjectionMetrics(registry, "status")
    metrics.set_lag(0, -3)
    assert lag(registry, 0) == 0


def test_revoked_partition_lag_dropped():
    registry = CollectorRegistry()
    metrics = ProjectionMetrics(registry, "status")
    metrics.set_lag(1, 40)
    metrics.set_lag(2, 7)
    metrics.clear_lag(1)
    metrics.clear_lag(5)
    assert lag(registry, 1) is None
    assert lag(registry, 2) == 7


def test_halt_gauges_start_at_zero():
    registry = CollectorRegistry()
    metrics = ProjectionMetrics(registry, "status")
    metrics.halt("conflict")
    values = {
        reason: registry.get_sample_value(
            "lapor_projection_halted", {"projection": "status", "reason": reason}
        )
        for reason in ("sequence_gap", "conflict", "error")
    }
    assert values == {"sequence_gap": 0, "conflict": 1, "error": 0}


def test_unknown_halt_reason_rejected():
    metrics = ProjectionMetrics(CollectorRegistry(), "status")
    with pytest.raises(ValueError, match="not one of"):
        metrics.halt("tired")

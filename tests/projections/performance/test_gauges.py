"""The Prometheus gauges of backlog, overdue clocks and on-time follow-up."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from monitoring.performance import PerformanceMetrics, refresh_performance_gauges
from tests.projections.performance.histories import (
    History,
    apply_all,
    memory_engine,
    wib,
)

BANDUNG = "pemkot-bandung"
JABAR = "pemprov-jabar"
UNKNOWN = "pemkab-garut"
CONFIGURED = (BANDUNG, JABAR)


def histories() -> list[History]:
    return [
        # On time: dispositioned 1 Oct, followed up 2 Oct.
        History(wib(2025, 10, 1))
        .verify(wib(2025, 10, 1, 10))
        .disposition(wib(2025, 10, 1, 11), BANDUNG)
        .follow_up(wib(2025, 10, 2)),
        # Late: no follow-up by 15 Oct, due at the end of 8 Oct.
        History(wib(2025, 10, 1))
        .verify(wib(2025, 10, 1, 10))
        .disposition(wib(2025, 10, 1, 11), BANDUNG),
        # An agency outside the configured set.
        History(wib(2025, 10, 1))
        .verify(wib(2025, 10, 1, 10))
        .disposition(wib(2025, 10, 1, 11), UNKNOWN),
        # Still with the national admin, verification overdue.
        History(wib(2025, 10, 1)),
    ]


def sample(registry, name, **labels):
    return registry.get_sample_value(name, labels)


@pytest.fixture
def refreshed():
    engine = memory_engine()
    apply_all(engine, histories())
    registry = CollectorRegistry()
    metrics = PerformanceMetrics(registry, CONFIGURED)
    with engine.connect() as connection:
        refresh_performance_gauges(metrics, connection, wib(2025, 10, 15))
    return registry, metrics, engine


def test_backlog_by_agency_and_stage(refreshed):
    registry, _, _ = refreshed
    name = "lapor_backlog_complaints"
    assert sample(registry, name, agency=BANDUNG, stage="in_follow_up") == 1.0
    assert sample(registry, name, agency=BANDUNG, stage="dispositioned") == 1.0
    assert sample(registry, name, agency="other", stage="dispositioned") == 1.0
    assert sample(registry, name, agency="none", stage="submitted") == 1.0
    assert sample(registry, name, agency=JABAR, stage="dispositioned") == 0.0
    assert sample(registry, name, agency=UNKNOWN, stage="dispositioned") is None


def test_overdue_by_agency_and_clock(refreshed):
    registry, _, _ = refreshed
    name = "lapor_overdue_complaints"
    assert sample(registry, name, agency=BANDUNG, clock="first_follow_up") == 1.0
    assert sample(registry, name, agency="other", clock="first_follow_up") == 1.0
    assert sample(registry, name, agency="none", clock="verification") == 1.0
    assert sample(registry, name, agency=JABAR, clock="first_follow_up") == 0.0


def test_on_time_ratio_by_agency(refreshed):
    registry, _, _ = refreshed
    name = "lapor_follow_up_within_target_ratio"
    assert sample(registry, name, agency=BANDUNG) == 0.5
    assert sample(registry, name, agency="other") == 0.0
    assert sample(registry, name, agency=JABAR) is None


def test_refresh_time_recorded(refreshed):
    registry, _, _ = refreshed
    value = sample(registry, "lapor_performance_refreshed_timestamp_seconds")
    assert value == wib(2025, 10, 15).timestamp()


def test_later_refresh_removes_stale_labels(refreshed):
    registry, metrics, engine = refreshed
    with engine.connect() as connection:
        refresh_performance_gauges(metrics, connection, wib(2025, 9, 1))
    name = "lapor_overdue_complaints"
    assert sample(registry, name, agency="other", clock="first_follow_up") is None
    assert sample(registry, name, agency=BANDUNG, clock="first_follow_up") == 0.0
    ratio = "lapor_follow_up_within_target_ratio"
    assert sample(registry, ratio, agency=BANDUNG) is None

"""Prometheus metrics of the projection runner, one set per projection.

The ``projection`` label takes the registered projection names only, and
``partition`` the partition numbers of the events topic; ``reason`` is one of
:data:`HALT_REASONS`. A halted runner sets ``lapor_projection_halted`` to 1
for the reason before it exits, which is what the alert rules watch.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge, Histogram

from monitoring.metrics import PREFIX

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

HALT_REASONS = ("sequence_gap", "conflict", "error")
"""Why a runner stopped applying events: a missing event, a conflicting copy of
an applied event, or any other failure it could not retry past."""

BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
"""Batch transaction durations, in seconds."""


class ProjectionMetrics:
    """What one projection's runner applied, skipped, dead-lettered and lags by."""

    def __init__(self, registry: CollectorRegistry, projection: str) -> None:
        self.projection = projection
        labels = ["projection"]
        self.events_applied = Counter(
            f"{PREFIX}_projection_events_applied_total",
            "Events applied to the projection's view.",
            labels,
            registry=registry,
        ).labels(projection)
        self.duplicates_skipped = Counter(
            f"{PREFIX}_projection_duplicates_skipped_total",
            "Events skipped as exact copies of events already applied.",
            labels,
            registry=registry,
        ).labels(projection)
        self.sequence_gaps = Counter(
            f"{PREFIX}_projection_sequence_gaps_total",
            "Events whose complaint sequence skipped ahead; each stops the runner.",
            labels,
            registry=registry,
        ).labels(projection)
        self.conflicts = Counter(
            f"{PREFIX}_projection_conflicts_total",
            "Events that contradict an applied event of the same id or chain.",
            labels,
            registry=registry,
        ).labels(projection)
        self.dead_lettered = Counter(
            f"{PREFIX}_projection_dead_lettered_total",
            "Records that could not be decoded and went to the dead-letter topic.",
            labels,
            registry=registry,
        ).labels(projection)
        self.batch_seconds = Histogram(
            f"{PREFIX}_projection_batch_seconds",
            "Duration of one batch transaction, from decoding to commit.",
            labels,
            buckets=BATCH_BUCKETS,
            registry=registry,
        ).labels(projection)
        self.rebalances = Counter(
            f"{PREFIX}_projection_rebalances_total",
            "Partition assignments received from the consumer group.",
            labels,
            registry=registry,
        ).labels(projection)
        self._lag = Gauge(
            f"{PREFIX}_projection_lag_events",
            "Records between the stored position and the partition's end offset.",
            ["projection", "partition"],
            registry=registry,
        )
        self.last_applied = Gauge(
            f"{PREFIX}_projection_last_applied_timestamp_seconds",
            "Unix time at which the runner last committed a batch.",
            labels,
            registry=registry,
        ).labels(projection)
        self.last_event = Gauge(
            f"{PREFIX}_projection_last_event_timestamp_seconds",
            "Recorded time (Unix) of the newest event applied.",
            labels,
            registry=registry,
        ).labels(projection)
        self._halted = Gauge(
            f"{PREFIX}_projection_halted",
            "1 when the runner stopped applying events for the reason, else 0.",
            ["projection", "reason"],
            registry=registry,
        )
        for reason in HALT_REASONS:
            self._halted.labels(projection, reason).set(0)

    def set_lag(self, partition: int, lag: int) -> None:
        self._lag.labels(self.projection, str(partition)).set(max(lag, 0))

    def clear_lag(self, partition: int) -> None:
        """Drop a partition's lag series once another instance owns the partition."""
        with contextlib.suppress(KeyError):
            self._lag.remove(self.projection, str(partition))

    def halt(self, reason: str) -> None:
        """Raise the halt gauge for ``reason``, one of :data:`HALT_REASONS`."""
        if reason not in HALT_REASONS:
            msg = f"halt reason {reason!r} is not one of {', '.join(HALT_REASONS)}"
            raise ValueError(msg)
        self._halted.labels(self.projection, reason).set(1)

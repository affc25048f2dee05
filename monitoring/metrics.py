"""Prometheus metric definitions, one class per part of the gateway.

Each class registers its metrics on the registry it is given, so a process
passes its own registry and every test a fresh one. Names follow
``lapor_<noun>_<unit>`` with ``_total`` for counters and ``_seconds`` for
durations. Label values come from closed sets only: command and event types,
outcomes, configured agency ids, projection names; never complaint ids or
free text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge, Histogram

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

PREFIX = "lapor"

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5)
"""Command handling latency buckets, in seconds."""


class CommandMetrics:
    """Commands received through any intake, by type, agency and outcome."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter(
            f"{PREFIX}_commands_received_total",
            "Commands received, by command type, acting agency and outcome.",
            ["command_type", "agency", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            f"{PREFIX}_command_handling_seconds",
            "Time from receiving a command to recording its events.",
            ["command_type"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.events_stored = Counter(
            f"{PREFIX}_events_stored_total",
            "Events recorded in the event store, by event type.",
            ["event_type"],
            registry=registry,
        )
        self.dead_lettered = Counter(
            f"{PREFIX}_commands_dead_lettered_total",
            "Commands from the command topic sent to its dead-letter topic.",
            ["reason"],
            registry=registry,
        )


class RelayMetrics:
    """The relay's progress from the event store to Kafka."""

    def __init__(self, registry: CollectorRegistry, relay: str = "events") -> None:
        labels = ["relay"]
        self.events_published = Counter(
            f"{PREFIX}_relay_events_published_total",
            "Stored events the relay has published and recorded as published.",
            labels,
            registry=registry,
        ).labels(relay)
        self.records_published = Counter(
            f"{PREFIX}_relay_records_published_total",
            "Kafka records published, events topic and agency feeds together.",
            labels,
            registry=registry,
        ).labels(relay)
        self.publish_failures = Counter(
            f"{PREFIX}_relay_publish_failures_total",
            "Batches the relay failed to publish and will retry.",
            labels,
            registry=registry,
        ).labels(relay)
        self.lag_events = Gauge(
            f"{PREFIX}_relay_lag_events",
            "Stored events not yet published: newest notification id minus position.",
            labels,
            registry=registry,
        ).labels(relay)
        self.lag_seconds = Gauge(
            f"{PREFIX}_relay_lag_seconds",
            "Age of the oldest stored event not yet published.",
            labels,
            registry=registry,
        ).labels(relay)


class SchedulerMetrics:
    """The deadline scheduler's escalations and automatic closings."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.commands_issued = Counter(
            f"{PREFIX}_scheduler_commands_issued_total",
            "Escalation and auto-close commands the scheduler issued, by clock.",
            ["clock", "outcome"],
            registry=registry,
        )
        self.due_deadlines = Gauge(
            f"{PREFIX}_scheduler_due_deadlines",
            "Deadlines found due in the scheduler's last pass.",
            registry=registry,
        )


class DependencyMetrics:
    """Whether this process reaches what it depends on, from its readiness checks."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.up = Gauge(
            f"{PREFIX}_dependency_up",
            "1 while the last readiness check of a dependency passed, else 0.",
            ["dependency"],
            registry=registry,
        )
        self.checked = Gauge(
            f"{PREFIX}_dependency_checked_timestamp_seconds",
            "When the dependencies were last checked, as a Unix time.",
            registry=registry,
        )

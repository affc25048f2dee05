"""Prometheus metrics of the agency adapters: webhook push, Open311 and SQL polling.

Label values come from closed sets: ``agency`` from the configured agencies,
``outcome`` and ``reason`` from the tuples below, ``adapter`` from
:data:`POLL_ADAPTERS`. No event id, complaint id or agency status text ever
becomes a label value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge, Histogram

from monitoring.metrics import PREFIX

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

DELIVERY_OUTCOMES = ("delivered", "retried", "dead_lettered", "skipped")
"""How a webhook delivery settled: delivered on the first attempt, delivered
after retries, dead-lettered, or skipped as already delivered."""

DELIVERY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
    300,
)
"""Seconds from handing an event to its worker until it is delivered."""


class WebhookMetrics:
    """Deliveries, retries, dead letters and latency per destination agency."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.deliveries = Counter(
            f"{PREFIX}_webhook_deliveries_total",
            "Feed events settled by the webhook adapter, by agency and outcome.",
            ["agency", "outcome"],
            registry=registry,
        )
        self.retries = Counter(
            f"{PREFIX}_webhook_retries_total",
            "Attempts that failed and were scheduled again, by agency.",
            ["agency"],
            registry=registry,
        )
        self.attempts = Counter(
            f"{PREFIX}_webhook_attempts_total",
            "HTTP attempts by agency and result class (2xx, 4xx, 5xx, error).",
            ["agency", "result"],
            registry=registry,
        )
        self.dead_letters = Gauge(
            f"{PREFIX}_webhook_dead_letters",
            "Events dead-lettered and not re-driven yet, by agency.",
            ["agency"],
            registry=registry,
        )
        self.queued = Gauge(
            f"{PREFIX}_webhook_queued_events",
            "Events handed to an agency's worker and not settled yet.",
            ["agency"],
            registry=registry,
        )
        self.paused = Gauge(
            f"{PREFIX}_webhook_paused",
            "1 while an agency's feed partitions are paused because its queue is full.",
            ["agency"],
            registry=registry,
        )
        self.latency = Histogram(
            f"{PREFIX}_webhook_delivery_seconds",
            "Time from handing an event to its worker until it is delivered.",
            ["agency"],
            buckets=DELIVERY_BUCKETS,
            registry=registry,
        )

    def attempt(self, agency: str, status: int | None) -> None:
        """Count one HTTP attempt under its result class."""
        result = "error" if status is None else f"{status // 100}xx"
        self.attempts.labels(agency, result).inc()


POLL_ADAPTERS = ("sqlpoll", "open311")
"""The polling adapters: SQL table polling and the Open311 client."""

CHANGE_OUTCOMES = (
    "applied",
    "duplicate",
    "unchanged",
    "unmapped",
    "backward",
    "not_held",
    "unsupported",
    "unknown_complaint",
    "rejected",
    "malformed",
)
"""What became of one change read from an agency system; see ``docs/adapters.md``."""

POLL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
"""Seconds one poll takes, from the first read to the saved watermark."""


class PollMetrics:
    """Polls, changes and commands of the polling adapters, by agency.

    ``adapter`` is one of :data:`POLL_ADAPTERS`. The mapping package counts
    unmapped and backward statuses by mapping source in its own metrics.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.polls = Counter(
            f"{PREFIX}_adapter_polls_total",
            "Polls of an agency system, by adapter, agency and outcome (ok, failed).",
            ["adapter", "agency", "outcome"],
            registry=registry,
        )
        self.changes = Counter(
            f"{PREFIX}_adapter_changes_total",
            "Changes read from an agency system, by adapter, agency and outcome.",
            ["adapter", "agency", "outcome"],
            registry=registry,
        )
        self.commands = Counter(
            f"{PREFIX}_adapter_commands_total",
            "Commands sent for changes, by adapter, agency and result "
            "(accepted, duplicate, rejected).",
            ["adapter", "agency", "result"],
            registry=registry,
        )
        self.watermark = Gauge(
            f"{PREFIX}_adapter_watermark_timestamp_seconds",
            "Source time up to which an agency system has been read (Unix time).",
            ["adapter", "agency"],
            registry=registry,
        )
        self.poll_seconds = Histogram(
            f"{PREFIX}_adapter_poll_seconds",
            "Duration of one poll, by adapter.",
            ["adapter"],
            buckets=POLL_BUCKETS,
            registry=registry,
        )

"""Metrics of the Kafka command intake, beyond the command counts every intake keeps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter

from monitoring.metrics import PREFIX

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry


class IntakeMetrics:
    """Records read and published by the command intake, and its retries."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.records_read = Counter(
            f"{PREFIX}_intake_records_read_total",
            "Records read from the command topic (re-deliveries included).",
            registry=registry,
        )
        self.results_published = Counter(
            f"{PREFIX}_intake_results_published_total",
            "Command results published to the results topic.",
            registry=registry,
        )
        self.retries = Counter(
            f"{PREFIX}_intake_retries_total",
            "Attempts the intake retried after a failure, by the part that failed.",
            ["operation"],
            registry=registry,
        )

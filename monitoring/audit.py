"""Prometheus metrics of the audit trail: chain verifications and checkpoints.

Label values come from closed sets. A verification's ``check`` is ``event``
for the running check as each event arrives, or ``history`` for a full
verification on request, and its ``result`` is ``valid`` or ``faulty``.
Partition labels are the events topic's partition numbers, which the topic's
configuration bounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge

from monitoring.metrics import PREFIX

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry


class AuditMetrics:
    """Hash-chain verifications and signed checkpoints."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.chain_verifications = Counter(
            f"{PREFIX}_audit_chain_verifications_total",
            "Hash-chain checks, by check (event or history) and result.",
            ["check", "result"],
            registry=registry,
        )
        self.checkpoints_signed = Counter(
            f"{PREFIX}_audit_checkpoints_signed_total",
            "Checkpoints the audit projection signed and stored.",
            registry=registry,
        )
        self.checkpoints_published = Counter(
            f"{PREFIX}_audit_checkpoints_published_total",
            "Signed checkpoints published to the checkpoints topic.",
            registry=registry,
        )
        self.last_checkpoint_offset = Gauge(
            f"{PREFIX}_audit_last_checkpoint_offset",
            "Next offset to read of each events partition in the last checkpoint.",
            ["partition"],
            registry=registry,
        )
        self.last_checkpoint_time = Gauge(
            f"{PREFIX}_audit_last_checkpoint_timestamp_seconds",
            "Unix time at which the last checkpoint was taken.",
            registry=registry,
        )

    def verified(self, check: str, *, valid: bool) -> None:
        """Count one chain check of kind ``check`` (``event`` or ``history``)."""
        result = "valid" if valid else "faulty"
        self.chain_verifications.labels(check=check, result=result).inc()

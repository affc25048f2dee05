"""Counters of source statuses that a mapping did not apply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

OTHER_AGENCY = "other"
"""Agency label of every agency outside the configured set."""


class MappingMetrics:
    """Statuses left unapplied, by source (``adapter``) and agency.

    ``adapter`` is the mapping's source name, one per mapping file; ``agency``
    is a configured agency id or ``other``, so both label sets are closed.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.unmapped = Counter(
            "lapor_adapter_unmapped_status_total",
            "Source statuses with no mapping; each changed nothing.",
            ["adapter", "agency"],
            registry=registry,
        )
        self.backward = Counter(
            "lapor_adapter_backward_status_total",
            "Mapped statuses ignored because they would move a complaint back.",
            ["adapter", "agency"],
            registry=registry,
        )

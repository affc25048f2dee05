"""The values each metric label takes, for the catalogue and the metrics reference.

Closed sets come from the constants that define them where such a constant
exists (event types, clocks, stages, outcomes, problem codes). The other lists
are written here. Labels whose values come from configuration (agency ids,
route templates, partitions) have a meaning and an example instead of a list.
"""

from __future__ import annotations

import typing

from pydantic import model_validator

from adapters.sink import SinkStatus
from events.envelope import event_type_of
from events.payloads import EVENT_TYPES
from events.values import FrozenModel
from gateway.api.access import METHODS
from gateway.complaint.commands import AnyCommand
from gateway.deadlines import ClockName
from gateway.intake.verdicts import CODES
from monitoring.adapters import CHANGE_OUTCOMES, DELIVERY_OUTCOMES, POLL_ADAPTERS
from monitoring.performance import NO_AGENCY, OTHER_AGENCY
from monitoring.projections import HALT_REASONS
from projections.performance.backlog import STAGES
from projections.registry import projection_names

ANY_FAMILY = "*"
"""Family key of a label description that applies wherever the label appears."""

COMMAND_OUTCOMES = (
    "accepted",
    "duplicate",
    "conflict",
    "unauthorised",
    "rejected",
    "invalid",
    "failed",
)
"""Labels of ``gateway.outcomes.outcome_label`` and of the intake's early failures."""


class LabelDomain(FrozenModel):
    """The values one label takes: a closed list, or a meaning and an example."""

    meaning: str
    values: tuple[str, ...] = ()
    example: str = ""

    @model_validator(mode="after")
    def _has_sample(self) -> LabelDomain:
        if not self.values and not self.example:
            msg = f"label domain {self.meaning!r} needs values or an example"
            raise ValueError(msg)
        return self

    @property
    def sample(self) -> str:
        """A representative value, for expositions and tests."""
        return self.values[0] if self.values else self.example


def command_types() -> tuple[str, ...]:
    """Return the command class names, plus ``unknown`` for undecodable commands."""
    union = typing.get_args(AnyCommand)[0]
    return (*(command.__name__ for command in typing.get_args(union)), "unknown")


def label_domains() -> dict[tuple[str, str], LabelDomain]:
    """Return label descriptions keyed by (family name or ``*``, label name)."""
    return {**_shared_domains(), **_family_domains()}


def _shared_domains() -> dict[tuple[str, str], LabelDomain]:
    # NOTE: the lists for relay, dependency and operation repeat string literals
    # of gateway.bootstrap, gateway.processes and gateway.intake.consumer, and
    # no test compares them.
    domains = {
        "agency": LabelDomain(
            meaning=f"A configured agency id, or `{OTHER_AGENCY}` for any other.",
            example="pemkot-bandung",
        ),
        "command_type": LabelDomain(
            meaning="Command class name.", values=command_types()
        ),
        "event_type": LabelDomain(
            meaning="CloudEvents type of the stored event.",
            values=tuple(event_type_of(model) for model in EVENT_TYPES),
        ),
        "relay": LabelDomain(meaning="Relay name.", values=("events",)),
        "clock": LabelDomain(
            meaning="Deadline clock.", values=tuple(clock.value for clock in ClockName)
        ),
        "dependency": LabelDomain(
            meaning="Readiness check.", values=("kafka", "store")
        ),
        "projection": LabelDomain(
            meaning="Registered projection name.", values=tuple(projection_names())
        ),
        "partition": LabelDomain(
            meaning="Partition number of the events topic.", example="0"
        ),
        "stage": LabelDomain(
            meaning="Open complaint status.",
            values=tuple(stage.value for stage in STAGES),
        ),
        "method": LabelDomain(
            meaning="HTTP method, `other` for any method outside the list.",
            values=(*sorted(METHODS), "other"),
        ),
        "route": LabelDomain(
            meaning="Route template of the HTTP API, or `unmatched`.",
            example="/v1/commands",
        ),
        "status": LabelDomain(meaning="HTTP response status code.", example="200"),
        "operation": LabelDomain(
            meaning="The part whose failure the intake retried.",
            values=("kafka", "store"),
        ),
    }
    return {(ANY_FAMILY, name): domain for name, domain in domains.items()}


def _family_domains() -> dict[tuple[str, str], LabelDomain]:
    performance_agency = LabelDomain(
        meaning=(
            f"A configured agency id, `{OTHER_AGENCY}` for any other, or "
            f"`{NO_AGENCY}` while the national admin holds the complaint."
        ),
        example="pemkot-bandung",
    )
    command_outcome = LabelDomain(
        meaning="How the command ended.", values=COMMAND_OUTCOMES
    )
    return {
        ("lapor_commands_received", "outcome"): command_outcome,
        ("lapor_scheduler_commands_issued", "outcome"): command_outcome,
        ("lapor_commands_dead_lettered", "reason"): LabelDomain(
            meaning="Problem code of the failure.", values=tuple(sorted(CODES))
        ),
        ("lapor_projection_halted", "reason"): LabelDomain(
            meaning="Why the runner stopped.", values=HALT_REASONS
        ),
        ("lapor_audit_chain_verifications", "check"): LabelDomain(
            meaning="Running check per event, or full history check on request.",
            values=("event", "history"),
        ),
        ("lapor_audit_chain_verifications", "result"): LabelDomain(
            meaning="Whether the chain held.", values=("valid", "faulty")
        ),
        ("lapor_backlog_complaints", "agency"): performance_agency,
        ("lapor_overdue_complaints", "agency"): performance_agency,
        ("lapor_follow_up_within_target_ratio", "agency"): performance_agency,
        ("lapor_webhook_deliveries", "outcome"): LabelDomain(
            meaning="How the delivery settled.", values=DELIVERY_OUTCOMES
        ),
        ("lapor_webhook_attempts", "result"): LabelDomain(
            meaning="HTTP status class of the response, `error` when none arrived.",
            values=("2xx", "3xx", "4xx", "5xx", "error"),
        ),
        **_adapter_domains(),
    }


def _adapter_domains() -> dict[tuple[str, str], LabelDomain]:
    poll_adapter = LabelDomain(meaning="Polling adapter.", values=POLL_ADAPTERS)
    mapping_source = LabelDomain(
        meaning="Source name of a status mapping file (config/mappings).",
        example="open311",
    )
    return {
        ("lapor_adapter_polls", "adapter"): poll_adapter,
        ("lapor_adapter_polls", "outcome"): LabelDomain(
            meaning="Whether the poll finished.", values=("ok", "failed")
        ),
        ("lapor_adapter_changes", "adapter"): poll_adapter,
        ("lapor_adapter_changes", "outcome"): LabelDomain(
            meaning="What became of the change.", values=CHANGE_OUTCOMES
        ),
        ("lapor_adapter_commands", "adapter"): poll_adapter,
        ("lapor_adapter_commands", "result"): LabelDomain(
            meaning="What the gateway did with the command.",
            values=tuple(status.value for status in SinkStatus),
        ),
        ("lapor_adapter_watermark_timestamp_seconds", "adapter"): poll_adapter,
        ("lapor_adapter_poll_seconds", "adapter"): poll_adapter,
        ("lapor_adapter_unmapped_status", "adapter"): mapping_source,
        ("lapor_adapter_backward_status", "adapter"): mapping_source,
    }

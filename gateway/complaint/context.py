"""The action context: actor, times, trace ids and policy, shared by every action."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import StringConstraints, model_validator

from events.envelope import Actor, SourceUri
from events.timestamps import Timestamp
from events.values import FrozenModel, Role, ShortText
from gateway.complaint.policy import DEFAULT_POLICY, LifecyclePolicy

Identifier = Annotated[str, StringConstraints(pattern=r"^[!-~]{1,128}$")]
"""A command, correlation or causation id: 1 to 128 visible ASCII characters."""


class ActionContext(FrozenModel):
    """The actor, the times and the trace ids of one action on a complaint.

    ``occurred_at`` is when the action happened at the source and
    ``recorded_at`` when the gateway records it. ``reporter_ref`` is the
    pseudonymous reference of the reporter taking the action; it is required
    when the actor's role is reporter and ignored otherwise.
    """

    actor: Actor
    occurred_at: Timestamp
    recorded_at: Timestamp
    correlation_id: Identifier
    causation_id: Identifier
    source: SourceUri | None = None
    """CloudEvents ``source`` of the event; ``None`` derives it from the agency."""
    reporter_ref: ShortText | None = None
    policy: LifecyclePolicy = DEFAULT_POLICY

    @model_validator(mode="after")
    def _require_reporter_ref(self) -> Self:
        if self.actor.role is Role.REPORTER and self.reporter_ref is None:
            msg = (
                "reporter_ref is missing: an action by a reporter must name the "
                "reporter's pseudonymous reference"
            )
            raise ValueError(msg)
        return self

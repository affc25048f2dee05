"""Exceptions of the complaint lifecycle, all under one root.

::

    ComplaintError                  root: the complaint rules rejected something
    ├── ActionRejectedError         an action was rejected; nothing was recorded
    │   ├── NotAuthorisedError      wrong role, not the holder, not the reporter
    │   ├── TransitionRejectedError the complaint's status or the policy forbids it
    │   ├── InvalidActionError      the action's fields contradict the complaint
    │   ├── OutOfOrderActionError   dated before the last event, or in the future
    │   └── VersionConflictError    the complaint changed since the caller read it
    ├── InvalidHistoryError         envelopes do not form one complaint's history
    └── CommandTargetError          a command names no complaint, or the wrong one

``ActionRejectedError`` carries each part of its message as an attribute:
``complaint_id``, ``status``, ``action``, ``actor`` and ``reason``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uuid import UUID

    from events.envelope import Actor
    from gateway.complaint.state import Status
    from gateway.complaint.transitions import Action


class ComplaintError(Exception):
    """Root of the complaint lifecycle's exceptions."""

    retriable: bool = False
    """Whether the same command may succeed if sent again after reloading."""


def describe_actor(actor: Actor) -> str:
    """Return ``agency/role``, with ``(unit …)`` when the actor acts for a unit."""
    text = f"{actor.agency}/{actor.role}"
    if actor.unit is not None:
        text += f" (unit {actor.unit})"
    return text


class ActionRejectedError(ComplaintError):
    """An action on a complaint was rejected; the complaint did not change.

    ``status`` is ``None`` when the complaint did not exist yet (a submission).
    """

    def __init__(
        self,
        *,
        complaint_id: UUID,
        status: Status | None,
        action: Action,
        actor: Actor,
        reason: str,
    ) -> None:
        self.complaint_id = complaint_id
        self.status = status
        self.action = action
        self.actor = actor
        self.reason = reason
        where = "is new" if status is None else f"is in state '{status}'"
        super().__init__(
            f"complaint {complaint_id} {where}: action '{action}' by "
            f"{describe_actor(actor)} is rejected because {reason}"
        )


class NotAuthorisedError(ActionRejectedError):
    """The actor's role, agency, unit or reporter reference may not do this."""


class TransitionRejectedError(ActionRejectedError):
    """The action is not allowed in the complaint's status or by the policy."""


class InvalidActionError(ActionRejectedError):
    """The action's fields contradict the complaint (same agency twice, no change)."""


class OutOfOrderActionError(ActionRejectedError):
    """The action is dated before the complaint's last event, or in the future."""


class VersionConflictError(ActionRejectedError):
    """The complaint's version differs from the command's ``expected_version``."""

    retriable = True


class InvalidHistoryError(ComplaintError):
    """A list of envelopes is not one complaint's complete, chained history."""

    def __init__(self, message: str, *, complaint_id: str | None = None) -> None:
        super().__init__(message)
        self.complaint_id = complaint_id


class CommandTargetError(ComplaintError):
    """A command was applied to no complaint, to an existing one, or to another one."""

    def __init__(self, message: str, *, complaint_id: UUID | None) -> None:
        super().__init__(message)
        self.complaint_id = complaint_id

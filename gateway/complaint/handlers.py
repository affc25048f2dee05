"""The one entry point that applies any command to its complaint.

The HTTP and Kafka intakes both call :func:`handle`; loading and saving the
aggregate stays with the caller, so the rules here run without I/O.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from uuid import UUID, uuid5

from gateway.complaint.aggregate import Complaint
from gateway.complaint.commands import ComplaintActionCommand, SubmitComplaint
from gateway.complaint.context import ActionContext
from gateway.complaint.errors import CommandTargetError, VersionConflictError
from gateway.complaint.policy import DEFAULT_POLICY, LifecyclePolicy

if TYPE_CHECKING:
    from datetime import datetime

    from gateway.complaint.commands import ComplaintCommand

logger = logging.getLogger(__name__)

SUBMISSION_NAMESPACE = UUID("6f0b3c52-8d2e-5a41-9c7e-2b4f1d0a8e63")
"""UUID namespace of the complaint ids derived from a submission's command id."""


def submission_complaint_id(command: SubmitComplaint) -> UUID:
    """Return the complaint id of a submission: its own, or one derived from it.

    The derived id is a UUID 5 of the sending agency and the command id, so
    the same submission sent twice names the same complaint.
    """
    if command.complaint_id is not None:
        return command.complaint_id
    return uuid5(SUBMISSION_NAMESPACE, f"{command.actor.agency}/{command.command_id}")


def handle(
    command: ComplaintCommand,
    complaint: Complaint | None,
    *,
    recorded_at: datetime,
    policy: LifecyclePolicy = DEFAULT_POLICY,
) -> Complaint:
    """Apply ``command`` and return the complaint with the new event pending.

    ``complaint`` is ``None`` for a ``SubmitComplaint`` and the loaded
    complaint otherwise. Raises ``CommandTargetError`` when that does not hold
    and an ``ActionRejectedError`` when the rules reject the action, in which
    case ``complaint`` is unchanged.
    """
    context = ActionContext(
        actor=command.actor,
        occurred_at=command.occurred_at,
        recorded_at=recorded_at,
        correlation_id=command.correlation_id,
        causation_id=command.command_id,
        source=command.source,
        reporter_ref=command.reporter_ref,
        policy=policy,
    )
    if isinstance(command, SubmitComplaint):
        result = _submit(command, complaint, context)
    elif isinstance(command, ComplaintActionCommand):
        result = _act(command, complaint, context)
    else:
        msg = f"{type(command).__name__} is not a complaint command this handler knows"
        raise TypeError(msg)
    logger.debug(
        "Applied %s %s to complaint %s, now at version %d",
        type(command).__name__,
        command.command_id,
        result.id,
        result.version,
    )
    return result


def _submit(
    command: SubmitComplaint, complaint: Complaint | None, context: ActionContext
) -> Complaint:
    complaint_id = submission_complaint_id(command)
    if complaint is not None:
        raise CommandTargetError(
            f"complaint {complaint.id} already exists: command {command.command_id} "
            "submits a new complaint; send an action command instead",
            complaint_id=complaint.id,
        )
    if command.expected_version not in {None, 0}:
        raise VersionConflictError(
            complaint_id=complaint_id,
            status=None,
            action=command.action,
            actor=command.actor,
            reason=(
                f"the command expects version {command.expected_version}, but the "
                "complaint does not exist yet (version 0); send expected_version 0 "
                "or none"
            ),
        )
    return Complaint.submit(
        context,
        complaint_id=complaint_id,
        reporter_ref=command.reporter_ref,
        **command.action_fields(),  # type: ignore[arg-type]
    )


def _act(
    command: ComplaintActionCommand, complaint: Complaint | None, context: ActionContext
) -> Complaint:
    if complaint is None:
        raise CommandTargetError(
            f"complaint {command.complaint_id} was not found: check the id, or "
            "submit the complaint first",
            complaint_id=command.complaint_id,
        )
    if complaint.id != command.complaint_id:
        raise CommandTargetError(
            f"command {command.command_id} names complaint {command.complaint_id} "
            f"but was applied to complaint {complaint.id}: load the named complaint",
            complaint_id=command.complaint_id,
        )
    expected = command.expected_version
    if expected is not None and expected != complaint.version:
        raise VersionConflictError(
            complaint_id=complaint.id,
            status=complaint.status,
            action=command.action,
            actor=command.actor,
            reason=(
                f"the command expects version {expected}, but the complaint is at "
                f"version {complaint.version}; reload it and decide again"
            ),
        )
    method = getattr(complaint, command.action.value)
    method(context, **command.action_fields())
    return complaint

"""Rules of single actions beyond the transition table, as reason strings.

Each function returns why the action is rejected, or ``None`` if it may go on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from events.timestamps import require_aware
from events.values import ArchiveReason, Role
from gateway.complaint.state import Status

if TYPE_CHECKING:
    from datetime import datetime

    from events.values import DeadlineClock, PrivacyFlags
    from gateway.complaint.context import ActionContext
    from gateway.complaint.state import ComplaintState
    from gateway.deadlines import DueDates

_ADMIN_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN})


def auto_close_reason(due_dates: DueDates | None, occurred_at: datetime) -> str | None:
    """Reject an automatic close before the auto-close clock has run out.

    Without a running auto-close clock (no rule set covers the complaint) the
    scheduler's decision is accepted.
    """
    due = None if due_dates is None else due_dates.auto_close_due
    return _early_reason("auto-close", due, occurred_at, "closes")


def archive_reason(
    state: ComplaintState,
    reason: ArchiveReason,
    context: ActionContext,
    due_dates: DueDates | None,
) -> str | None:
    """Reject an archive whose reason does not fit, or a system archive too early."""
    if context.actor.role is Role.SYSTEM:
        return _system_archive_reason(due_dates, reason, context.occurred_at)
    pending = state.status is Status.PENDING
    if reason is ArchiveReason.PENDING_NOT_COMPLETED and not pending:
        return (
            "the reason pending_not_completed applies only to a pending "
            "complaint; choose another reason"
        )
    return None


def _system_archive_reason(
    due_dates: DueDates | None, reason: ArchiveReason, occurred_at: datetime
) -> str | None:
    # Without a running pending-archive clock the scheduler's decision is accepted.
    if reason is not ArchiveReason.PENDING_NOT_COMPLETED:
        return (
            f"the system archives only for the reason pending_not_completed, "
            f"not {reason}"
        )
    due = None if due_dates is None else due_dates.pending_archive_due
    return _early_reason("pending-archive", due, occurred_at, "archives")


def _early_reason(
    clock: str, due: datetime | None, occurred_at: datetime, verb: str
) -> str | None:
    if due is None or occurred_at >= due:
        return None
    return (
        f"the {clock} clock runs until {due.isoformat()}; the system {verb} a "
        "complaint only after that"
    )


def escalation_reason(
    clock: DeadlineClock, due_at: datetime, occurred_at: datetime
) -> str | None:
    """Reject an escalation of a clock that is not yet overdue."""
    if require_aware(due_at) <= occurred_at:
        return None
    return (
        f"the {clock} clock falls due at {due_at.isoformat()}, after the escalation "
        f"at {occurred_at.isoformat()}; escalate only overdue clocks"
    )


def unchanged_flags_reason(previous: PrivacyFlags, flags: PrivacyFlags) -> str | None:
    """Reject a privacy change that changes nothing."""
    if flags != previous:
        return None
    return (
        f"the flags are already anonymous={previous.anonymous}, "
        f"confidential={previous.confidential}; send a change"
    )


def clearing_flags_reason(
    previous: PrivacyFlags, flags: PrivacyFlags, context: ActionContext
) -> str | None:
    """Reject an admin clearing anonim or rahasia unless the policy allows it."""
    if context.actor.role not in _ADMIN_ROLES:
        return None
    if context.policy.admins_may_clear_privacy_flags:
        return None
    clears = (previous.anonymous and not flags.anonymous) or (
        previous.confidential and not flags.confidential
    )
    if not clears:
        return None
    return (
        "the lifecycle policy lets only the reporter clear anonim or rahasia; "
        "an admin may only set them"
    )


def erasure_reason(state: ComplaintState) -> str:
    """Say why the reporter's identity cannot be erased."""
    if state.identity_key_id is None:
        return "the complaint has no sealed reporter identity to erase"
    return "the reporter's identity was already erased"

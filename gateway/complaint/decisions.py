"""Checks that decide whether an action may be recorded, in a fixed order.

Order: the action's times, the actor's role, the actor's relation to the
complaint (scope), the complaint's status, then the policy switches. The
first broken rule raises; nothing is recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from events.values import Role
from gateway.complaint.errors import (
    ActionRejectedError,
    NotAuthorisedError,
    OutOfOrderActionError,
    TransitionRejectedError,
)
from gateway.complaint.state import Status
from gateway.complaint.transitions import (
    Action,
    PolicySwitch,
    Scope,
    Transition,
    find_transition,
    roles_for,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from uuid import UUID

    from gateway.complaint.context import ActionContext
    from gateway.complaint.state import ComplaintState

_STATUS_HINTS = {
    Status.CLOSED: "the complaint is closed; reopen it first",
    Status.DELETED: (
        "the complaint was deleted at verification; submit a new complaint instead"
    ),
    Status.ARCHIVED: "the complaint is archived; submit a new complaint instead",
}


def reject(
    error: type[ActionRejectedError],
    state: ComplaintState,
    action: Action,
    context: ActionContext,
    reason: str,
) -> NoReturn:
    """Raise ``error`` about ``action`` on the complaint in ``state``."""
    raise error(
        complaint_id=state.complaint_id,
        status=state.status,
        action=action,
        actor=context.actor,
        reason=reason,
    )


def check_submission(
    complaint_id: UUID, context: ActionContext, reporter_ref: str, target: str | None
) -> None:
    """Raise unless the actor may submit this complaint.

    A reporter submits only under their own reference; an agency admin keys in
    a complaint only for its own agency.
    """
    problem = _submission_problem(context, reporter_ref, target)
    if problem is None:
        return
    error, reason = problem
    raise error(
        complaint_id=complaint_id,
        status=None,
        action=Action.SUBMIT,
        actor=context.actor,
        reason=reason,
    )


def _submission_problem(
    context: ActionContext, reporter_ref: str, target: str | None
) -> tuple[type[ActionRejectedError], str] | None:
    actor = context.actor
    future = _future_reason(context)
    if future is not None:
        return OutOfOrderActionError, future
    if find_transition(Action.SUBMIT, actor.role) is None:
        return NotAuthorisedError, _role_reason(Action.SUBMIT, actor.role)
    if actor.role is Role.REPORTER and context.reporter_ref != reporter_ref:
        reason = "a reporter may submit only under their own reporter reference"
        return NotAuthorisedError, reason
    if actor.role is Role.AGENCY_ADMIN and target != actor.agency:
        reason = (
            "an agency admin keys in complaints only for its own agency: set "
            f"target_agency to {actor.agency}"
        )
        return NotAuthorisedError, reason
    return None


def check_action(
    state: ComplaintState, action: Action, context: ActionContext
) -> Transition:
    """Return the row that allows ``action``; raise the first rule it breaks."""
    _check_times(state, action, context)
    row = find_transition(action, context.actor.role)
    if row is None:
        reject(
            NotAuthorisedError,
            state,
            action,
            context,
            _role_reason(action, context.actor.role),
        )
    scope_reason = _scope_reason(row.scope, state, context)
    if scope_reason is not None:
        reject(NotAuthorisedError, state, action, context, scope_reason)
    if state.status not in row.sources:
        reject(
            TransitionRejectedError,
            state,
            action,
            context,
            _status_reason(row, state.status),
        )
    policy_reason = _policy_reason(row.switch, state, context)
    if policy_reason is not None:
        reject(TransitionRejectedError, state, action, context, policy_reason)
    return row


def _check_times(state: ComplaintState, action: Action, context: ActionContext) -> None:
    occurred_at = context.occurred_at
    if occurred_at < state.last_occurred_at:
        reject(
            OutOfOrderActionError,
            state,
            action,
            context,
            f"it occurred at {_show(occurred_at)}, before the complaint's last event "
            f"at {_show(state.last_occurred_at)}; send actions in the order they "
            "happened",
        )
    if context.recorded_at < state.last_recorded_at:
        reject(
            OutOfOrderActionError,
            state,
            action,
            context,
            f"it is recorded at {_show(context.recorded_at)}, before the last event "
            f"was recorded at {_show(state.last_recorded_at)}; check the gateway "
            "clock",
        )
    future = _future_reason(context)
    if future is not None:
        reject(OutOfOrderActionError, state, action, context, future)


def _future_reason(context: ActionContext) -> str | None:
    skew = context.policy.clock_skew
    if context.occurred_at <= context.recorded_at + skew:
        return None
    return (
        f"it occurred at {_show(context.occurred_at)}, more than {skew} after it "
        f"was recorded at {_show(context.recorded_at)}; check the source system's "
        "clock"
    )


def _role_reason(action: Action, role: Role) -> str:
    allowed = " or ".join(sorted(roles_for(action)))
    return f"the role {role} may not {action}; only {allowed} may"


def _scope_reason(
    scope: Scope, state: ComplaintState, context: ActionContext
) -> str | None:
    return _SCOPE_CHECKS[scope](state, context)


def _any_actor(_state: ComplaintState, _context: ActionContext) -> str | None:
    return None


def _own_complaint(state: ComplaintState, context: ActionContext) -> str | None:
    if context.reporter_ref == state.reporter_ref:
        return None
    return "the reporter reference is not the complaint's reporter"


def _unheld(state: ComplaintState, _context: ActionContext) -> str | None:
    if state.holder is None:
        return None
    return (
        f"agency {state.holder} holds the complaint, so its admin acts on it; "
        "the national admin can redisposition it"
    )


def _holding_agency(state: ComplaintState, context: ActionContext) -> str | None:
    if state.holder == context.actor.agency:
        return None
    return _not_holder_reason(state.holder, context.actor.agency)


def _forwarded_unit(state: ComplaintState, context: ActionContext) -> str | None:
    reason = _holding_agency(state, context)
    if reason is not None:
        return reason
    unit = context.actor.unit
    if unit is None:
        return "a unit liaison must name its unit"
    if state.unit is None:
        return f"agency {state.holder} has not forwarded the complaint to a unit"
    if state.unit != unit:
        return f"agency {state.holder} forwarded the complaint to unit {state.unit}"
    return None


_SCOPE_CHECKS: dict[Scope, Callable[[ComplaintState, ActionContext], str | None]] = {
    Scope.ANY: _any_actor,
    Scope.OWN_COMPLAINT: _own_complaint,
    Scope.UNHELD: _unheld,
    Scope.HOLDING_AGENCY: _holding_agency,
    Scope.FORWARDED_UNIT: _forwarded_unit,
}


def _not_holder_reason(holder: str | None, agency: str) -> str:
    if holder is None:
        return "no agency holds the complaint; it is with the national admin"
    return f"agency {holder} holds the complaint, not {agency}"


def _status_reason(row: Transition, status: Status) -> str:
    hint = _STATUS_HINTS.get(status)
    if hint is not None:
        return hint
    ordered = sorted(row.sources, key=list(Status).index)
    allowed = ", ".join(f"'{source}'" for source in ordered)
    if len(row.sources) == 1:
        return f"{row.action} by a {row.role} needs the state {allowed}"
    return f"{row.action} by a {row.role} needs one of the states {allowed}"


def _policy_reason(
    switch: PolicySwitch | None, state: ComplaintState, context: ActionContext
) -> str | None:
    if switch is PolicySwitch.SIDEWAYS_REDISPOSITION:
        if context.policy.agency_may_redisposition_sideways:
            return None
        return (
            "the lifecycle policy does not let an agency hand a complaint to "
            "another agency; decline it (bukan wewenang) so that the national "
            "admin re-dispositions it"
        )
    if switch is PolicySwitch.REOPEN:
        return _reopen_reason(state, context)
    if switch is PolicySwitch.SYSTEM_ARCHIVE:
        if context.policy.system_archives_expired_pending:
            return None
        return "the lifecycle policy leaves archiving a pending complaint to an admin"
    return None


def _reopen_reason(state: ComplaintState, context: ActionContext) -> str | None:
    policy = context.policy
    if context.actor.role not in policy.reopen_roles:
        if not policy.reopen_roles:
            return "the lifecycle policy does not allow reopening"
        allowed = " or ".join(sorted(policy.reopen_roles))
        return f"the lifecycle policy lets only {allowed} reopen a complaint"
    if policy.max_reopens is not None and state.reopens >= policy.max_reopens:
        return (
            f"it was reopened {state.reopens} times, the lifecycle policy's limit; "
            "submit a new complaint instead"
        )
    window = policy.reopen_window
    closed_at = state.closed_at
    if closed_at is None or window is None:
        return None
    if context.occurred_at - closed_at <= window:
        return None
    return (
        f"it was closed at {_show(closed_at)}, more than {window} before; "
        "the reopen window has passed, so submit a new complaint instead"
    )


def _show(moment: datetime) -> str:
    return moment.isoformat()

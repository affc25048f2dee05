"""The lifecycle transition table: which role may take which action, and where.

Each row allows one role to take one action from a set of statuses, under a
scope that ties the actor to the complaint, and names the status the action
leads to (``None``: the status stays). There is at most one row per action
and role; an action with no row for the actor's role is not authorised.
"""

from __future__ import annotations

from enum import StrEnum

from events.values import FrozenModel, Role
from gateway.complaint.state import OPEN_STATUSES, Status

__all__ = [
    "TRANSITIONS",
    "Action",
    "PolicySwitch",
    "Scope",
    "Transition",
    "find_transition",
    "roles_for",
]


class Action(StrEnum):
    """Actions on a complaint, named like the aggregate's command methods."""

    SUBMIT = "submit"
    VERIFY = "verify"
    SET_PENDING = "set_pending"
    COMPLETE = "complete"
    DELETE = "delete"
    ARCHIVE = "archive"
    DISPOSITION = "disposition"
    DECLINE = "decline"
    REDISPOSITION = "redisposition"
    FORWARD_TO_UNIT = "forward_to_unit"
    RECORD_FOLLOW_UP = "record_follow_up"
    POST_RESPONSE = "post_response"
    REPLY = "reply"
    RECORD_SATISFACTION = "record_satisfaction"
    CLOSE = "close"
    REOPEN = "reopen"
    ESCALATE = "escalate"
    CHANGE_PRIVACY_FLAGS = "change_privacy_flags"
    ERASE_REPORTER_IDENTITY = "erase_reporter_identity"


class Scope(StrEnum):
    """Relation the actor must have to the complaint, besides the role."""

    ANY = "any"
    """No condition: the national admin acts globally, the system on any."""
    UNHELD = "unheld"
    """No agency holds the complaint: it is with the national admin."""
    HOLDING_AGENCY = "holding_agency"
    """The actor's agency holds the complaint."""
    FORWARDED_UNIT = "forwarded_unit"
    """The actor's agency holds it and forwarded it to the actor's unit."""
    OWN_COMPLAINT = "own_complaint"
    """The actor's reporter reference is the complaint's reporter."""


class PolicySwitch(StrEnum):
    """A ``LifecyclePolicy`` switch that must allow a row before it applies."""

    REOPEN = "reopen"
    SIDEWAYS_REDISPOSITION = "sideways_redisposition"
    SYSTEM_ARCHIVE = "system_archive"


class Transition(FrozenModel):
    """One row of the table."""

    action: Action
    role: Role
    sources: frozenset[Status]
    """Statuses the action is allowed from; empty for a submission."""
    scope: Scope
    target: Status | None
    """Status after the action; ``None`` keeps the status."""
    switch: PolicySwitch | None = None


S = Status
R = Role
A = Action
ANY, UNHELD, HOLDING, UNIT, OWN = (
    Scope.ANY,
    Scope.UNHELD,
    Scope.HOLDING_AGENCY,
    Scope.FORWARDED_UNIT,
    Scope.OWN_COMPLAINT,
)
REOPEN = PolicySwitch.REOPEN
SIDEWAYS = PolicySwitch.SIDEWAYS_REDISPOSITION
EXPIRED = PolicySwitch.SYSTEM_ARCHIVE

NEW: frozenset[Status] = frozenset()
UNVERIFIED = frozenset({S.SUBMITTED})
PENDING = frozenset({S.PENDING})
VERIFIED = frozenset({S.VERIFIED})
HANDLING = frozenset({S.DISPOSITIONED, S.IN_UNIT, S.IN_FOLLOW_UP})
UNIT_WORK = frozenset({S.IN_UNIT, S.IN_FOLLOW_UP})
NATIONAL_ARCHIVE = frozenset({S.SUBMITTED, S.PENDING, S.VERIFIED, S.DECLINED})
AGENCY_ARCHIVE = frozenset({S.SUBMITTED, S.PENDING, S.DISPOSITIONED})
DECLINABLE = frozenset({S.SUBMITTED, S.DISPOSITIONED, S.IN_UNIT})
INTERVENTION = HANDLING | {S.DECLINED}
RECEIVED = frozenset({S.DISPOSITIONED, S.IN_UNIT})
ANSWERED = frozenset({S.RESPONDED})
NATIONAL_CLOSE = HANDLING | ANSWERED
CLOSED = frozenset({S.CLOSED})
ANY_STATUS = frozenset(Status)

_Row = (
    tuple[Action, Role, frozenset[Status], Scope, Status | None]
    | tuple[Action, Role, frozenset[Status], Scope, Status | None, PolicySwitch]
)

# fmt: off
_ROWS: tuple[_Row, ...] = (
    # Submission: by the reporter, or keyed in by an admin.
    (A.SUBMIT, R.REPORTER, NEW, OWN, S.SUBMITTED),
    (A.SUBMIT, R.NATIONAL_ADMIN, NEW, ANY, S.SUBMITTED),
    (A.SUBMIT, R.AGENCY_ADMIN, NEW, ANY, S.SUBMITTED),
    # Verification outcomes, by the national admin or by the chosen agency.
    (A.VERIFY, R.NATIONAL_ADMIN, UNVERIFIED, UNHELD, S.VERIFIED),
    (A.VERIFY, R.AGENCY_ADMIN, UNVERIFIED, HOLDING, S.DISPOSITIONED),
    (A.SET_PENDING, R.NATIONAL_ADMIN, UNVERIFIED, UNHELD, S.PENDING),
    (A.SET_PENDING, R.AGENCY_ADMIN, UNVERIFIED, HOLDING, S.PENDING),
    (A.COMPLETE, R.REPORTER, PENDING, OWN, S.SUBMITTED),
    (A.DELETE, R.NATIONAL_ADMIN, UNVERIFIED, UNHELD, S.DELETED),
    (A.DELETE, R.AGENCY_ADMIN, UNVERIFIED, HOLDING, S.DELETED),
    (A.ARCHIVE, R.NATIONAL_ADMIN, NATIONAL_ARCHIVE, UNHELD, S.ARCHIVED),
    (A.ARCHIVE, R.AGENCY_ADMIN, AGENCY_ARCHIVE, HOLDING, S.ARCHIVED),
    (A.ARCHIVE, R.SYSTEM, PENDING, ANY, S.ARCHIVED, EXPIRED),
    # Moves between agencies.
    (A.DISPOSITION, R.NATIONAL_ADMIN, VERIFIED, UNHELD, S.DISPOSITIONED),
    (A.DECLINE, R.AGENCY_ADMIN, DECLINABLE, HOLDING, S.DECLINED),
    (A.REDISPOSITION, R.NATIONAL_ADMIN, INTERVENTION, ANY, S.DISPOSITIONED),
    (A.REDISPOSITION, R.AGENCY_ADMIN, RECEIVED, HOLDING, S.DISPOSITIONED, SIDEWAYS),
    # Handling inside the holding agency.
    (A.FORWARD_TO_UNIT, R.AGENCY_ADMIN, HANDLING, HOLDING, S.IN_UNIT),
    (A.RECORD_FOLLOW_UP, R.AGENCY_ADMIN, HANDLING, HOLDING, S.IN_FOLLOW_UP),
    (A.RECORD_FOLLOW_UP, R.UNIT_LIAISON, UNIT_WORK, UNIT, S.IN_FOLLOW_UP),
    (A.POST_RESPONSE, R.AGENCY_ADMIN, HANDLING, HOLDING, S.RESPONDED),
    (A.POST_RESPONSE, R.UNIT_LIAISON, UNIT_WORK, UNIT, S.RESPONDED),
    # The reporter's reactions to a response.
    (A.REPLY, R.REPORTER, ANSWERED, OWN, S.IN_FOLLOW_UP),
    (A.RECORD_SATISFACTION, R.REPORTER, ANSWERED | CLOSED, OWN, None),
    # Closing (explicit, or automatic by the system) and reopening.
    (A.CLOSE, R.REPORTER, ANSWERED, OWN, S.CLOSED),
    (A.CLOSE, R.AGENCY_ADMIN, ANSWERED, HOLDING, S.CLOSED),
    (A.CLOSE, R.NATIONAL_ADMIN, NATIONAL_CLOSE, ANY, S.CLOSED),
    (A.CLOSE, R.SYSTEM, ANSWERED, ANY, S.CLOSED),
    (A.REOPEN, R.REPORTER, CLOSED, OWN, S.IN_FOLLOW_UP, REOPEN),
    (A.REOPEN, R.NATIONAL_ADMIN, CLOSED, ANY, S.IN_FOLLOW_UP, REOPEN),
    (A.REOPEN, R.AGENCY_ADMIN, CLOSED, HOLDING, S.IN_FOLLOW_UP, REOPEN),
    # Deadline escalation by the gateway's scheduler (which also closes and
    # archives, in the rows above).
    (A.ESCALATE, R.SYSTEM, OPEN_STATUSES, ANY, None),
    # Privacy, on a complaint in any status.
    (A.CHANGE_PRIVACY_FLAGS, R.REPORTER, ANY_STATUS, OWN, None),
    (A.CHANGE_PRIVACY_FLAGS, R.NATIONAL_ADMIN, ANY_STATUS, ANY, None),
    (A.CHANGE_PRIVACY_FLAGS, R.AGENCY_ADMIN, ANY_STATUS, HOLDING, None),
    (A.ERASE_REPORTER_IDENTITY, R.REPORTER, ANY_STATUS, OWN, None),
    (A.ERASE_REPORTER_IDENTITY, R.NATIONAL_ADMIN, ANY_STATUS, ANY, None),
)
# fmt: on


def _transition(row: _Row) -> Transition:
    action, role, sources, scope, target, *switch = row
    return Transition(
        action=action,
        role=role,
        sources=sources,
        scope=scope,
        target=target,
        switch=switch[0] if switch else None,
    )


TRANSITIONS: tuple[Transition, ...] = tuple(_transition(row) for row in _ROWS)
"""Every allowed (action, role) pair; anything else is rejected."""


def _index(rows: tuple[Transition, ...]) -> dict[tuple[Action, Role], Transition]:
    index: dict[tuple[Action, Role], Transition] = {}
    for row in rows:
        key = (row.action, row.role)
        if key in index:
            msg = f"the transition table has two rows for {row.action} by {row.role}"
            raise ValueError(msg)
        index[key] = row
    return index


_BY_ACTION_AND_ROLE = _index(TRANSITIONS)


def find_transition(action: Action, role: Role) -> Transition | None:
    """Return the row that allows ``role`` to take ``action``, if there is one."""
    return _BY_ACTION_AND_ROLE.get((action, role))


def roles_for(action: Action) -> frozenset[Role]:
    """Return the roles that have a row for ``action``."""
    return frozenset(row.role for row in TRANSITIONS if row.action is action)

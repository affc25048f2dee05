"""Each row of the transition table, and each action by each actor in each status."""

from __future__ import annotations

import copy

import pytest

from events.values import Role
from gateway.complaint import (
    TRANSITIONS,
    Action,
    ActionRejectedError,
    LifecyclePolicy,
    NotAuthorisedError,
    PolicySwitch,
    Scope,
    Status,
    Transition,
    TransitionRejectedError,
)
from gateway.complaint.transitions import find_transition
from tests.complaint.builders import (
    AGENCY,
    FOREIGN_AGENCY,
    FOREIGN_LIAISON,
    LIAISON,
    NATIONAL,
    OTHER_REPORTER_REF,
    OTHER_UNIT_LIAISON,
    PERMISSIVE,
    REPORTER,
    REPORTER_REF,
    SYSTEM,
    Clock,
    action_context,
    can_build,
    complaint_in,
    envelopes_of,
    perform,
    rejection_parts,
    snapshot,
)

ROLE_ACTORS = {
    Role.REPORTER: REPORTER,
    Role.NATIONAL_ADMIN: NATIONAL,
    Role.AGENCY_ADMIN: AGENCY,
    Role.UNIT_LIAISON: LIAISON,
    Role.SYSTEM: SYSTEM,
}

EVENT_NAMES = {
    Action.VERIFY: "complaint.verified",
    Action.SET_PENDING: "complaint.set_pending",
    Action.COMPLETE: "complaint.completed",
    Action.DELETE: "complaint.deleted",
    Action.ARCHIVE: "complaint.archived",
    Action.DISPOSITION: "complaint.dispositioned",
    Action.DECLINE: "complaint.declined",
    Action.REDISPOSITION: "complaint.redispositioned",
    Action.FORWARD_TO_UNIT: "complaint.forwarded_to_unit",
    Action.RECORD_FOLLOW_UP: "complaint.follow_up_recorded",
    Action.POST_RESPONSE: "complaint.response_posted",
    Action.REPLY: "complaint.reporter_replied",
    Action.RECORD_SATISFACTION: "complaint.satisfaction_recorded",
    Action.CLOSE: "complaint.closed",
    Action.REOPEN: "complaint.reopened",
    Action.ESCALATE: "complaint.escalated",
    Action.CHANGE_PRIVACY_FLAGS: "complaint.privacy_flags_changed",
    Action.ERASE_REPORTER_IDENTITY: "complaint.reporter_identity_erased",
}

LATER_ACTIONS = [action for action in Action if action is not Action.SUBMIT]

ACTORS = [
    (REPORTER, REPORTER_REF),
    (REPORTER, OTHER_REPORTER_REF),
    (NATIONAL, None),
    (AGENCY, None),
    (FOREIGN_AGENCY, None),
    (LIAISON, None),
    (OTHER_UNIT_LIAISON, None),
    (FOREIGN_LIAISON, None),
    (SYSTEM, None),
]
"""Actors of every role, related and unrelated to the test complaints."""

HOLDER_SCOPES = {Scope.HOLDING_AGENCY, Scope.FORWARDED_UNIT}


def _holder_for(row: Transition, source: Status) -> bool | None:
    """Return whether the row's actor needs a held complaint; ``None``: impossible."""
    if row.scope is Scope.UNHELD:
        return False if can_build(source, held=False) else None
    if row.scope in HOLDER_SCOPES:
        return True if can_build(source, held=True) else None
    return not can_build(source, held=False)


def _rows_and_sources(*, possible: bool) -> list[object]:
    cases = []
    for row in TRANSITIONS:
        if row.action is Action.SUBMIT:
            continue
        for source in sorted(row.sources):
            if (_holder_for(row, source) is not None) is possible:
                case_id = f"{row.action}-{row.role}-{source}"
                cases.append(pytest.param(row, source, id=case_id))
    return cases


@pytest.mark.parametrize(("row", "source"), _rows_and_sources(possible=True))
def test_allowed_transition(row, source):
    clock = Clock()
    complaint = complaint_in(source, clock, held=bool(_holder_for(row, source)))
    actor = ROLE_ACTORS[row.role]
    version = complaint.version
    context = action_context(clock, row.action, actor, policy=PERMISSIVE)

    perform(complaint, row.action, context)

    assert complaint.status is (row.target or source)
    assert complaint.version == version + 1
    envelope = envelopes_of(complaint)[-1]
    assert envelope.actor == actor
    assert envelope.data.event_name == EVENT_NAMES[row.action]
    assert envelope.sequence == complaint.version


@pytest.mark.parametrize(("row", "source"), _rows_and_sources(possible=False))
def test_row_out_of_scope_in_unheld_status(row, source):
    # An agency's rows cannot apply while no agency holds the complaint.
    clock = Clock()
    complaint = complaint_in(source, clock, held=False)
    actor = ROLE_ACTORS[row.role]
    before = snapshot(complaint)

    with pytest.raises(NotAuthorisedError) as raised:
        perform(complaint, row.action, action_context(clock, row.action, actor))

    assert "no agency holds the complaint" in str(raised.value)
    assert snapshot(complaint) == before


def test_table_has_one_row_per_action_and_role():
    keys = [(row.action, row.role) for row in TRANSITIONS]
    assert len(keys) == len(set(keys))


def test_table_covers_every_action():
    assert {row.action for row in TRANSITIONS} == set(Action)


def test_submission_rows_have_no_source():
    for row in TRANSITIONS:
        assert (row.action is Action.SUBMIT) is (not row.sources), row


def test_find_transition_returns_the_row():
    for row in TRANSITIONS:
        assert find_transition(row.action, row.role) is row


def _in_scope(scope: Scope, actor, reporter_ref, state) -> bool:
    if scope is Scope.ANY:
        return True
    if scope is Scope.OWN_COMPLAINT:
        return reporter_ref == state.reporter_ref
    if scope is Scope.UNHELD:
        return state.holder is None
    if scope is Scope.HOLDING_AGENCY:
        return state.holder == actor.agency
    return state.holder == actor.agency and state.unit == actor.unit


def _expected_error(action, actor, reporter_ref, state, policy):
    """Return the error the rules must raise, or ``None`` if the action is allowed."""
    rows = [r for r in TRANSITIONS if r.action is action and r.role is actor.role]
    if not rows:
        return NotAuthorisedError
    row = rows[0]
    if not _in_scope(row.scope, actor, reporter_ref, state):
        return NotAuthorisedError
    if state.status not in row.sources:
        return TransitionRejectedError
    switched_on = {
        None: True,
        PolicySwitch.REOPEN: actor.role in policy.reopen_roles,
        PolicySwitch.SIDEWAYS_REDISPOSITION: policy.agency_may_redisposition_sideways,
        PolicySwitch.SYSTEM_ARCHIVE: policy.system_archives_expired_pending,
    }
    return None if switched_on[row.switch] else TransitionRejectedError


def _matrix_cases() -> list[object]:
    cases = []
    for status in Status:
        for held in (False, True):
            if not can_build(status, held=held):
                continue
            for action in LATER_ACTIONS:
                case_id = f"{status}-{'held' if held else 'unheld'}-{action}"
                cases.append(pytest.param(status, held, action, id=case_id))
    return cases


@pytest.mark.parametrize(("status", "held", "action"), _matrix_cases())
def test_every_actor_is_allowed_exactly_by_the_table(status, held, action):
    clock = Clock()
    original = complaint_in(status, clock, held=held)
    policy = LifecyclePolicy()
    for actor, reporter_ref in ACTORS:
        complaint = copy.deepcopy(original)
        actor_clock = copy.deepcopy(clock)
        context = action_context(
            actor_clock, action, actor, reporter_ref=reporter_ref, policy=policy
        )
        expected = _expected_error(action, actor, reporter_ref, complaint.state, policy)
        label = f"{actor} ({reporter_ref})"
        if expected is None:
            perform(complaint, action, context)
            assert complaint.version == original.version + 1, label
            continue
        before = snapshot(complaint)
        with pytest.raises(ActionRejectedError) as raised:
            perform(complaint, action, context)
        assert type(raised.value) is expected, f"{label}: {raised.value}"
        for part in rejection_parts(complaint, action, actor):
            assert part in str(raised.value), label
        assert snapshot(complaint) == before, label

"""Random action sequences: invariants hold, refusals change nothing, replay agrees."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

from hypothesis import event, given, settings
from hypothesis import strategies as st

from events.chain import verify_chain
from events.envelope import Actor
from events.values import (
    ArchiveReason,
    Channel,
    Classification,
    ClosingMode,
    DeadlineClock,
    DeletionReason,
    PrivacyFlags,
    Role,
    SopTier,
)
from gateway.complaint import (
    Action,
    ActionContext,
    ActionRejectedError,
    Complaint,
    LifecyclePolicy,
    Scope,
    Status,
)
from gateway.complaint.state import HELD_STATUSES
from gateway.complaint.transitions import find_transition
from tests.complaint.builders import (
    AGENCY,
    FOREIGN_AGENCY,
    FOREIGN_LIAISON,
    HOLDER,
    IDENTITY,
    LIAISON,
    NATIONAL,
    OTHER_AGENCY,
    OTHER_REPORTER_REF,
    OTHER_UNIT,
    OTHER_UNIT_LIAISON,
    PERMISSIVE,
    REPORTER,
    REPORTER_REF,
    START,
    SYSTEM,
    UNIT,
    envelopes_of,
    snapshot,
)

ACTORS = [
    (REPORTER, REPORTER_REF),
    (REPORTER, OTHER_REPORTER_REF),
    (NATIONAL, None),
    (AGENCY, None),
    (FOREIGN_AGENCY, None),
    (LIAISON, None),
    (OTHER_UNIT_LIAISON, None),
    (FOREIGN_LIAISON, None),
    (Actor(agency=OTHER_AGENCY, role=Role.UNIT_LIAISON, unit=OTHER_UNIT), None),
    (SYSTEM, None),
]

POLICIES = [
    LifecyclePolicy(),
    PERMISSIVE,
    LifecyclePolicy(reopen_roles=frozenset(), clock_skew=dt.timedelta(0)),
    LifecyclePolicy(max_reopens=1, reopen_window=dt.timedelta(days=3)),
]

LATER_ACTIONS = [action for action in Action if action is not Action.SUBMIT]


def _in_scope(scope: Scope, actor, reporter_ref, state) -> bool:
    holder_is_actor = state.holder == actor.agency
    return {
        Scope.ANY: True,
        Scope.OWN_COMPLAINT: reporter_ref == state.reporter_ref,
        Scope.UNHELD: state.holder is None,
        Scope.HOLDING_AGENCY: holder_is_actor,
        Scope.FORWARDED_UNIT: holder_is_actor and state.unit == actor.unit,
    }[scope]


def _permitted_pairs(complaint: Complaint) -> list[tuple[Action, int]]:
    """Return the (action, actor) pairs whose table row fits the complaint now."""
    state = complaint.state
    pairs = []
    for action in LATER_ACTIONS:
        for index, (actor, reporter_ref) in enumerate(ACTORS):
            row = find_transition(action, actor.role)
            if row is None or state.status not in row.sources:
                continue
            if _in_scope(row.scope, actor, reporter_ref, state):
                pairs.append((action, index))
    return pairs


@st.composite
def _step(draw, complaint: Complaint):
    """Draw an action and an actor (usually a pair the table permits now), an
    hour offset from the last accepted action (negative: out of order) and a
    field variant.
    """
    permitted = _permitted_pairs(complaint)
    if permitted and draw(st.integers(0, 3)) > 0:
        action, actor_index = draw(st.sampled_from(permitted))
    else:
        action = draw(st.sampled_from(LATER_ACTIONS))
        actor_index = draw(st.integers(0, len(ACTORS) - 1))
    hours = draw(
        st.one_of(st.integers(0, 72), st.integers(72, 24 * 40), st.integers(-48, -1))
    )
    variant = draw(st.integers(0, 5))
    return action, actor_index, hours, variant


def _run(complaint, policy, data, on_step):
    """Take up to 60 drawn actions; call ``on_step(accepted)`` after each."""
    now = START
    for _ in range(data.draw(st.integers(0, 60), label="steps")):
        step = data.draw(_step(complaint))
        action, actor_index, hours, variant = step
        actor, reporter_ref = ACTORS[actor_index]
        at = now + dt.timedelta(hours=hours)
        before = snapshot(complaint)
        try:
            _perform(
                complaint, action, _context(actor, reporter_ref, at, policy), variant
            )
        except ActionRejectedError:
            assert snapshot(complaint) == before
            on_step(accepted=False)
            continue
        now = at
        on_step(accepted=True)


def _pick(options, variant):
    return options[variant % len(options)]


def _perform(complaint: Complaint, action, context: ActionContext, variant: int):
    """Take ``action`` with fields chosen by ``variant``, valid or not."""
    early = {
        Action.VERIFY: lambda: complaint.verify(
            context,
            classification=Classification.COMPLAINT,
            sop_tier=_pick([None, SopTier.LIGHT, SopTier.MISCONDUCT], variant),
        ),
        Action.SET_PENDING: lambda: complaint.set_pending(context, reason="Kurang."),
        Action.COMPLETE: lambda: complaint.complete(context, addition="Lengkap."),
        Action.DELETE: lambda: complaint.delete(
            context, reason=_pick(list(DeletionReason), variant)
        ),
        Action.ARCHIVE: lambda: complaint.archive(
            context, reason=_pick(list(ArchiveReason), variant)
        ),
        Action.DISPOSITION: lambda: complaint.disposition(
            context, agency=_pick([HOLDER, OTHER_AGENCY], variant)
        ),
        Action.DECLINE: lambda: complaint.decline(
            context,
            reason="Bukan wewenang.",
            suggested_agency=_pick([None, HOLDER, OTHER_AGENCY], variant),
        ),
        Action.REDISPOSITION: lambda: complaint.redisposition(
            context, to_agency=_pick([HOLDER, OTHER_AGENCY, "kemensos"], variant)
        ),
        Action.FORWARD_TO_UNIT: lambda: complaint.forward_to_unit(
            context, unit=_pick([UNIT, OTHER_UNIT], variant)
        ),
    }
    late = {
        Action.RECORD_FOLLOW_UP: lambda: complaint.record_follow_up(
            context, summary="Ditindaklanjuti."
        ),
        Action.POST_RESPONSE: lambda: complaint.post_response(
            context, response="Sudah diperbaiki."
        ),
        Action.REPLY: lambda: complaint.reply(context, reply="Belum."),
        Action.RECORD_SATISFACTION: lambda: complaint.record_satisfaction(
            context, satisfied=variant % 2 == 0
        ),
        Action.CLOSE: lambda: complaint.close(context),
        Action.REOPEN: lambda: complaint.reopen(context, reason="Muncul lagi."),
        Action.ESCALATE: lambda: complaint.escalate(
            context,
            clock=_pick(list(DeadlineClock), variant),
            due_at=context.occurred_at + dt.timedelta(hours=2 - variant),
        ),
        Action.CHANGE_PRIVACY_FLAGS: lambda: complaint.change_privacy_flags(
            context,
            flags=PrivacyFlags(
                anonymous=variant & 1 == 1, confidential=variant & 2 == 2
            ),
            reason="Diminta.",
        ),
        Action.ERASE_REPORTER_IDENTITY: lambda: complaint.erase_reporter_identity(
            context, reason="Diminta."
        ),
    }
    {**early, **late}[action]()


def _context(actor, reporter_ref, at, policy):
    return ActionContext(
        actor=actor,
        occurred_at=at,
        recorded_at=at,
        correlation_id="corr-property",
        causation_id=f"cmd-{at.timestamp():.0f}",
        reporter_ref=reporter_ref,
        policy=policy,
    )


def _submit(target, identity, policy):
    return Complaint.submit(
        _context(REPORTER, REPORTER_REF, START, policy),
        complaint_id=uuid.uuid4(),
        tracking_id="77",
        channel=Channel.ANDROID,
        classification=Classification.COMPLAINT,
        title="Lampu jalan mati",
        description="Lampu jalan mati sejak seminggu.",
        reporter_ref=REPORTER_REF,
        reporter_identity=IDENTITY if identity else None,
        target_agency=target,
    )


def _check_chain(complaint: Complaint) -> None:
    envelopes = envelopes_of(complaint)
    assert [e.sequence for e in envelopes] == list(range(1, complaint.version + 1))
    assert envelopes[0].previous_hash is None
    for previous, current in itertools.pairwise(envelopes):
        assert current.previous_hash == previous.hash
        assert current.time >= previous.time
        assert current.recorded_at >= previous.recorded_at
    assert complaint.state.last_hash == envelopes[-1].hash
    assert verify_chain(envelopes).valid


def _check_holder(complaint: Complaint) -> None:
    state = complaint.state
    if state.status in HELD_STATUSES:
        assert state.holder is not None
    if state.status is Status.IN_UNIT:
        assert state.unit is not None
    if state.status in {Status.VERIFIED, Status.DECLINED}:
        assert state.holder is None
    if state.status is Status.DECLINED:
        assert state.declined_by
    if state.status in {Status.SUBMITTED, Status.PENDING}:
        assert state.holder == state.target_agency


def _check_closing(complaint: Complaint) -> None:
    state = complaint.state
    closed = state.status is Status.CLOSED
    assert closed is (state.closing_mode is not None)
    if state.closing_mode is ClosingMode.AUTOMATIC:
        assert state.responses >= 1
    if state.status is Status.RESPONDED:
        assert state.responses >= 1
    if state.identity_erased:
        assert state.identity_key_id is not None


def _check_invariants(complaint: Complaint) -> None:
    _check_chain(complaint)
    _check_holder(complaint)
    _check_closing(complaint)


@settings(max_examples=300, deadline=None)
@given(
    target=st.sampled_from([None, HOLDER]),
    identity=st.booleans(),
    policy=st.sampled_from(POLICIES),
    data=st.data(),
)
def test_random_actions_keep_invariants(target, identity, policy, data):
    complaint = _submit(target, identity, policy)

    def check(*, accepted):
        _check_invariants(complaint)
        if accepted:
            event(f"reached {complaint.status}")

    _run(complaint, policy, data, check)
    replayed = Complaint.replay(envelopes_of(complaint))

    assert replayed.state == complaint.state
    assert replayed.version == complaint.version
    assert replayed.deadline_tracker == complaint.deadline_tracker
    assert replayed.due_dates == complaint.due_dates
    assert replayed.created_on == complaint.created_on
    assert replayed.modified_on == complaint.modified_on


@settings(max_examples=50, deadline=None)
@given(policy=st.sampled_from(POLICIES), data=st.data())
def test_replay_of_every_prefix_matches(policy, data):
    complaint = _submit(None, identity=True, policy=policy)
    states = [complaint.state]

    def remember(*, accepted):
        if accepted:
            states.append(complaint.state)

    _run(complaint, policy, data, remember)
    envelopes = envelopes_of(complaint)

    for length in range(1, len(envelopes) + 1):
        assert Complaint.replay(envelopes[:length]).state == states[length - 1]

"""Named refusals: each domain rule, its error class and its message."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from pydantic import ValidationError

from events.envelope import Actor
from events.values import (
    ArchiveReason,
    Channel,
    Classification,
    DeadlineClock,
    PrivacyFlags,
    Role,
)
from gateway.complaint import (
    Action,
    ActionContext,
    Complaint,
    InvalidActionError,
    LifecyclePolicy,
    NotAuthorisedError,
    OutOfOrderActionError,
    Status,
    TransitionRejectedError,
)
from tests.complaint.builders import (
    AGENCY,
    FOREIGN_AGENCY,
    FOREIGN_LIAISON,
    HOLDER,
    LIAISON,
    NATIONAL,
    OTHER_AGENCY,
    OTHER_REPORTER_REF,
    OTHER_UNIT_LIAISON,
    REPORTER,
    REPORTER_REF,
    SYSTEM,
    UNIT,
    Clock,
    complaint_in,
    rejection_parts,
    snapshot,
    submit,
)


def _rejected(error, complaint, action, actor, call, *reason_parts):
    """Call ``call``; check the error, its message, its attributes and no change."""
    before = snapshot(complaint)
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    for part in rejection_parts(complaint, action, actor):
        assert part in message
    for part in reason_parts:
        assert part in message
    assert raised.value.complaint_id == complaint.id
    assert raised.value.status is complaint.status
    assert raised.value.action is action
    assert raised.value.actor == actor
    assert snapshot(complaint) == before
    return raised.value


def test_post_response_on_closed_complaint():
    clock = Clock()
    complaint = complaint_in(Status.CLOSED, clock, held=True)
    error = _rejected(
        TransitionRejectedError,
        complaint,
        Action.POST_RESPONSE,
        LIAISON,
        lambda: complaint.post_response(clock.context(LIAISON), response="Lagi."),
        "reopen it first",
    )
    assert f"by {HOLDER}/unit_liaison (unit {UNIT})" in str(error)


def test_unit_liaison_before_forwarding():
    clock = Clock()
    complaint = complaint_in(Status.DISPOSITIONED, clock, held=True)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.RECORD_FOLLOW_UP,
        LIAISON,
        lambda: complaint.record_follow_up(clock.context(LIAISON), summary="Cek."),
        f"agency {HOLDER} has not forwarded the complaint to a unit",
    )


def test_unit_liaison_of_another_unit():
    clock = Clock()
    complaint = complaint_in(Status.IN_UNIT, clock, held=True)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.POST_RESPONSE,
        OTHER_UNIT_LIAISON,
        lambda: complaint.post_response(
            clock.context(OTHER_UNIT_LIAISON), response="Selesai."
        ),
        f"forwarded the complaint to unit {UNIT}",
    )


def test_unit_liaison_of_another_agency():
    clock = Clock()
    complaint = complaint_in(Status.IN_UNIT, clock, held=True)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.RECORD_FOLLOW_UP,
        FOREIGN_LIAISON,
        lambda: complaint.record_follow_up(
            clock.context(FOREIGN_LIAISON), summary="Cek."
        ),
        f"agency {HOLDER} holds the complaint, not {OTHER_AGENCY}",
    )


def test_unit_liaison_without_unit():
    clock = Clock()
    complaint = complaint_in(Status.IN_UNIT, clock, held=True)
    nameless = Actor(agency=HOLDER, role=Role.UNIT_LIAISON)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.RECORD_FOLLOW_UP,
        nameless,
        lambda: complaint.record_follow_up(clock.context(nameless), summary="Cek."),
        "a unit liaison must name its unit",
    )


def test_liaison_loses_access_when_agency_declines():
    clock = Clock()
    complaint = complaint_in(Status.IN_UNIT, clock, held=True)
    complaint.decline(clock.context(AGENCY), reason="Bukan wewenang.")
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.RECORD_FOLLOW_UP,
        LIAISON,
        lambda: complaint.record_follow_up(clock.context(LIAISON), summary="Cek."),
        "no agency holds the complaint",
    )


def test_other_agency_cannot_forward():
    clock = Clock()
    complaint = complaint_in(Status.DISPOSITIONED, clock, held=True)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.FORWARD_TO_UNIT,
        FOREIGN_AGENCY,
        lambda: complaint.forward_to_unit(clock.context(FOREIGN_AGENCY), unit=UNIT),
        f"agency {HOLDER} holds the complaint, not {OTHER_AGENCY}",
    )


def test_reporter_of_another_complaint():
    clock = Clock()
    complaint = complaint_in(Status.RESPONDED, clock, held=True)
    context = clock.context(REPORTER, reporter_ref=OTHER_REPORTER_REF)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.REPLY,
        REPORTER,
        lambda: complaint.reply(context, reply="Belum."),
        "not the complaint's reporter",
    )


def test_role_without_row():
    clock = Clock()
    complaint = complaint_in(Status.SUBMITTED, clock, held=False)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.VERIFY,
        LIAISON,
        lambda: complaint.verify(
            clock.context(LIAISON), classification=Classification.COMPLAINT
        ),
        "the role unit_liaison may not verify",
        "agency_admin or national_admin",
    )


def test_national_admin_skipped_when_reporter_chose_agency():
    clock = Clock()
    complaint = complaint_in(Status.SUBMITTED, clock, held=True)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.VERIFY,
        NATIONAL,
        lambda: complaint.verify(
            clock.context(NATIONAL), classification=Classification.COMPLAINT
        ),
        f"agency {HOLDER} holds the complaint, so its admin acts on it",
    )


def test_declined_agency_cannot_act():
    clock = Clock()
    complaint = complaint_in(Status.DECLINED, clock, held=False)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.FORWARD_TO_UNIT,
        AGENCY,
        lambda: complaint.forward_to_unit(clock.context(AGENCY), unit=UNIT),
        "no agency holds the complaint; it is with the national admin",
    )


def test_system_close_before_response():
    clock = Clock()
    complaint = complaint_in(Status.IN_FOLLOW_UP, clock, held=True)
    _rejected(
        TransitionRejectedError,
        complaint,
        Action.CLOSE,
        SYSTEM,
        lambda: complaint.close(clock.context(SYSTEM, after=dt.timedelta(days=30))),
        "needs the state 'responded'",
    )


def test_system_close_before_auto_close_due():
    clock = Clock()
    complaint = complaint_in(Status.RESPONDED, clock, held=True)
    due = complaint.due_dates.auto_close_due
    _rejected(
        InvalidActionError,
        complaint,
        Action.CLOSE,
        SYSTEM,
        lambda: complaint.close(clock.context(SYSTEM)),
        f"the auto-close clock runs until {due.isoformat()}",
    )


def test_system_archive_before_pending_clock_runs_out():
    clock = Clock()
    complaint = complaint_in(Status.PENDING, clock, held=False)
    due = complaint.due_dates.pending_archive_due
    _rejected(
        InvalidActionError,
        complaint,
        Action.ARCHIVE,
        SYSTEM,
        lambda: complaint.archive(
            clock.context(SYSTEM, after=dt.timedelta(days=29)),
            reason=ArchiveReason.PENDING_NOT_COMPLETED,
        ),
        f"the pending-archive clock runs until {due.isoformat()}",
    )


def test_system_archive_for_other_reason():
    clock = Clock()
    complaint = complaint_in(Status.PENDING, clock, held=False)
    _rejected(
        InvalidActionError,
        complaint,
        Action.ARCHIVE,
        SYSTEM,
        lambda: complaint.archive(
            clock.context(SYSTEM, after=dt.timedelta(days=40)),
            reason=ArchiveReason.OTHER,
        ),
        "the system archives only for the reason pending_not_completed",
    )


def test_system_archive_disabled_by_policy():
    clock = Clock()
    complaint = complaint_in(Status.PENDING, clock, held=False)
    policy = LifecyclePolicy(system_archives_expired_pending=False)
    context = clock.context(SYSTEM, after=dt.timedelta(days=40), policy=policy)
    _rejected(
        TransitionRejectedError,
        complaint,
        Action.ARCHIVE,
        SYSTEM,
        lambda: complaint.archive(context, reason=ArchiveReason.PENDING_NOT_COMPLETED),
        "leaves archiving a pending complaint to an admin",
    )


def test_system_archives_expired_pending_complaint():
    clock = Clock()
    complaint = complaint_in(Status.PENDING, clock, held=True)
    due = complaint.due_dates.pending_archive_due
    context = clock.context(SYSTEM, after=dt.timedelta(days=30))
    at_due = context.model_copy(update={"occurred_at": due, "recorded_at": due})

    complaint.archive(at_due, reason=ArchiveReason.PENDING_NOT_COMPLETED)

    assert complaint.status is Status.ARCHIVED


def test_system_cannot_verify():
    clock = Clock()
    complaint = complaint_in(Status.SUBMITTED, clock, held=False)
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.VERIFY,
        SYSTEM,
        lambda: complaint.verify(
            clock.context(SYSTEM), classification=Classification.COMPLAINT
        ),
        "the role system may not verify",
    )


def test_escalation_before_due():
    clock = Clock()
    complaint = complaint_in(Status.DISPOSITIONED, clock, held=True)
    context = clock.context(SYSTEM)
    due_at = context.occurred_at + dt.timedelta(days=1)
    _rejected(
        InvalidActionError,
        complaint,
        Action.ESCALATE,
        SYSTEM,
        lambda: complaint.escalate(
            context, clock=DeadlineClock.FIRST_FOLLOW_UP, due_at=due_at
        ),
        "escalate only overdue clocks",
    )


def test_escalation_of_closed_complaint():
    clock = Clock()
    complaint = complaint_in(Status.CLOSED, clock, held=True)
    context = clock.context(SYSTEM)
    _rejected(
        TransitionRejectedError,
        complaint,
        Action.ESCALATE,
        SYSTEM,
        lambda: complaint.escalate(
            context, clock=DeadlineClock.RESOLUTION, due_at=context.occurred_at
        ),
        "the complaint is closed; reopen it first",
    )


@pytest.mark.parametrize("status", [Status.DELETED, Status.ARCHIVED])
def test_terminal_status_names_the_way_out(status):
    clock = Clock()
    complaint = complaint_in(status, clock, held=False)
    _rejected(
        TransitionRejectedError,
        complaint,
        Action.VERIFY,
        NATIONAL,
        lambda: complaint.verify(
            clock.context(NATIONAL), classification=Classification.COMPLAINT
        ),
        "submit a new complaint instead",
    )


def test_reopen_by_agency_under_default_policy():
    clock = Clock()
    complaint = complaint_in(Status.CLOSED, clock, held=True)
    _rejected(
        TransitionRejectedError,
        complaint,
        Action.REOPEN,
        AGENCY,
        lambda: complaint.reopen(clock.context(AGENCY), reason="Belum tuntas."),
        "the lifecycle policy lets only national_admin or reporter reopen",
    )


def test_reopen_disabled_by_policy():
    clock = Clock()
    complaint = complaint_in(Status.CLOSED, clock, held=True)
    policy = LifecyclePolicy(reopen_roles=frozenset())
    context = clock.context(REPORTER, policy=policy)
    _rejected(
        TransitionRejectedError,
        complaint,
        Action.REOPEN,
        REPORTER,
        lambda: complaint.reopen(context, reason="Belum tuntas."),
        "the lifecycle policy does not allow reopening",
    )


def test_reopen_after_window():
    clock = Clock()
    complaint = complaint_in(Status.CLOSED, clock, held=True)
    context = clock.context(REPORTER, after=dt.timedelta(days=30, seconds=1))
    _rejected(
        TransitionRejectedError,
        complaint,
        Action.REOPEN,
        REPORTER,
        lambda: complaint.reopen(context, reason="Belum tuntas."),
        "the reopen window has passed",
    )


def test_reopen_at_window_end_is_allowed():
    clock = Clock()
    complaint = complaint_in(Status.CLOSED, clock, held=True)
    context = clock.context(REPORTER, after=dt.timedelta(days=30))

    complaint.reopen(context, reason="Belum tuntas.")

    assert complaint.status is Status.IN_FOLLOW_UP
    assert complaint.state.holder == HOLDER


def test_reopen_beyond_limit():
    clock = Clock()
    complaint = complaint_in(Status.CLOSED, clock, held=True)
    policy = LifecyclePolicy(max_reopens=1)
    complaint.reopen(clock.context(REPORTER, policy=policy), reason="Lagi.")
    complaint.post_response(clock.context(LIAISON), response="Sudah.")
    complaint.close(clock.context(REPORTER))
    context = clock.context(REPORTER, policy=policy)
    _rejected(
        TransitionRejectedError,
        complaint,
        Action.REOPEN,
        REPORTER,
        lambda: complaint.reopen(context, reason="Lagi."),
        "it was reopened 1 times, the lifecycle policy's limit",
    )


def test_sideways_redisposition_under_default_policy():
    clock = Clock()
    complaint = complaint_in(Status.DISPOSITIONED, clock, held=True)
    _rejected(
        TransitionRejectedError,
        complaint,
        Action.REDISPOSITION,
        AGENCY,
        lambda: complaint.redisposition(clock.context(AGENCY), to_agency=OTHER_AGENCY),
        "decline it (bukan wewenang)",
    )


def test_sideways_redisposition_when_policy_allows():
    clock = Clock()
    complaint = complaint_in(Status.DISPOSITIONED, clock, held=True)
    policy = LifecyclePolicy(agency_may_redisposition_sideways=True)

    complaint.redisposition(
        clock.context(AGENCY, policy=policy), to_agency=OTHER_AGENCY
    )

    assert complaint.state.holder == OTHER_AGENCY


def test_redisposition_to_same_agency():
    clock = Clock()
    complaint = complaint_in(Status.DECLINED, clock, held=False)
    _rejected(
        InvalidActionError,
        complaint,
        Action.REDISPOSITION,
        NATIONAL,
        lambda: complaint.redisposition(clock.context(NATIONAL), to_agency=HOLDER),
        f"the complaint comes from agency {HOLDER}; name another agency",
    )


def test_decline_suggesting_itself():
    clock = Clock()
    complaint = complaint_in(Status.DISPOSITIONED, clock, held=True)
    _rejected(
        InvalidActionError,
        complaint,
        Action.DECLINE,
        AGENCY,
        lambda: complaint.decline(
            clock.context(AGENCY), reason="Bukan.", suggested_agency=HOLDER
        ),
        f"the suggested agency {HOLDER} is the declining agency",
    )


def test_forward_to_same_unit():
    clock = Clock()
    complaint = complaint_in(Status.IN_UNIT, clock, held=True)
    _rejected(
        InvalidActionError,
        complaint,
        Action.FORWARD_TO_UNIT,
        AGENCY,
        lambda: complaint.forward_to_unit(clock.context(AGENCY), unit=UNIT),
        f"the complaint is already with unit {UNIT}",
    )


def test_archive_as_pending_not_completed_when_not_pending():
    clock = Clock()
    complaint = complaint_in(Status.SUBMITTED, clock, held=False)
    _rejected(
        InvalidActionError,
        complaint,
        Action.ARCHIVE,
        NATIONAL,
        lambda: complaint.archive(
            clock.context(NATIONAL), reason=ArchiveReason.PENDING_NOT_COMPLETED
        ),
        "pending_not_completed applies only to a pending complaint",
    )


def test_archive_pending_not_completed():
    clock = Clock()
    complaint = complaint_in(Status.PENDING, clock, held=False)

    complaint.archive(
        clock.context(NATIONAL), reason=ArchiveReason.PENDING_NOT_COMPLETED
    )

    assert complaint.status is Status.ARCHIVED


def test_privacy_change_without_change():
    clock = Clock()
    complaint = complaint_in(Status.SUBMITTED, clock, held=False)
    _rejected(
        InvalidActionError,
        complaint,
        Action.CHANGE_PRIVACY_FLAGS,
        REPORTER,
        lambda: complaint.change_privacy_flags(
            clock.context(REPORTER), flags=PrivacyFlags(), reason="Sama."
        ),
        "the flags are already anonymous=False, confidential=False",
    )


def test_admin_clearing_privacy_flags():
    clock = Clock()
    complaint = complaint_in(Status.DISPOSITIONED, clock, held=True)
    secret = PrivacyFlags(anonymous=True, confidential=True)
    complaint.change_privacy_flags(
        clock.context(REPORTER), flags=secret, reason="Takut."
    )
    _rejected(
        NotAuthorisedError,
        complaint,
        Action.CHANGE_PRIVACY_FLAGS,
        AGENCY,
        lambda: complaint.change_privacy_flags(
            clock.context(AGENCY),
            flags=PrivacyFlags(anonymous=True),
            reason="Perlu dipublikasikan.",
        ),
        "the lifecycle policy lets only the reporter clear anonim or rahasia",
    )


def test_reporter_may_clear_privacy_flags():
    clock = Clock()
    complaint = complaint_in(Status.DISPOSITIONED, clock, held=True)
    secret = PrivacyFlags(anonymous=True)
    complaint.change_privacy_flags(
        clock.context(NATIONAL), flags=secret, reason="Aman."
    )

    complaint.change_privacy_flags(
        clock.context(REPORTER), flags=PrivacyFlags(), reason="Tidak perlu."
    )

    assert complaint.state.privacy == PrivacyFlags()


def test_erase_without_sealed_identity():
    clock = Clock()
    complaint = submit(clock, identity=False)
    _rejected(
        InvalidActionError,
        complaint,
        Action.ERASE_REPORTER_IDENTITY,
        REPORTER,
        lambda: complaint.erase_reporter_identity(
            clock.context(REPORTER), reason="Hapus."
        ),
        "the complaint has no sealed reporter identity to erase",
    )


def test_erase_twice():
    clock = Clock()
    complaint = submit(clock)
    complaint.erase_reporter_identity(clock.context(REPORTER), reason="Hapus.")
    _rejected(
        InvalidActionError,
        complaint,
        Action.ERASE_REPORTER_IDENTITY,
        NATIONAL,
        lambda: complaint.erase_reporter_identity(
            clock.context(NATIONAL), reason="Hapus."
        ),
        "the reporter's identity was already erased",
    )


def test_action_dated_before_last_event():
    clock = Clock()
    complaint = complaint_in(Status.VERIFIED, clock, held=False)
    context = clock.context(NATIONAL, after=dt.timedelta(hours=-2))
    _rejected(
        OutOfOrderActionError,
        complaint,
        Action.DISPOSITION,
        NATIONAL,
        lambda: complaint.disposition(context, agency=HOLDER),
        "before the complaint's last event",
        "send actions in the order they happened",
    )


def test_action_recorded_before_last_recording():
    clock = Clock()
    complaint = complaint_in(Status.VERIFIED, clock, held=False)
    context = clock.context(NATIONAL)
    earlier = context.model_copy(
        update={"recorded_at": complaint.state.last_recorded_at - dt.timedelta(1)}
    )
    _rejected(
        OutOfOrderActionError,
        complaint,
        Action.DISPOSITION,
        NATIONAL,
        lambda: complaint.disposition(earlier, agency=HOLDER),
        "check the gateway clock",
    )


def test_action_from_the_future():
    clock = Clock()
    complaint = complaint_in(Status.VERIFIED, clock, held=False)
    context = clock.context(NATIONAL)
    future = context.model_copy(
        update={"occurred_at": context.recorded_at + dt.timedelta(minutes=6)}
    )
    _rejected(
        OutOfOrderActionError,
        complaint,
        Action.DISPOSITION,
        NATIONAL,
        lambda: complaint.disposition(future, agency=HOLDER),
        "check the source system's clock",
    )


def test_action_at_same_moment_is_in_order():
    clock = Clock()
    complaint = complaint_in(Status.VERIFIED, clock, held=False)

    complaint.disposition(clock.context(NATIONAL, after=dt.timedelta(0)), agency=HOLDER)

    assert complaint.status is Status.DISPOSITIONED


def _submission(context, **overrides):
    fields = {
        "complaint_id": uuid.UUID("5d1e8a40-2b6c-4f3e-9a7d-0c8b1e2f3a4b"),
        "tracking_id": "42",
        "channel": Channel.WHATSAPP,
        "classification": Classification.COMPLAINT,
        "title": "Sampah menumpuk",
        "description": "Sampah tidak diangkut seminggu.",
        "reporter_ref": REPORTER_REF,
        **overrides,
    }
    return Complaint.submit(context, **fields)


def _submission_rejected(error, actor, context, *reason_parts, **overrides):
    with pytest.raises(error) as raised:
        _submission(context, **overrides)
    message = str(raised.value)
    assert "complaint 5d1e8a40-2b6c-4f3e-9a7d-0c8b1e2f3a4b is new" in message
    assert "action 'submit'" in message
    assert f"by {actor.agency}/{actor.role}" in message
    for part in reason_parts:
        assert part in message
    assert raised.value.status is None


def test_submission_by_unit_liaison():
    clock = Clock()
    _submission_rejected(
        NotAuthorisedError,
        LIAISON,
        clock.context(LIAISON),
        "the role unit_liaison may not submit",
    )


def test_submission_by_reporter_for_someone_else():
    clock = Clock()
    _submission_rejected(
        NotAuthorisedError,
        REPORTER,
        clock.context(REPORTER, reporter_ref=OTHER_REPORTER_REF),
        "only under their own reporter reference",
    )


def test_submission_keyed_in_for_another_agency():
    clock = Clock()
    _submission_rejected(
        NotAuthorisedError,
        AGENCY,
        clock.context(AGENCY),
        f"set target_agency to {HOLDER}",
        target_agency=OTHER_AGENCY,
    )


def test_submission_from_the_future():
    clock = Clock()
    context = clock.context(NATIONAL)
    future = context.model_copy(
        update={"occurred_at": context.recorded_at + dt.timedelta(hours=1)}
    )
    _submission_rejected(
        OutOfOrderActionError, NATIONAL, future, "check the source system's clock"
    )


def test_submission_keyed_in_by_agency_for_itself():
    clock = Clock()

    complaint = _submission(clock.context(AGENCY), target_agency=HOLDER)

    assert complaint.state.holder == HOLDER


def test_context_of_reporter_needs_reference():
    with pytest.raises(ValidationError, match="reporter_ref is missing"):
        ActionContext(
            actor=REPORTER,
            occurred_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            recorded_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            correlation_id="c",
            causation_id="c",
        )


def test_context_rejects_naive_time():
    with pytest.raises(ValidationError, match="has no UTC offset"):
        ActionContext(
            actor=NATIONAL,
            occurred_at=dt.datetime(2025, 1, 1),  # noqa: DTZ001 (the naive input)
            recorded_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            correlation_id="c",
            causation_id="c",
        )

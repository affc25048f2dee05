"""Actors, contexts and complaints in every status, for the lifecycle tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from events.envelope import Actor
from events.values import (
    ArchiveReason,
    Channel,
    Classification,
    DeadlineClock,
    DeletionReason,
    PrivacyFlags,
    Role,
    SealedIdentity,
)
from gateway.complaint import (
    Action,
    ActionContext,
    Complaint,
    LifecyclePolicy,
    Status,
)
from gateway.complaint.errors import describe_actor

if TYPE_CHECKING:
    from collections.abc import Callable

    from events.envelope import Envelope

WIB = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2025, 6, 2, 9, 0, tzinfo=WIB)
"""A Monday under the 2025 rule set."""

HOLDER = "pemkot-bandung"
OTHER_AGENCY = "pemprov-jabar"
UNIT = "dinas-pupr"
OTHER_UNIT = "kelurahan-sukajadi"
REPORTER_REF = "reporter-7f3a"
OTHER_REPORTER_REF = "reporter-0c1d"

REPORTER = Actor(agency="lapor-web", role=Role.REPORTER)
NATIONAL = Actor(agency="kemenpanrb", role=Role.NATIONAL_ADMIN)
AGENCY = Actor(agency=HOLDER, role=Role.AGENCY_ADMIN)
FOREIGN_AGENCY = Actor(agency=OTHER_AGENCY, role=Role.AGENCY_ADMIN)
LIAISON = Actor(agency=HOLDER, role=Role.UNIT_LIAISON, unit=UNIT)
OTHER_UNIT_LIAISON = Actor(agency=HOLDER, role=Role.UNIT_LIAISON, unit=OTHER_UNIT)
FOREIGN_LIAISON = Actor(agency=OTHER_AGENCY, role=Role.UNIT_LIAISON, unit=UNIT)
SYSTEM = Actor(agency="lapor-gateway", role=Role.SYSTEM)

IDENTITY = SealedIdentity(
    key_id="reporter-key-1", nonce="AAECAwQFBgcICQoL", ciphertext="c2VhbGVk"
)

PERMISSIVE = LifecyclePolicy(
    reopen_roles=frozenset({Role.REPORTER, Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN}),
    reopen_window=None,
    agency_may_redisposition_sideways=True,
    admins_may_clear_privacy_flags=True,
)
"""Every policy switch on, so that each row of the table can be exercised."""


class Clock:
    """Hands out action times one hour apart, or further on request."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def context(
        self,
        actor: Actor,
        *,
        reporter_ref: str | None = None,
        after: dt.timedelta = dt.timedelta(hours=1),
        policy: LifecyclePolicy | None = None,
    ) -> ActionContext:
        """Return the context of the next action by ``actor``."""
        self.now += after
        if reporter_ref is None and actor.role is Role.REPORTER:
            reporter_ref = REPORTER_REF
        return ActionContext(
            actor=actor,
            occurred_at=self.now,
            recorded_at=self.now,
            correlation_id="corr-1",
            causation_id=f"cmd-{self.now.timestamp():.0f}",
            reporter_ref=reporter_ref,
            policy=policy or LifecyclePolicy(),
        )


def submit(
    clock: Clock, *, target: str | None = None, identity: bool = True
) -> Complaint:
    """Submit a complaint as the reporter, optionally naming the agency."""
    return Complaint.submit(
        clock.context(REPORTER),
        complaint_id=uuid.uuid4(),
        tracking_id="1916449",
        channel=Channel.WEBSITE,
        classification=Classification.COMPLAINT,
        title="Jalan berlubang",
        description="Lubang besar di Jalan Dago dekat halte.",
        reporter_ref=REPORTER_REF,
        reporter_identity=IDENTITY if identity else None,
        target_agency=target,
    )


def _held(clock: Clock) -> Complaint:
    complaint = submit(clock)
    complaint.verify(clock.context(NATIONAL), classification=Classification.COMPLAINT)
    complaint.disposition(clock.context(NATIONAL), agency=HOLDER)
    return complaint


def _in_unit(clock: Clock) -> Complaint:
    complaint = _held(clock)
    complaint.forward_to_unit(clock.context(AGENCY), unit=UNIT)
    return complaint


def _in_follow_up(clock: Clock) -> Complaint:
    complaint = _in_unit(clock)
    complaint.record_follow_up(clock.context(LIAISON), summary="Survei lokasi.")
    return complaint


def _responded(clock: Clock) -> Complaint:
    complaint = _in_follow_up(clock)
    complaint.post_response(clock.context(LIAISON), response="Lubang sudah ditambal.")
    return complaint


def _closed(clock: Clock) -> Complaint:
    complaint = _responded(clock)
    complaint.close(clock.context(REPORTER))
    return complaint


def _declined(clock: Clock) -> Complaint:
    complaint = _held(clock)
    complaint.decline(clock.context(AGENCY), reason="Jalan provinsi, bukan wewenang.")
    return complaint


def _verified(clock: Clock) -> Complaint:
    complaint = submit(clock)
    complaint.verify(clock.context(NATIONAL), classification=Classification.COMPLAINT)
    return complaint


def _pending(clock: Clock, target: str | None) -> Complaint:
    complaint = submit(clock, target=target)
    admin = NATIONAL if target is None else AGENCY
    complaint.set_pending(clock.context(admin), reason="Lokasi belum jelas.")
    return complaint


def _deleted(clock: Clock, target: str | None) -> Complaint:
    complaint = submit(clock, target=target)
    admin = NATIONAL if target is None else AGENCY
    complaint.delete(clock.context(admin), reason=DeletionReason.UNINTELLIGIBLE)
    return complaint


def _archived(clock: Clock, target: str | None) -> Complaint:
    complaint = submit(clock, target=target)
    admin = NATIONAL if target is None else AGENCY
    complaint.archive(
        clock.context(admin), reason=ArchiveReason.ASPIRATION_NEEDS_NO_ANSWER
    )
    return complaint


_UNHELD_BUILDERS: dict[Status, Callable[[Clock], Complaint]] = {
    Status.SUBMITTED: submit,
    Status.PENDING: lambda clock: _pending(clock, None),
    Status.VERIFIED: _verified,
    Status.DECLINED: _declined,
    Status.DELETED: lambda clock: _deleted(clock, None),
    Status.ARCHIVED: lambda clock: _archived(clock, None),
}

_HELD_BUILDERS: dict[Status, Callable[[Clock], Complaint]] = {
    Status.SUBMITTED: lambda clock: submit(clock, target=HOLDER),
    Status.PENDING: lambda clock: _pending(clock, HOLDER),
    Status.DISPOSITIONED: _held,
    Status.IN_UNIT: _in_unit,
    Status.IN_FOLLOW_UP: _in_follow_up,
    Status.RESPONDED: _responded,
    Status.CLOSED: _closed,
    Status.DELETED: lambda clock: _deleted(clock, HOLDER),
    Status.ARCHIVED: lambda clock: _archived(clock, HOLDER),
}


def can_build(status: Status, *, held: bool) -> bool:
    """Whether a complaint can be in ``status`` held by an agency (or by none).

    A verified or declined complaint is never held; a dispositioned one always is.
    """
    return status in (_HELD_BUILDERS if held else _UNHELD_BUILDERS)


def complaint_in(status: Status, clock: Clock, *, held: bool) -> Complaint:
    """Return a complaint in ``status``, held by ``HOLDER`` or by no agency."""
    builders = _HELD_BUILDERS if held else _UNHELD_BUILDERS
    complaint = builders[status](clock)
    assert complaint.status is status
    return complaint


def action_context(
    clock: Clock,
    action: Action,
    actor: Actor,
    *,
    reporter_ref: str | None = None,
    policy: LifecyclePolicy | None = None,
) -> ActionContext:
    """Return the context of ``action``; the system waits for its clocks to run out."""
    after = dt.timedelta(hours=1)
    if action in {Action.CLOSE, Action.ARCHIVE} and actor.role is Role.SYSTEM:
        after = dt.timedelta(days=40)
    return clock.context(actor, reporter_ref=reporter_ref, after=after, policy=policy)


def perform(complaint: Complaint, action: Action, context: ActionContext) -> None:
    """Take ``action`` with fields that are valid for the complaint as it is."""
    state = complaint.state
    if action is Action.VERIFY:
        complaint.verify(context, classification=Classification.COMPLAINT)
    elif action is Action.SET_PENDING:
        complaint.set_pending(context, reason="Lampiran foto kurang.")
    elif action is Action.COMPLETE:
        complaint.complete(context, addition="Foto dan alamat lengkap.")
    elif action is Action.DELETE:
        complaint.delete(context, reason=DeletionReason.INCOMPLETE)
    elif action is Action.ARCHIVE:
        complaint.archive(context, reason=_archive_reason(state.status))
    elif action is Action.DISPOSITION:
        complaint.disposition(context, agency=HOLDER)
    elif action is Action.DECLINE:
        complaint.decline(context, reason="Bukan wewenang kami.")
    elif action is Action.REDISPOSITION:
        source = state.holder or (state.declined_by[-1] if state.declined_by else "")
        target = OTHER_AGENCY if source != OTHER_AGENCY else HOLDER
        complaint.redisposition(context, to_agency=target)
    elif action is Action.FORWARD_TO_UNIT:
        unit = OTHER_UNIT if state.unit == UNIT else UNIT
        complaint.forward_to_unit(context, unit=unit)
    else:
        _perform_late(complaint, action, context)


def _archive_reason(status: Status) -> ArchiveReason:
    if status is Status.PENDING:
        return ArchiveReason.PENDING_NOT_COMPLETED
    return ArchiveReason.ASPIRATION_NEEDS_NO_ANSWER


def _perform_late(complaint: Complaint, action: Action, context: ActionContext) -> None:
    state = complaint.state
    if action is Action.RECORD_FOLLOW_UP:
        complaint.record_follow_up(context, summary="Tim turun ke lokasi.")
    elif action is Action.POST_RESPONSE:
        complaint.post_response(context, response="Perbaikan selesai.")
    elif action is Action.REPLY:
        complaint.reply(context, reply="Belum selesai, masih berlubang.")
    elif action is Action.RECORD_SATISFACTION:
        complaint.record_satisfaction(context, satisfied=True, rating=4)
    elif action is Action.CLOSE:
        complaint.close(context, note="Selesai.")
    elif action is Action.REOPEN:
        complaint.reopen(context, reason="Lubang muncul lagi.")
    elif action is Action.ESCALATE:
        complaint.escalate(
            context,
            clock=DeadlineClock.VERIFICATION,
            due_at=context.occurred_at - dt.timedelta(minutes=1),
        )
    elif action is Action.CHANGE_PRIVACY_FLAGS:
        flags = PrivacyFlags(
            anonymous=not state.privacy.anonymous,
            confidential=state.privacy.confidential,
        )
        complaint.change_privacy_flags(context, flags=flags, reason="Atas permintaan.")
    elif action is Action.ERASE_REPORTER_IDENTITY:
        complaint.erase_reporter_identity(context, reason="Permintaan penghapusan.")
    else:
        msg = f"no test data for {action}"
        raise AssertionError(msg)


def snapshot(complaint: Complaint) -> tuple[object, ...]:
    """Return everything a rejected action must leave unchanged."""
    return (
        complaint.state,
        complaint.version,
        complaint.deadline_tracker,
        complaint.modified_on,
        len(complaint.pending_events),
    )


def envelopes_of(complaint: Complaint) -> list[Envelope]:
    """Return the envelopes of the complaint's pending events, oldest first."""
    return [event.envelope for event in complaint.pending_events]


def rejection_parts(complaint: Complaint, action: Action, actor: Actor) -> list[str]:
    """Return the parts every rejection message must name."""
    return [
        f"complaint {complaint.id}",
        f"in state '{complaint.status}'",
        f"action '{action}'",
        f"by {describe_actor(actor)}",
        "rejected because",
    ]

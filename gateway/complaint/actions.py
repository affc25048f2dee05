"""The Complaint aggregate's command methods, one per action after submission.

Each method checks the transition table and the action's own rules, builds
the event data, and records it. Fields that follow from the complaint (the
holding agency, the unit, the previous privacy flags) are filled in here, so
a caller cannot contradict the complaint's state.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, NoReturn

from events.payloads import (
    ComplaintArchived,
    ComplaintClosed,
    ComplaintCompleted,
    ComplaintDeclined,
    ComplaintDeleted,
    ComplaintDispositioned,
    ComplaintEscalated,
    ComplaintForwardedToUnit,
    ComplaintRedispositioned,
    ComplaintReopened,
    ComplaintSetPending,
    ComplaintVerified,
    FollowUpRecorded,
    PrivacyFlagsChanged,
    ReporterIdentityErased,
    ReporterReplied,
    ResponsePosted,
    SatisfactionRecorded,
)
from events.values import ArchiveReason, ClosingMode, Role
from gateway.complaint.checks import (
    archive_reason,
    auto_close_reason,
    clearing_flags_reason,
    erasure_reason,
    escalation_reason,
    unchanged_flags_reason,
)
from gateway.complaint.errors import (
    ActionRejectedError,
    InvalidActionError,
    NotAuthorisedError,
)
from gateway.complaint.state import Status
from gateway.complaint.transitions import Action

if TYPE_CHECKING:
    from datetime import datetime

    from events.payloads import ComplaintEvent
    from events.values import (
        AgencyId,
        Classification,
        DeadlineClock,
        DeletionReason,
        PrivacyFlags,
        SopTier,
        UnitId,
    )
    from gateway.complaint.context import ActionContext
    from gateway.complaint.state import ComplaintState
    from gateway.deadlines import DueDates


class ComplaintActions(ABC):
    """The command methods; the aggregate supplies the checks and the recording."""

    @property
    @abstractmethod
    def due_dates(self) -> DueDates | None: ...

    @abstractmethod
    def _check(self, action: Action, context: ActionContext) -> ComplaintState:
        """Return the state if the table allows the action; raise otherwise."""

    @abstractmethod
    def _reject(
        self,
        error: type[ActionRejectedError],
        action: Action,
        context: ActionContext,
        reason: str,
    ) -> NoReturn:
        """Raise ``error`` about ``action`` on the complaint as it is now."""

    @abstractmethod
    def _record(self, context: ActionContext, data: ComplaintEvent) -> None:
        """Seal ``data`` as the complaint's next event and apply it."""

    def verify(  # noqa: PLR0913 (one keyword per field of the verification)
        self,
        context: ActionContext,
        *,
        classification: Classification,
        category: str | None = None,
        topic: str | None = None,
        tags: tuple[str, ...] = (),
        sop_tier: SopTier | None = None,
        supervisory: bool = False,
    ) -> None:
        """Verify and classify the complaint.

        The national admin's verification leaves it waiting for disposition;
        the chosen agency's verification keeps it with that agency.
        """
        self._check(Action.VERIFY, context)
        data = ComplaintVerified(
            classification=classification,
            category=category,
            topic=topic,
            tags=tags,
            sop_tier=sop_tier,
            supervisory=supervisory,
        )
        self._record(context, data)

    def set_pending(self, context: ActionContext, *, reason: str) -> None:
        """Set the complaint pending (tunda) until the reporter completes it."""
        self._check(Action.SET_PENDING, context)
        self._record(context, ComplaintSetPending(reason=reason))

    def complete(self, context: ActionContext, *, addition: str) -> None:
        """Complete a pending complaint; it returns to verification."""
        self._check(Action.COMPLETE, context)
        self._record(context, ComplaintCompleted(addition=addition))

    def delete(
        self, context: ActionContext, *, reason: DeletionReason, note: str | None = None
    ) -> None:
        """Delete the report at verification (dihapus)."""
        self._check(Action.DELETE, context)
        self._record(context, ComplaintDeleted(reason=reason, note=note))

    def archive(
        self, context: ActionContext, *, reason: ArchiveReason, note: str | None = None
    ) -> None:
        """Archive the complaint: an aspiration, or a pending report never completed.

        The system archives only a pending complaint whose pending-archive
        clock has run out.
        """
        state = self._check(Action.ARCHIVE, context)
        problem = archive_reason(state, reason, context, self.due_dates)
        if problem is not None:
            self._reject(InvalidActionError, Action.ARCHIVE, context, problem)
        self._record(context, ComplaintArchived(reason=reason, note=note))

    def disposition(
        self, context: ActionContext, *, agency: AgencyId, note: str | None = None
    ) -> None:
        """Send the verified complaint to the agency with authority over it."""
        self._check(Action.DISPOSITION, context)
        self._record(context, ComplaintDispositioned(agency=agency, note=note))

    def decline(
        self,
        context: ActionContext,
        *,
        reason: str,
        suggested_agency: AgencyId | None = None,
    ) -> None:
        """Declare the complaint outside the holder's competence (bukan wewenang)."""
        self._check(Action.DECLINE, context)
        holder = context.actor.agency
        if suggested_agency == holder:
            self._reject(
                InvalidActionError,
                Action.DECLINE,
                context,
                f"the suggested agency {holder} is the declining agency; suggest "
                "another agency or none",
            )
        data = ComplaintDeclined(
            agency=holder, reason=reason, suggested_agency=suggested_agency
        )
        self._record(context, data)

    def redisposition(
        self, context: ActionContext, *, to_agency: AgencyId, note: str | None = None
    ) -> None:
        """Move the complaint to another agency, after a decline or as intervention."""
        state = self._check(Action.REDISPOSITION, context)
        from_agency = state.holder
        if from_agency is None:
            from_agency = state.declined_by[-1]
        if to_agency == from_agency:
            self._reject(
                InvalidActionError,
                Action.REDISPOSITION,
                context,
                f"the complaint comes from agency {from_agency}; name another agency",
            )
        data = ComplaintRedispositioned(
            from_agency=from_agency, to_agency=to_agency, note=note
        )
        self._record(context, data)

    def forward_to_unit(
        self, context: ActionContext, *, unit: UnitId, note: str | None = None
    ) -> None:
        """Pass the complaint down to a unit of the holding agency."""
        state = self._check(Action.FORWARD_TO_UNIT, context)
        if state.status is Status.IN_UNIT and state.unit == unit:
            self._reject(
                InvalidActionError,
                Action.FORWARD_TO_UNIT,
                context,
                f"the complaint is already with unit {unit}; name another unit",
            )
        data = ComplaintForwardedToUnit(
            agency=context.actor.agency, unit=unit, note=note
        )
        self._record(context, data)

    def record_follow_up(self, context: ActionContext, *, summary: str) -> None:
        """Record a follow-up (tindak lanjut) by the agency or its forwarded unit."""
        self._check(Action.RECORD_FOLLOW_UP, context)
        data = FollowUpRecorded(
            agency=context.actor.agency, unit=_acting_unit(context), summary=summary
        )
        self._record(context, data)

    def post_response(self, context: ActionContext, *, response: str) -> None:
        """Post the official response (tanggapan) to the reporter."""
        self._check(Action.POST_RESPONSE, context)
        data = ResponsePosted(
            agency=context.actor.agency, unit=_acting_unit(context), response=response
        )
        self._record(context, data)

    def reply(self, context: ActionContext, *, reply: str) -> None:
        """Reply to the response as the reporter; the complaint returns to follow-up."""
        self._check(Action.REPLY, context)
        self._record(context, ReporterReplied(reply=reply))

    def record_satisfaction(
        self,
        context: ActionContext,
        *,
        satisfied: bool,
        rating: int | None = None,
        comment: str | None = None,
    ) -> None:
        """Record whether the handling satisfied the reporter."""
        self._check(Action.RECORD_SATISFACTION, context)
        data = SatisfactionRecorded(satisfied=satisfied, rating=rating, comment=comment)
        self._record(context, data)

    def close(self, context: ActionContext, *, note: str | None = None) -> None:
        """Close the complaint: automatically by the system, explicitly otherwise.

        The system closes only once the auto-close clock has run out.
        """
        self._check(Action.CLOSE, context)
        mode = ClosingMode.EXPLICIT
        if context.actor.role is Role.SYSTEM:
            mode = ClosingMode.AUTOMATIC
            reason = auto_close_reason(self.due_dates, context.occurred_at)
            if reason is not None:
                self._reject(InvalidActionError, Action.CLOSE, context, reason)
        self._record(context, ComplaintClosed(mode=mode, note=note))

    def reopen(self, context: ActionContext, *, reason: str) -> None:
        """Reopen a closed complaint; it returns to its last holder's follow-up."""
        self._check(Action.REOPEN, context)
        self._record(context, ComplaintReopened(reason=reason))

    def escalate(
        self, context: ActionContext, *, clock: DeadlineClock, due_at: datetime
    ) -> None:
        """Alert the national admin that a deadline clock ran out."""
        state = self._check(Action.ESCALATE, context)
        reason = escalation_reason(clock, due_at, context.occurred_at)
        if reason is not None:
            self._reject(InvalidActionError, Action.ESCALATE, context, reason)
        data = ComplaintEscalated(clock=clock, due_at=due_at, agency=state.holder)
        self._record(context, data)

    def change_privacy_flags(
        self, context: ActionContext, *, flags: PrivacyFlags, reason: str
    ) -> None:
        """Set the anonim and rahasia flags; the event records who and why."""
        state = self._check(Action.CHANGE_PRIVACY_FLAGS, context)
        action = Action.CHANGE_PRIVACY_FLAGS
        unchanged = unchanged_flags_reason(state.privacy, flags)
        if unchanged is not None:
            self._reject(InvalidActionError, action, context, unchanged)
        clearing = clearing_flags_reason(state.privacy, flags, context)
        if clearing is not None:
            self._reject(NotAuthorisedError, action, context, clearing)
        data = PrivacyFlagsChanged(previous=state.privacy, current=flags, reason=reason)
        self._record(context, data)

    def erase_reporter_identity(self, context: ActionContext, *, reason: str) -> None:
        """Record that the key of the reporter's sealed identity was destroyed."""
        state = self._check(Action.ERASE_REPORTER_IDENTITY, context)
        key_id = state.identity_key_id
        if key_id is None or state.identity_erased:
            self._reject(
                InvalidActionError,
                Action.ERASE_REPORTER_IDENTITY,
                context,
                erasure_reason(state),
            )
        self._record(context, ReporterIdentityErased(key_id=key_id, reason=reason))


def _acting_unit(context: ActionContext) -> UnitId | None:
    # An agency admin speaks for the agency itself, a liaison for its unit.
    if context.actor.role is Role.UNIT_LIAISON:
        return context.actor.unit
    return None

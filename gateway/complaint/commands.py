"""Commands: requests to act on a complaint, as the HTTP and Kafka intakes receive them.

Every command names the action in the imperative and carries who sends it,
when the action happened at the source, trace ids and the action's fields.
In JSON, ``type`` names the command, so :data:`AnyCommand` can parse any of them.
Apply one with :func:`gateway.complaint.handlers.handle`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self
from uuid import UUID

from pydantic import Field, model_validator

from events.envelope import Actor, SourceUri
from events.timestamps import Timestamp
from events.values import (
    AgencyId,
    ArchiveReason,
    Channel,
    Classification,
    DeadlineClock,
    DeletionReason,
    FrozenModel,
    Location,
    LongText,
    PrivacyFlags,
    Role,
    SealedIdentity,
    ShortText,
    SopTier,
    TrackingId,
    UnitId,
)
from gateway.complaint.context import Identifier
from gateway.complaint.transitions import Action

MAX_SAFE_INTEGER = 2**53 - 1
"""Largest integer a JSON document carries exactly (RFC 8785, I-JSON)."""


class ComplaintCommand(FrozenModel):
    """Fields every command has.

    ``command_id`` is unique per sending system and becomes the events'
    causation id. ``expected_version`` is the complaint version the sender
    decided on (0 for a submission); ``None`` skips the check.
    ``reporter_ref`` is the reporter acting, required when the actor is one.
    """

    action: ClassVar[Action]

    command_id: Identifier
    occurred_at: Timestamp
    actor: Actor
    correlation_id: Identifier
    expected_version: Annotated[int, Field(ge=0, le=MAX_SAFE_INTEGER)] | None = None
    source: SourceUri | None = None
    reporter_ref: ShortText | None = None

    @model_validator(mode="after")
    def _require_reporter_ref(self) -> Self:
        if self.actor.role is Role.REPORTER and self.reporter_ref is None:
            msg = (
                "reporter_ref is missing: a command from a reporter must name the "
                "reporter's pseudonymous reference"
            )
            raise ValueError(msg)
        return self

    def action_fields(self) -> dict[str, object]:
        """Return the fields the aggregate's command method takes as keywords."""
        common = set(ComplaintActionCommand.model_fields) | {"type"}
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name not in common
        }


class ComplaintActionCommand(ComplaintCommand):
    """A command on an existing complaint."""

    complaint_id: UUID


class SubmitComplaint(ComplaintCommand):
    """Submit a new complaint; ``reporter_ref`` is the complaint's reporter.

    Without ``complaint_id`` the handler derives one from the actor's agency
    and the command id, so a resent submission names the same complaint.
    """

    action = Action.SUBMIT
    type: Literal["submit_complaint"] = "submit_complaint"
    complaint_id: UUID | None = None
    reporter_ref: ShortText
    tracking_id: TrackingId
    channel: Channel
    classification: Classification
    title: ShortText
    description: LongText
    source_reference: ShortText | None = None
    category: ShortText | None = None
    location: Location | None = None
    privacy: PrivacyFlags = PrivacyFlags()
    reporter_identity: SealedIdentity | None = None
    target_agency: AgencyId | None = None


class VerifyComplaint(ComplaintActionCommand):
    action = Action.VERIFY
    type: Literal["verify_complaint"] = "verify_complaint"
    classification: Classification
    category: ShortText | None = None
    topic: ShortText | None = None
    tags: tuple[ShortText, ...] = ()
    sop_tier: SopTier | None = None
    supervisory: bool = False


class SetComplaintPending(ComplaintActionCommand):
    action = Action.SET_PENDING
    type: Literal["set_complaint_pending"] = "set_complaint_pending"
    reason: ShortText


class CompleteComplaint(ComplaintActionCommand):
    action = Action.COMPLETE
    type: Literal["complete_complaint"] = "complete_complaint"
    addition: LongText


class DeleteComplaint(ComplaintActionCommand):
    action = Action.DELETE
    type: Literal["delete_complaint"] = "delete_complaint"
    reason: DeletionReason
    note: ShortText | None = None


class ArchiveComplaint(ComplaintActionCommand):
    action = Action.ARCHIVE
    type: Literal["archive_complaint"] = "archive_complaint"
    reason: ArchiveReason
    note: ShortText | None = None


class DispositionComplaint(ComplaintActionCommand):
    action = Action.DISPOSITION
    type: Literal["disposition_complaint"] = "disposition_complaint"
    agency: AgencyId
    note: ShortText | None = None


class DeclineComplaint(ComplaintActionCommand):
    action = Action.DECLINE
    type: Literal["decline_complaint"] = "decline_complaint"
    reason: ShortText
    suggested_agency: AgencyId | None = None


class RedispositionComplaint(ComplaintActionCommand):
    action = Action.REDISPOSITION
    type: Literal["redisposition_complaint"] = "redisposition_complaint"
    to_agency: AgencyId
    note: ShortText | None = None


class ForwardComplaintToUnit(ComplaintActionCommand):
    action = Action.FORWARD_TO_UNIT
    type: Literal["forward_complaint_to_unit"] = "forward_complaint_to_unit"
    unit: UnitId
    note: ShortText | None = None


class RecordFollowUp(ComplaintActionCommand):
    action = Action.RECORD_FOLLOW_UP
    type: Literal["record_follow_up"] = "record_follow_up"
    summary: LongText


class PostResponse(ComplaintActionCommand):
    action = Action.POST_RESPONSE
    type: Literal["post_response"] = "post_response"
    response: LongText


class ReplyToResponse(ComplaintActionCommand):
    action = Action.REPLY
    type: Literal["reply_to_response"] = "reply_to_response"
    reply: LongText


class RecordSatisfaction(ComplaintActionCommand):
    action = Action.RECORD_SATISFACTION
    type: Literal["record_satisfaction"] = "record_satisfaction"
    satisfied: bool
    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    comment: ShortText | None = None


class CloseComplaint(ComplaintActionCommand):
    """Close the complaint; a close by the system is the automatic one."""

    action = Action.CLOSE
    type: Literal["close_complaint"] = "close_complaint"
    note: ShortText | None = None


class ReopenComplaint(ComplaintActionCommand):
    action = Action.REOPEN
    type: Literal["reopen_complaint"] = "reopen_complaint"
    reason: ShortText


class EscalateComplaint(ComplaintActionCommand):
    action = Action.ESCALATE
    type: Literal["escalate_complaint"] = "escalate_complaint"
    clock: DeadlineClock
    due_at: Timestamp


class ChangePrivacyFlags(ComplaintActionCommand):
    """Set the complaint's privacy flags to ``flags``."""

    action = Action.CHANGE_PRIVACY_FLAGS
    type: Literal["change_privacy_flags"] = "change_privacy_flags"
    flags: PrivacyFlags
    reason: ShortText


class EraseReporterIdentity(ComplaintActionCommand):
    action = Action.ERASE_REPORTER_IDENTITY
    type: Literal["erase_reporter_identity"] = "erase_reporter_identity"
    reason: ShortText


AnyCommand = Annotated[
    SubmitComplaint
    | VerifyComplaint
    | SetComplaintPending
    | CompleteComplaint
    | DeleteComplaint
    | ArchiveComplaint
    | DispositionComplaint
    | DeclineComplaint
    | RedispositionComplaint
    | ForwardComplaintToUnit
    | RecordFollowUp
    | PostResponse
    | ReplyToResponse
    | RecordSatisfaction
    | CloseComplaint
    | ReopenComplaint
    | EscalateComplaint
    | ChangePrivacyFlags
    | EraseReporterIdentity,
    Field(discriminator="type"),
]
"""Any command, discriminated by its ``type`` field."""

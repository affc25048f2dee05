"""The complaint event types: one frozen model per action, named in the past tense.

Each model is the ``data`` of a CloudEvents envelope. ``event_name`` and
``schema_version`` make the envelope's ``type`` attribute, for example
``id.go.lapor.complaint.submitted.v2``. The acting agency, unit and role travel
in the envelope, not in the data.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from events.timestamps import Timestamp
from events.values import (
    AgencyId,
    ArchiveReason,
    Channel,
    Classification,
    ClosingMode,
    DeadlineClock,
    DeletionReason,
    FrozenModel,
    Location,
    LongText,
    PrivacyFlags,
    SealedIdentity,
    ShortText,
    SopTier,
    TrackingId,
    UnitId,
)


class ComplaintEvent(FrozenModel):
    """Base of every complaint event's data."""

    event_name: ClassVar[str]
    schema_version: ClassVar[int] = 1


class ComplaintSubmitted(ComplaintEvent):
    """A reporter submitted a complaint through some channel.

    ``target_agency`` is set when the reporter chose the agency: the complaint
    then skips the national admin and goes straight to that agency's admin.
    """

    event_name = "complaint.submitted"
    schema_version = 2

    tracking_id: TrackingId
    source_reference: ShortText | None = None
    """The source system's own id for the complaint (a regional system's number)."""
    channel: Channel
    classification: Classification
    category: ShortText | None = None
    title: ShortText
    description: LongText
    location: Location | None = None
    privacy: PrivacyFlags = PrivacyFlags()
    reporter_ref: ShortText
    """Pseudonymous reporter reference: stable per reporter, carries no identity."""
    reporter_identity: SealedIdentity | None = None
    target_agency: AgencyId | None = None


class ComplaintVerified(ComplaintEvent):
    """An admin found the complaint complete and classified it."""

    event_name = "complaint.verified"

    classification: Classification
    category: ShortText | None = None
    topic: ShortText | None = None
    tags: tuple[ShortText, ...] = ()
    sop_tier: SopTier | None = None
    supervisory: bool = False
    """Berkadar pengawasan: misconduct by officials, routed to an inspectorate."""


class ComplaintSetPending(ComplaintEvent):
    """Verification set the complaint pending (tunda) for the reporter to complete."""

    event_name = "complaint.set_pending"

    reason: ShortText


class ComplaintCompleted(ComplaintEvent):
    """The reporter completed a pending complaint with the missing details."""

    event_name = "complaint.completed"

    addition: LongText


class ComplaintDeleted(ComplaintEvent):
    """Verification deleted the report (dihapus) as incomplete or unintelligible."""

    event_name = "complaint.deleted"

    reason: DeletionReason
    note: ShortText | None = None


class ComplaintArchived(ComplaintEvent):
    """The complaint was archived: an aspiration, or a pending report not completed."""

    event_name = "complaint.archived"

    reason: ArchiveReason
    note: ShortText | None = None


class ComplaintDispositioned(ComplaintEvent):
    """The complaint was sent to the agency with authority over it."""

    event_name = "complaint.dispositioned"

    agency: AgencyId
    note: ShortText | None = None


class ComplaintDeclined(ComplaintEvent):
    """The holding agency declared the complaint not its competence (bukan wewenang)."""

    event_name = "complaint.declined"

    agency: AgencyId
    reason: ShortText
    suggested_agency: AgencyId | None = None


class ComplaintRedispositioned(ComplaintEvent):
    """The complaint moved from one agency to another after a decline or review."""

    event_name = "complaint.redispositioned"

    from_agency: AgencyId
    to_agency: AgencyId
    note: ShortText | None = None


class ComplaintForwardedToUnit(ComplaintEvent):
    """The holding agency passed the complaint down to one of its units."""

    event_name = "complaint.forwarded_to_unit"

    agency: AgencyId
    unit: UnitId
    note: ShortText | None = None


class FollowUpRecorded(ComplaintEvent):
    """The holder recorded a follow-up action (tindak lanjut)."""

    event_name = "complaint.follow_up_recorded"

    agency: AgencyId
    unit: UnitId | None = None
    summary: LongText


class ResponsePosted(ComplaintEvent):
    """The holder posted the official response (tanggapan) to the reporter."""

    event_name = "complaint.response_posted"

    agency: AgencyId
    unit: UnitId | None = None
    response: LongText


class ReporterReplied(ComplaintEvent):
    """The reporter answered a response; the complaint returns to follow-up."""

    event_name = "complaint.reporter_replied"

    reply: LongText


class SatisfactionRecorded(ComplaintEvent):
    """The reporter said whether the handling satisfied them."""

    event_name = "complaint.satisfaction_recorded"

    satisfied: bool
    rating: int | None = Field(default=None, ge=1, le=5)
    comment: ShortText | None = None


class ComplaintClosed(ComplaintEvent):
    """The complaint was closed, explicitly or after the silence period."""

    event_name = "complaint.closed"

    mode: ClosingMode
    note: ShortText | None = None


class ComplaintReopened(ComplaintEvent):
    """A closed complaint was reopened and returns to its last holder's follow-up."""

    event_name = "complaint.reopened"

    reason: ShortText


class ComplaintEscalated(ComplaintEvent):
    """A deadline passed: the national admin is alerted to intervene."""

    event_name = "complaint.escalated"

    clock: DeadlineClock
    due_at: Timestamp
    agency: AgencyId | None = None
    """The agency holding the complaint when the deadline passed, if any."""


class PrivacyFlagsChanged(ComplaintEvent):
    """The privacy flags changed; the envelope's actor records who changed them."""

    event_name = "complaint.privacy_flags_changed"

    previous: PrivacyFlags
    current: PrivacyFlags
    reason: ShortText


class ReporterIdentityErased(ComplaintEvent):
    """The reporter's identity key was destroyed; the sealed identity is unreadable."""

    event_name = "complaint.reporter_identity_erased"

    key_id: ShortText
    reason: ShortText


EVENT_TYPES: tuple[type[ComplaintEvent], ...] = (
    ComplaintSubmitted,
    ComplaintVerified,
    ComplaintSetPending,
    ComplaintCompleted,
    ComplaintDeleted,
    ComplaintArchived,
    ComplaintDispositioned,
    ComplaintDeclined,
    ComplaintRedispositioned,
    ComplaintForwardedToUnit,
    FollowUpRecorded,
    ResponsePosted,
    ReporterReplied,
    SatisfactionRecorded,
    ComplaintClosed,
    ComplaintReopened,
    ComplaintEscalated,
    PrivacyFlagsChanged,
    ReporterIdentityErased,
)
"""Every current event type, in lifecycle order."""

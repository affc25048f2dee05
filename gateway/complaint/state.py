"""The lifecycle states of a complaint and the state the aggregate keeps."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from events.envelope import Sha256Hex
from events.timestamps import Timestamp
from events.values import (
    AgencyId,
    Classification,
    ClosingMode,
    DeadlineClock,
    FrozenModel,
    PrivacyFlags,
    ShortText,
    SopTier,
    TrackingId,
    UnitId,
)


class Status(StrEnum):
    """Lifecycle status of a complaint."""

    SUBMITTED = "submitted"
    """Awaiting verification: by the national admin, or by the chosen agency."""
    PENDING = "pending"
    """Tunda: waiting for the reporter to complete the report."""
    VERIFIED = "verified"
    """Verified by the national admin and waiting for disposition."""
    DISPOSITIONED = "dispositioned"
    """Held by an agency's admin."""
    DECLINED = "declined"
    """Bukan wewenang: back with the national admin for re-disposition."""
    IN_UNIT = "in_unit"
    """Forwarded by the holding agency to one of its units."""
    IN_FOLLOW_UP = "in_follow_up"
    """Follow-up recorded (or the reporter replied, or it was reopened)."""
    RESPONDED = "responded"
    """The official response is posted; the auto-close clock runs."""
    CLOSED = "closed"
    DELETED = "deleted"
    """Dihapus at verification as incomplete or unintelligible."""
    ARCHIVED = "archived"


TERMINAL_STATUSES = frozenset({Status.DELETED, Status.ARCHIVED})
"""Statuses that no lifecycle action leaves."""

OPEN_STATUSES = frozenset(Status) - TERMINAL_STATUSES - {Status.CLOSED}
"""Statuses in which the complaint is still being handled."""

HELD_STATUSES = frozenset(
    {
        Status.DISPOSITIONED,
        Status.IN_UNIT,
        Status.IN_FOLLOW_UP,
        Status.RESPONDED,
        Status.CLOSED,
    }
)
"""Statuses in which an agency holds the complaint (a closed one keeps its holder)."""


class ComplaintState(FrozenModel):
    """Everything the lifecycle rules need, folded from a complaint's events.

    ``holder`` is the agency that holds the complaint, ``None`` while it is with
    the national admin. ``unit`` is the unit the holder forwarded it to.
    A closed, deleted or archived complaint keeps its last holder and unit.
    """

    complaint_id: UUID
    tracking_id: TrackingId
    status: Status
    reporter_ref: ShortText
    privacy: PrivacyFlags
    classification: Classification
    target_agency: AgencyId | None
    holder: AgencyId | None
    unit: UnitId | None = None
    identity_key_id: ShortText | None = None
    """Key id of the sealed reporter identity; ``None`` if none was given."""
    identity_erased: bool = False
    sop_tier: SopTier | None = None
    supervisory: bool = False
    verified_at: Timestamp | None = None
    declined_by: tuple[AgencyId, ...] = ()
    """Every agency that declined the complaint, oldest first."""
    dispositions: int = 0
    """Dispositions and re-dispositions so far (bouncing between agencies)."""
    follow_ups: int = 0
    responses: int = 0
    responded_at: Timestamp | None = None
    satisfied: bool | None = None
    closing_mode: ClosingMode | None = None
    closed_at: Timestamp | None = None
    reopens: int = 0
    escalations: int = 0
    escalated: tuple[tuple[DeadlineClock, Timestamp], ...] = ()
    """Every escalated deadline as (clock, due moment), oldest first."""
    last_occurred_at: Timestamp
    last_recorded_at: Timestamp
    last_hash: Sha256Hex

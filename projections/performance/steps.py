"""The lifecycle steps the metrics use, and how each event maps to one."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

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
    ComplaintSubmitted,
    ComplaintVerified,
    FollowUpRecorded,
    ReporterReplied,
    ResponsePosted,
)

if TYPE_CHECKING:
    from events.payloads import ComplaintEvent


class StepKind(StrEnum):
    """A lifecycle step of a complaint, named after its event."""

    SUBMITTED = "submitted"
    VERIFIED = "verified"
    SET_PENDING = "set_pending"
    COMPLETED = "completed"
    DELETED = "deleted"
    ARCHIVED = "archived"
    DISPOSITIONED = "dispositioned"
    DECLINED = "declined"
    REDISPOSITIONED = "redispositioned"
    FORWARDED = "forwarded"
    FOLLOW_UP = "follow_up"
    RESPONSE = "response"
    REPORTER_REPLIED = "reporter_replied"
    CLOSED = "closed"
    REOPENED = "reopened"
    ESCALATED = "escalated"


STEP_KINDS: dict[type[ComplaintEvent], StepKind] = {
    ComplaintSubmitted: StepKind.SUBMITTED,
    ComplaintVerified: StepKind.VERIFIED,
    ComplaintSetPending: StepKind.SET_PENDING,
    ComplaintCompleted: StepKind.COMPLETED,
    ComplaintDeleted: StepKind.DELETED,
    ComplaintArchived: StepKind.ARCHIVED,
    ComplaintDispositioned: StepKind.DISPOSITIONED,
    ComplaintDeclined: StepKind.DECLINED,
    ComplaintRedispositioned: StepKind.REDISPOSITIONED,
    ComplaintForwardedToUnit: StepKind.FORWARDED,
    FollowUpRecorded: StepKind.FOLLOW_UP,
    ResponsePosted: StepKind.RESPONSE,
    ReporterReplied: StepKind.REPORTER_REPLIED,
    ComplaintClosed: StepKind.CLOSED,
    ComplaintReopened: StepKind.REOPENED,
    ComplaintEscalated: StepKind.ESCALATED,
}
"""The step of each event type that a metric uses.

Satisfaction, privacy-flag and identity-erasure events change no metric and
have no step.
"""


def step_kind(data: ComplaintEvent) -> StepKind | None:
    """Return the step an event's data makes, or ``None`` if it makes none."""
    return STEP_KINDS.get(type(data))


def step_detail(data: ComplaintEvent) -> str | None:
    """Return the one value of an event's data that the metrics read, if any."""
    if isinstance(data, ComplaintClosed):
        return data.mode.value
    if isinstance(data, ComplaintEscalated):
        return data.clock.value
    if isinstance(data, ComplaintRedispositioned):
        return data.from_agency
    if isinstance(data, ComplaintDeleted | ComplaintArchived):
        return data.reason.value
    return None

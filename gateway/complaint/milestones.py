"""The deadline milestones of each event, and the fold of a complaint's tracker.

The aggregate folds its ``DeadlineTracker`` over its events with the functions
here, using only the events' ``occurred_at`` times, so a replay reproduces the
same due dates. The rule set is the packaged one in force at the submission.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING

from events.payloads import (
    ComplaintArchived,
    ComplaintClosed,
    ComplaintCompleted,
    ComplaintDeclined,
    ComplaintDeleted,
    ComplaintDispositioned,
    ComplaintEscalated,
    ComplaintEvent,
    ComplaintForwardedToUnit,
    ComplaintRedispositioned,
    ComplaintReopened,
    ComplaintSetPending,
    ComplaintSubmitted,
    ComplaintVerified,
    FollowUpRecorded,
    PrivacyFlagsChanged,
    ReporterIdentityErased,
    ReporterReplied,
    ResponsePosted,
    SatisfactionRecorded,
)
from gateway.calendar import CalendarError
from gateway.deadlines import (
    DeadlineError,
    DeadlineTracker,
    Milestone,
    RuleSetCatalog,
    SopTier,
)

if TYPE_CHECKING:
    from events.envelope import Envelope
    from gateway.complaint.state import ComplaintState

logger = logging.getLogger(__name__)

MILESTONES: dict[type[ComplaintEvent], Milestone | None] = {
    ComplaintSubmitted: Milestone.SUBMITTED,
    ComplaintVerified: Milestone.VERIFIED,
    ComplaintSetPending: Milestone.SET_PENDING,
    ComplaintCompleted: Milestone.COMPLETED,
    ComplaintDeleted: Milestone.DELETED,
    ComplaintArchived: Milestone.ARCHIVED,
    ComplaintDispositioned: Milestone.DISPOSITIONED,
    ComplaintDeclined: Milestone.DECLINED,
    ComplaintRedispositioned: Milestone.REDISPOSITIONED,
    ComplaintForwardedToUnit: Milestone.FORWARDED,
    FollowUpRecorded: Milestone.FOLLOW_UP_RECORDED,
    ResponsePosted: Milestone.RESPONSE_POSTED,
    ReporterReplied: Milestone.REPORTER_REPLIED,
    SatisfactionRecorded: None,
    ComplaintClosed: Milestone.CLOSED,
    ComplaintReopened: Milestone.REOPENED,
    ComplaintEscalated: Milestone.ESCALATED,
    PrivacyFlagsChanged: None,
    ReporterIdentityErased: None,
}
"""The milestone of every event type; ``None`` for events that move no clock."""


@cache
def packaged_rule_sets() -> RuleSetCatalog:
    """Return the rule sets packaged with the gateway, loaded once."""
    return RuleSetCatalog.load()


def milestones_of(
    before: ComplaintState, data: ComplaintEvent
) -> tuple[Milestone, ...]:
    """Return the milestones an event reaches, in order.

    A verification by the agency the reporter chose also hands the complaint
    to that agency, so it reaches DISPOSITIONED as well as VERIFIED.
    """
    milestone = MILESTONES[type(data)]
    if milestone is None:
        return ()
    if isinstance(data, ComplaintVerified) and before.holder is not None:
        return (milestone, Milestone.DISPOSITIONED)
    return (milestone,)


def start_tracker(envelope: Envelope) -> DeadlineTracker | None:
    """Start the tracker of a submission; ``None`` if no rule set or calendar covers it.

    A complaint without a tracker has no due dates; the warning names it.
    """
    submitted_at = envelope.time
    try:
        rule_set = packaged_rule_sets().in_force_at(submitted_at)
        return DeadlineTracker.start(rule_set, submitted_at)
    except (DeadlineError, CalendarError) as exc:
        logger.warning(
            "Complaint %s has no deadline tracker: %s", envelope.subject, exc
        )
        return None


def advance_tracker(
    tracker: DeadlineTracker | None, before: ComplaintState, envelope: Envelope
) -> DeadlineTracker | None:
    """Return the tracker after ``envelope``, an event after the submission.

    Returns ``None`` if the rules or the calendar cannot compute the dates, so
    that a complaint's history always loads.
    """
    if tracker is None:
        return None
    data = envelope.data
    try:
        if isinstance(data, ComplaintVerified) and data.sop_tier is not None:
            tracker = tracker.with_sop_tier(SopTier(data.sop_tier.value))
        for milestone in milestones_of(before, data):
            tracker = tracker.advance(milestone, envelope.time)
    except (DeadlineError, CalendarError) as exc:
        logger.warning(
            "Complaint %s lost its deadline tracker at sequence %d: %s",
            envelope.subject,
            envelope.sequence,
            exc,
        )
        return None
    return tracker

"""Milestones of a complaint's life that move its deadline clocks, and the clocks.

The tracker uses these names only, never the event classes. The aggregate maps
each of its events to a milestone (or to none) before folding it in.
"""

from __future__ import annotations

from enum import StrEnum


class Milestone(StrEnum):
    """A complaint action that starts, stops, pauses or resumes a clock."""

    SUBMITTED = "submitted"
    VERIFIED = "verified"
    DISPOSITIONED = "dispositioned"
    DECLINED = "declined"
    """The holder declared "bukan wewenang"; the complaint awaits re-disposition."""
    REDISPOSITIONED = "redispositioned"
    FORWARDED = "forwarded"
    FOLLOW_UP_RECORDED = "follow_up_recorded"
    RESPONSE_POSTED = "response_posted"
    REPORTER_REPLIED = "reporter_replied"
    SET_PENDING = "set_pending"
    COMPLETED = "completed"
    """The reporter completed a pending complaint."""
    CLOSED = "closed"
    REOPENED = "reopened"
    ARCHIVED = "archived"
    DELETED = "deleted"
    ESCALATED = "escalated"


class ClockName(StrEnum):
    """A deadline clock; the value is also the tracker's field name."""

    VERIFICATION = "verification"
    FIRST_FOLLOW_UP = "first_follow_up"
    AUTO_CLOSE = "auto_close"
    PENDING_ARCHIVE = "pending_archive"
    RESOLUTION = "resolution"
    SOP = "sop"


class PauseReason(StrEnum):
    """Why a clock is paused, which decides the milestone that resumes it."""

    PENDING = "pending"
    """The complaint is pending until the reporter completes it (COMPLETED)."""
    AWAITING_REPLY = "awaiting_reply"
    """A response was posted; a reporter reply (REPORTER_REPLIED) resumes."""

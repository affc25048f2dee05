"""The due-date tracker that the Complaint aggregate folds over its milestones.

The tracker is an immutable, serialisable value. ``advance`` returns a new
tracker and computes everything from the milestone's ``at``, never from the
wall clock, so replaying the same milestones gives the same due dates.

What each milestone does to the clocks:

* SUBMITTED starts the tracker (:meth:`DeadlineTracker.start`): the verification
  and resolution clocks begin.
* DISPOSITIONED and REDISPOSITIONED hand the complaint to a holder: verification
  stops, and the first-follow-up and SOP clocks (re)start.
* FORWARDED hands it to a unit: verification stops, the first-follow-up clock
  restarts for the unit, and the SOP clock keeps running (it starts if absent).
* DECLINED ("bukan wewenang") returns the complaint for re-disposition. The
  first-follow-up and SOP clocks stop, and the verification clock restarts
  because the disposition must be made again. The next holder's first-follow-up
  clock starts at REDISPOSITIONED (or FORWARDED).
* FOLLOW_UP_RECORDED stops the first-follow-up clock.
* RESPONSE_POSTED stops the first-follow-up clock, starts auto-close, and pauses
  the resolution and SOP clocks while the reporter has the turn.
* REPORTER_REPLIED cancels auto-close and resumes the clocks the response paused.
* SET_PENDING pauses every running clock and starts pending-archive.
* COMPLETED stops pending-archive and resumes the clocks SET_PENDING paused.
* CLOSED, ARCHIVED and DELETED stop every clock; afterwards only REOPENED has an
  effect, and it starts a new first-follow-up clock.
* VERIFIED and ESCALATED change no clock.

A resumed clock's due moment moves by the days counted from the pause to the
resume, in the clock's unit (see :mod:`gateway.deadlines.clocks`). The tracker
does not check that milestones come in a valid order: the aggregate does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from gateway.calendar import (
    LocalTimeZone,
    calendar_for,
    default_time_zone,
    normalize_region,
    require_aware,
)
from gateway.deadlines.clocks import (
    Clock,
    change_rule,
    pause_clock,
    resume_clock,
    start_clock,
)
from gateway.deadlines.errors import MilestoneError, NoRuleSetInForceError
from gateway.deadlines.milestones import ClockName, Milestone, PauseReason
from gateway.deadlines.rules import ClockRule, RuleSet, SopTier

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from gateway.calendar import WorkingCalendar

_TERMINAL = frozenset({Milestone.CLOSED, Milestone.ARCHIVED, Milestone.DELETED})


class DueDates(BaseModel):
    """The due moment of every running clock; None when a clock is not running."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verification_due: AwareDatetime | None
    first_follow_up_due: AwareDatetime | None
    auto_close_due: AwareDatetime | None
    pending_archive_due: AwareDatetime | None
    resolution_due: AwareDatetime | None
    sop_due: AwareDatetime | None


class DeadlineTracker(BaseModel):
    """The deadline clocks of one complaint under one rule set.

    Each clock field contains the clock, or None when it was never started or has
    stopped. ``holder_since`` is when the current holder received the complaint,
    from which a late-chosen SOP tier counts.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_set: RuleSet
    submitted_at: AwareDatetime
    region: str | None
    time_zone: LocalTimeZone
    sop_tier: SopTier | None
    holder_since: AwareDatetime | None = None
    finished: bool = False
    verification: Clock | None = None
    first_follow_up: Clock | None = None
    auto_close: Clock | None = None
    pending_archive: Clock | None = None
    resolution: Clock | None = None
    sop: Clock | None = None

    @classmethod
    def start(
        cls,
        rule_set: RuleSet,
        submitted_at: dt.datetime,
        sop_tier: SopTier | None = None,
        region: str | None = None,
        time_zone: LocalTimeZone | None = None,
    ) -> DeadlineTracker:
        """Start the clocks of a complaint submitted at ``submitted_at``.

        ``region`` is the province code of the calendar (None: national) and
        ``time_zone`` defaults to the province's zone, or WIB. Raises
        NoRuleSetInForceError when ``rule_set`` took effect after the submission.
        """
        require_aware(submitted_at, "submitted_at")
        if submitted_at < rule_set.effective_from:
            raise NoRuleSetInForceError(
                f"rule set {rule_set.id!r} took effect at "
                f"{rule_set.effective_from.isoformat()}, after the submission at "
                f"{submitted_at.isoformat()}: choose it with "
                "RuleSetCatalog.in_force_at(submitted_at)",
                value=submitted_at,
            )
        code = None if region is None else normalize_region(region)
        zone = time_zone or default_time_zone(code)
        calendar = calendar_for(code, zone)
        clocks = rule_set.clocks
        return cls(
            rule_set=rule_set,
            submitted_at=submitted_at,
            region=code,
            time_zone=zone,
            sop_tier=sop_tier,
            verification=start_clock(calendar, clocks.verification, submitted_at),
            resolution=start_clock(calendar, clocks.resolution, submitted_at),
        )

    @property
    def rule_set_id(self) -> str:
        """The id of the rule set that governs this complaint."""
        return self.rule_set.id

    @property
    def calendar(self) -> WorkingCalendar:
        """The shared working-day calendar of the tracker's region and zone."""
        return calendar_for(self.region, self.time_zone)

    def clock(self, name: ClockName) -> Clock | None:
        """Return the named clock, running or paused, or None."""
        found: Clock | None = getattr(self, name.value)
        return found

    @property
    def due_dates(self) -> DueDates:
        """The due moments of the running clocks."""
        return DueDates(
            **{f"{name}_due": self._running_due(name) for name in ClockName}
        )

    def overdue(self, at: dt.datetime) -> frozenset[ClockName]:
        """Return the running clocks whose due moment is before ``at``."""
        require_aware(at, "at")
        return frozenset(
            name
            for name in ClockName
            if (due := self._running_due(name)) is not None and at > due
        )

    def advance(self, milestone: Milestone, at: dt.datetime) -> DeadlineTracker:
        """Return the tracker after ``milestone`` happened at ``at``.

        Raises MilestoneError for SUBMITTED, which only :meth:`start` handles.
        """
        require_aware(at, "at")
        if milestone is Milestone.SUBMITTED:
            raise MilestoneError(
                "SUBMITTED starts the clocks: call DeadlineTracker.start once "
                "instead of advancing an existing tracker",
                value=milestone,
            )
        if self.finished and milestone is not Milestone.REOPENED:
            return self
        updates = _HANDLERS[milestone](_Step(self, at))
        return self.model_copy(update=updates)

    def with_sop_tier(self, tier: SopTier | None) -> DeadlineTracker:
        """Return the tracker with another SOP tier (None removes the SOP clock).

        A running or paused SOP clock keeps its start and moves its due moment.
        Without an SOP clock, one starts from ``holder_since`` when a holder has
        the complaint.
        """
        if tier is None:
            return self.model_copy(update={"sop_tier": None, "sop": None})
        rule = self.rule_set.sop_tiers[tier]
        sop = self.sop
        if sop is not None:
            sop = change_rule(self.calendar, sop, rule)
        elif self.holder_since is not None and not self.finished:
            sop = start_clock(self.calendar, rule, self.holder_since)
        return self.model_copy(update={"sop_tier": tier, "sop": sop})

    def rule_for(self, name: ClockName) -> ClockRule | None:
        """Return the rule of the named clock (None for SOP without a tier)."""
        if name is not ClockName.SOP:
            rule: ClockRule = getattr(self.rule_set.clocks, name.value)
            return rule
        if self.sop_tier is None:
            return None
        return self.rule_set.sop_tiers[self.sop_tier]

    def _running_due(self, name: ClockName) -> dt.datetime | None:
        clock = self.clock(name)
        if clock is None or not clock.running:
            return None
        return clock.due


class _Step:
    """The tracker, the milestone's moment and the calendar, for one handler."""

    __slots__ = ("at", "calendar", "tracker")

    def __init__(self, tracker: DeadlineTracker, at: dt.datetime) -> None:
        self.tracker = tracker
        self.at = at
        self.calendar = tracker.calendar

    def start(self, name: ClockName) -> Clock | None:
        rule = self.tracker.rule_for(name)
        return None if rule is None else start_clock(self.calendar, rule, self.at)

    def pause(self, name: ClockName, reason: PauseReason) -> Clock | None:
        clock = self.tracker.clock(name)
        return None if clock is None else pause_clock(clock, self.at, reason)

    def resume_all(self, reason: PauseReason) -> dict[str, Any]:
        resumed: dict[str, Any] = {}
        for name in ClockName:
            clock = self.tracker.clock(name)
            if clock is not None and clock.paused_for is reason:
                resumed[name.value] = resume_clock(self.calendar, clock, self.at)
        return resumed


def _no_change(_: _Step) -> dict[str, Any]:
    return {}


def _dispositioned(step: _Step) -> dict[str, Any]:
    return {
        "verification": None,
        "first_follow_up": step.start(ClockName.FIRST_FOLLOW_UP),
        "sop": step.start(ClockName.SOP),
        "holder_since": step.at,
    }


def _forwarded(step: _Step) -> dict[str, Any]:
    tracker = step.tracker
    return {
        "verification": None,
        "first_follow_up": step.start(ClockName.FIRST_FOLLOW_UP),
        "sop": tracker.sop if tracker.sop is not None else step.start(ClockName.SOP),
        "holder_since": tracker.holder_since or step.at,
    }


def _declined(step: _Step) -> dict[str, Any]:
    return {
        "verification": step.start(ClockName.VERIFICATION),
        "first_follow_up": None,
        "sop": None,
        "holder_since": None,
    }


def _follow_up_recorded(_: _Step) -> dict[str, Any]:
    return {"first_follow_up": None}


def _response_posted(step: _Step) -> dict[str, Any]:
    waiting = PauseReason.AWAITING_REPLY
    return {
        "first_follow_up": None,
        "auto_close": step.start(ClockName.AUTO_CLOSE),
        "resolution": step.pause(ClockName.RESOLUTION, waiting),
        "sop": step.pause(ClockName.SOP, waiting),
    }


def _reporter_replied(step: _Step) -> dict[str, Any]:
    return {"auto_close": None, **step.resume_all(PauseReason.AWAITING_REPLY)}


def _set_pending(step: _Step) -> dict[str, Any]:
    updates: dict[str, Any] = {
        name.value: step.pause(name, PauseReason.PENDING)
        for name in ClockName
        if name is not ClockName.PENDING_ARCHIVE
    }
    running = step.tracker.pending_archive
    updates["pending_archive"] = running or step.start(ClockName.PENDING_ARCHIVE)
    return updates


def _completed(step: _Step) -> dict[str, Any]:
    return {"pending_archive": None, **step.resume_all(PauseReason.PENDING)}


def _finished(_: _Step) -> dict[str, Any]:
    stopped: dict[str, Any] = dict.fromkeys(name.value for name in ClockName)
    return {**stopped, "finished": True, "holder_since": None}


def _reopened(step: _Step) -> dict[str, Any]:
    return {"finished": False, "first_follow_up": step.start(ClockName.FIRST_FOLLOW_UP)}


_HANDLERS: dict[Milestone, Callable[[_Step], dict[str, Any]]] = {
    Milestone.VERIFIED: _no_change,
    Milestone.DISPOSITIONED: _dispositioned,
    Milestone.REDISPOSITIONED: _dispositioned,
    Milestone.FORWARDED: _forwarded,
    Milestone.DECLINED: _declined,
    Milestone.FOLLOW_UP_RECORDED: _follow_up_recorded,
    Milestone.RESPONSE_POSTED: _response_posted,
    Milestone.REPORTER_REPLIED: _reporter_replied,
    Milestone.SET_PENDING: _set_pending,
    Milestone.COMPLETED: _completed,
    Milestone.REOPENED: _reopened,
    Milestone.ESCALATED: _no_change,
    **dict.fromkeys(_TERMINAL, _finished),
}

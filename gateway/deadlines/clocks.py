"""One deadline clock: when it started, its rule, pauses and the due moment.

A clock's due moment is always ``calendar.add_days(started_at, amount +
extension, unit)``. A pause records when it began; resuming adds the days
counted from the pause to the resume (in the clock's own unit) to ``extension``.
Counting restarts per day, so a pause that begins and ends on the same day adds
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.deadlines.milestones import PauseReason
from gateway.deadlines.rules import ClockRule

if TYPE_CHECKING:
    import datetime as dt

    from gateway.calendar import WorkingCalendar


class Clock(BaseModel):
    """A started clock: running (``paused_at`` is None) or paused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    started_at: AwareDatetime
    rule: ClockRule
    extension: int = Field(default=0, ge=0)
    """Days of ``rule.unit`` added back for time spent paused."""
    due: AwareDatetime
    paused_at: AwareDatetime | None = None
    paused_for: PauseReason | None = None

    @property
    def running(self) -> bool:
        """Whether the clock is counting (started and not paused)."""
        return self.paused_at is None


def start_clock(calendar: WorkingCalendar, rule: ClockRule, at: dt.datetime) -> Clock:
    """Return a running clock started at ``at``."""
    due = calendar.add_days(at, rule.amount, rule.unit)
    return Clock(started_at=at, rule=rule, due=due)


def pause_clock(clock: Clock, at: dt.datetime, reason: PauseReason) -> Clock:
    """Return the clock paused at ``at``; a paused clock is returned unchanged."""
    if not clock.running:
        return clock
    return clock.model_copy(update={"paused_at": at, "paused_for": reason})


def resume_clock(calendar: WorkingCalendar, clock: Clock, at: dt.datetime) -> Clock:
    """Return the clock running again, its due moment moved by the paused days.

    A resume that comes before the pause (clock skew between agencies) adds no
    days, so a due moment never moves earlier.
    """
    if clock.paused_at is None:
        return clock
    paused_days = calendar.days_between(clock.paused_at, at, clock.rule.unit)
    extension = clock.extension + max(paused_days, 0)
    due = calendar.add_days(
        clock.started_at, clock.rule.amount + extension, clock.rule.unit
    )
    return clock.model_copy(
        update={
            "extension": extension,
            "due": due,
            "paused_at": None,
            "paused_for": None,
        }
    )


def change_rule(calendar: WorkingCalendar, clock: Clock, rule: ClockRule) -> Clock:
    """Return the clock with another rule, keeping its start, extension and pause.

    NOTE: an extension counted in another unit is dropped, because working days
    and calendar days do not convert; the packaged SOP tiers share one unit.
    """
    extension = clock.extension if rule.unit is clock.rule.unit else 0
    due = calendar.add_days(clock.started_at, rule.amount + extension, rule.unit)
    return clock.model_copy(update={"rule": rule, "extension": extension, "due": due})

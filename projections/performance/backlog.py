"""The backlog and overdue deadlines as of a moment.

The backlog counts the complaints open at ``as_of`` by holder, unit, stage
(the open status) and age bucket. A complaint's age is the number of working
days from its submission day to the ``as_of`` day
(``working_days_between``). A deadline clock is overdue when it was running
after the complaint's last step known at ``as_of`` and its due moment lies
before ``as_of``; its due moment comes from the versioned deadline rules the
write model applied.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from events.timestamps import Timestamp
from events.values import FrozenModel
from gateway.complaint.state import OPEN_STATUSES, Status
from gateway.deadlines import ClockName
from projections.performance.periods import require_offset
from projections.performance.timeline import load_latest_steps

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy import Connection

    from gateway.calendar import WorkingCalendar

AGE_BUCKETS: tuple[tuple[int, str], ...] = (
    (5, "0-5"),
    (10, "6-10"),
    (20, "11-20"),
    (60, "21-60"),
)
"""Upper bounds (working days, inclusive) and labels of the age buckets."""
OLDEST_BUCKET = "61+"
BUCKET_LABELS = (*(label for _, label in AGE_BUCKETS), OLDEST_BUCKET)

STAGES: tuple[Status, ...] = tuple(
    status for status in Status if status in OPEN_STATUSES
)
"""The open statuses, in lifecycle order: the backlog's stages."""


def age_bucket(working_days: int) -> str:
    """Return the label of the bucket a complaint of this age falls in."""
    for upper, label in AGE_BUCKETS:
        if working_days <= upper:
            return label
    return OLDEST_BUCKET


class BacklogCount(FrozenModel):
    """Open complaints of one holder, unit, stage and age bucket."""

    agency: str
    """The holding agency; empty while the complaint is with the national admin."""
    unit: str
    """The unit the holder forwarded it to; empty if none."""
    stage: Status
    age_bucket: str
    complaints: int


class OverdueCount(FrozenModel):
    """Open complaints of one holder and unit whose named clock is overdue."""

    agency: str
    unit: str
    clock: ClockName
    complaints: int


class Snapshot(FrozenModel):
    """The backlog and overdue counts as of one moment."""

    as_of: Timestamp
    backlog: tuple[BacklogCount, ...]
    overdue: tuple[OverdueCount, ...]

    def for_agency(self, agency: str) -> Snapshot:
        """Return only the counts of complaints that ``agency`` holds."""
        return self.model_copy(
            update={
                "backlog": tuple(c for c in self.backlog if c.agency == agency),
                "overdue": tuple(c for c in self.overdue if c.agency == agency),
            }
        )

    def agency_backlog(self, agency: str) -> dict[tuple[Status, str], int]:
        """Return ``agency``'s backlog by stage and age bucket, units summed."""
        totals: Counter[tuple[Status, str]] = Counter()
        for count in self.backlog:
            if count.agency == agency:
                totals[count.stage, count.age_bucket] += count.complaints
        return dict(totals)

    def agency_overdue(self, agency: str) -> dict[ClockName, int]:
        """Return ``agency``'s overdue complaints by clock, units summed."""
        totals: Counter[ClockName] = Counter()
        for count in self.overdue:
            if count.agency == agency:
                totals[count.clock] += count.complaints
        return dict(totals)


def take_snapshot(
    connection: Connection, as_of: dt.datetime, calendar: WorkingCalendar
) -> Snapshot:
    """Return the backlog and overdue counts as of ``as_of``."""
    require_offset(as_of)
    backlog: Counter[tuple[str, str, Status, str]] = Counter()
    overdue: Counter[tuple[str, str, ClockName]] = Counter()
    for latest in load_latest_steps(connection, as_of):
        if latest.status not in OPEN_STATUSES:
            continue
        agency, unit = latest.holder or "", latest.unit or ""
        age = calendar.working_days_between(latest.submitted_at, as_of)
        backlog[agency, unit, latest.status, age_bucket(age)] += 1
        for clock, due in latest.due.items():
            if as_of > due:
                overdue[agency, unit, clock] += 1
    return Snapshot(
        as_of=as_of,
        backlog=tuple(
            BacklogCount(
                agency=agency, unit=unit, stage=stage, age_bucket=bucket, complaints=n
            )
            for (agency, unit, stage, bucket), n in sorted(backlog.items())
        ),
        overdue=tuple(
            OverdueCount(agency=agency, unit=unit, clock=clock, complaints=n)
            for (agency, unit, clock), n in sorted(overdue.items())
        ),
    )

"""Reading complaint timelines and latest steps "as of" a moment.

A step counts as of T when its ``known_at`` is at or before T. The aggregate
accepts a complaint's events only with non-decreasing ``occurred_at`` and
``recorded_at``, so the steps known at T are always a prefix of the
complaint's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, select

from gateway.complaint.state import Status
from projections.performance import tables
from projections.performance.steps import StepKind

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping

    from sqlalchemy import Connection, RowMapping

    from gateway.deadlines import ClockName


@dataclass(frozen=True, slots=True)
class Step:
    """One lifecycle step; status, holder and unit are those after it."""

    sequence: int
    kind: StepKind
    occurred_at: dt.datetime
    status: Status
    holder: str | None
    unit: str | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class Timeline:
    """A complaint's steps known as of some moment, oldest first."""

    complaint_id: str
    submitted_at: dt.datetime
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class LatestStep:
    """A complaint's last step known as of some moment, with its running clocks."""

    complaint_id: str
    submitted_at: dt.datetime
    status: Status
    holder: str | None
    unit: str | None
    due: Mapping[ClockName, dt.datetime]
    """Due moment of each clock running after the step."""


_STEP_COLUMNS = (
    tables.steps.c.complaint_id,
    tables.steps.c.sequence,
    tables.steps.c.kind,
    tables.steps.c.occurred_at,
    tables.steps.c.status,
    tables.steps.c.holder,
    tables.steps.c.unit,
    tables.steps.c.detail,
)


def load_timelines(
    connection: Connection, start: dt.datetime, end: dt.datetime, as_of: dt.datetime
) -> list[Timeline]:
    """Return the timelines, as of ``as_of``, of complaints submitted in [start, end).

    A complaint submitted in the range but not yet known at ``as_of`` is left out.
    """
    complaints, steps = tables.complaints, tables.steps
    query = (
        select(complaints.c.submitted_at, *_STEP_COLUMNS)
        .join(complaints, complaints.c.complaint_id == steps.c.complaint_id)
        .where(
            complaints.c.submitted_at >= start,
            complaints.c.submitted_at < end,
            complaints.c.submitted_known_at <= as_of,
            steps.c.known_at <= as_of,
        )
        .order_by(steps.c.complaint_id, steps.c.sequence)
    )
    rows = connection.execute(query).mappings()
    return [
        _timeline(complaint_id, list(group))
        for complaint_id, group in groupby(rows, key=lambda row: row["complaint_id"])
    ]


def load_latest_steps(connection: Connection, as_of: dt.datetime) -> list[LatestStep]:
    """Return the last step known at ``as_of`` of every complaint open then.

    The query leaves out complaints settled (closed, deleted, archived) at or
    before ``as_of`` and never reopened since. A complaint settled later is
    returned with the status it had at ``as_of``, which may be settled too.
    """
    complaints, steps = tables.complaints, tables.steps
    known = steps.alias("known_steps")
    latest = (
        select(func.max(known.c.sequence))
        .where(
            known.c.complaint_id == complaints.c.complaint_id,
            known.c.known_at <= as_of,
        )
        .correlate(complaints)
        .scalar_subquery()
    )
    due_columns = [steps.c[column] for column in tables.DUE_COLUMNS.values()]
    query = (
        select(
            complaints.c.complaint_id,
            complaints.c.submitted_at,
            steps.c.status,
            steps.c.holder,
            steps.c.unit,
            *due_columns,
        )
        .select_from(complaints)
        .join(
            steps,
            and_(
                steps.c.complaint_id == complaints.c.complaint_id,
                steps.c.sequence == latest,
            ),
        )
        .where(
            complaints.c.submitted_known_at <= as_of,
            or_(complaints.c.settled_at.is_(None), complaints.c.settled_at > as_of),
        )
        .order_by(complaints.c.complaint_id)
    )
    return [_latest(row) for row in connection.execute(query).mappings()]


def _timeline(complaint_id: str, rows: Iterable[RowMapping]) -> Timeline:
    ordered = list(rows)
    return Timeline(
        complaint_id=complaint_id,
        submitted_at=ordered[0]["submitted_at"],
        steps=tuple(
            Step(
                sequence=row["sequence"],
                kind=StepKind(row["kind"]),
                occurred_at=row["occurred_at"],
                status=Status(row["status"]),
                holder=row["holder"],
                unit=row["unit"],
                detail=row["detail"],
            )
            for row in ordered
        ),
    )


def _latest(row: RowMapping) -> LatestStep:
    due = {
        clock: row[column]
        for clock, column in tables.DUE_COLUMNS.items()
        if row[column] is not None
    }
    return LatestStep(
        complaint_id=row["complaint_id"],
        submitted_at=row["submitted_at"],
        status=Status(row["status"]),
        holder=row["holder"],
        unit=row["unit"],
        due=due,
    )

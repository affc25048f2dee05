"""The final figures of a run and the checks that they agree with each other.

Every complaint a source submitted must appear once in the status view, in
the audit of the events topic, and in the performance projection's national
count, and every stored event once on the events topic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from gateway.complaint.state import Status
from projections.status.tables import complaints as status_complaints

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy import Engine

    from mainjob.imports import ImportOutcome
    from projections.audit.auditor import AuditReport
    from projections.performance.figures import Figures

SETTLED_STATUSES = frozenset({Status.CLOSED, Status.DELETED, Status.ARCHIVED})
"""Statuses of complaints that no longer count as backlog."""


@dataclass(frozen=True, slots=True)
class StatusFigures:
    """The status view: complaints by status, and open ones per agency."""

    by_status: dict[str, int]
    rows: int
    """Rows of the view, counted separately from the per-status counts."""
    backlog: list[tuple[str, int]]
    """Open complaints per holding agency, most first; ``""`` is no agency yet."""
    overdue: list[tuple[str, int]]
    """Open complaints with a deadline passed by the end of their source's
    history, per holding agency, most first."""


@dataclass(frozen=True, slots=True)
class Check:
    """One equality the run must satisfy."""

    name: str
    values: dict[str, int]

    @property
    def holds(self) -> bool:
        return len(set(self.values.values())) <= 1


@dataclass(frozen=True, slots=True)
class RunFigures:
    """Everything the final summary prints."""

    imports: list[ImportOutcome]
    stored_events: int
    status: StatusFigures
    audit: AuditReport
    national: Figures
    agencies: list[Figures]

    def checks(self) -> list[Check]:
        """Return the consistency checks of the run."""
        checks = [
            Check(
                f"{outcome.source.profile}: rows read = accepted + rejected",
                {
                    "rows read": outcome.result.rows_read,
                    "accepted + rejected": outcome.result.rows_accepted
                    + outcome.result.rows_rejected,
                },
            )
            for outcome in self.imports
        ]
        checks.append(
            Check(
                "complaints",
                {
                    "submitted by the imports": sum(
                        outcome.complaints_submitted for outcome in self.imports
                    ),
                    "status table total": sum(self.status.by_status.values()),
                    "rows of the status view": self.status.rows,
                    "seen by the audit": self.audit.complaints,
                    "counted by performance": self.national.received,
                },
            )
        )
        checks.append(
            Check(
                "events",
                {
                    "stored": self.stored_events,
                    "on the topic, without duplicates": self.audit.records
                    - len(self.audit.duplicates),
                },
            )
        )
        checks.append(
            Check("audit findings", {"found": len(self.audit.findings), "allowed": 0})
        )
        return checks

    def consistent(self) -> bool:
        return all(check.holds for check in self.checks())


def status_figures(
    engine: Engine, horizons: dict[str | None, dt.datetime]
) -> StatusFigures:
    """Read the status view; ``horizons`` maps an agency to its history's end.

    The ``None`` key is the moment for agencies without one of their own.
    """
    c = status_complaints.c
    with engine.connect() as connection:
        by_status = {
            str(status): int(count)
            for status, count in connection.execute(
                select(c.status, func.count()).group_by(c.status).order_by(c.status)
            )
        }
        rows = int(
            connection.execute(
                select(func.count()).select_from(status_complaints)
            ).scalar_one()
        )
        open_rows = connection.execute(
            select(c.agency, c.next_due_at).where(
                c.status.not_in([status.value for status in SETTLED_STATUSES])
            )
        ).all()
    backlog: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    fallback = horizons.get(None)
    for agency, next_due in open_rows:
        holder = agency or ""
        backlog[holder] += 1
        horizon = horizons.get(agency, fallback)
        if next_due is not None and horizon is not None and next_due < horizon:
            overdue[holder] += 1
    return StatusFigures(
        by_status=by_status,
        rows=rows,
        backlog=backlog.most_common(),
        overdue=overdue.most_common(),
    )


def agency_horizons(
    imports: list[ImportOutcome], agency_sources: dict[str, str]
) -> dict[str | None, dt.datetime]:
    """Return the end of the history of each agency's source (``None``: the latest)."""
    by_profile = {
        outcome.source.profile: outcome.horizon
        for outcome in imports
        if outcome.horizon is not None
    }
    horizons: dict[str | None, dt.datetime] = {
        agency: by_profile[profile]
        for agency, profile in agency_sources.items()
        if profile in by_profile
    }
    if by_profile:
        horizons[None] = max(by_profile.values())
    return horizons

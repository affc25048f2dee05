"""One batch of events folded into the performance tables with few statements.

The batch reads the rows of every complaint it touches in one query, folds
each event in memory with the aggregate's pure functions, and writes the
complaints and steps back with one multi-row statement per kind. Every
complaint is therefore read and written once per batch, however many of its
events the batch holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update

from events.payloads import ComplaintSubmitted
from gateway.complaint.evolution import evolve, initial_state
from gateway.complaint.milestones import advance_tracker, start_tracker
from gateway.complaint.state import Status
from projections.performance import tables
from projections.performance.errors import ProjectionStateError
from projections.performance.steps import step_detail, step_kind
from projections.performance.stored_state import (
    dump_state,
    dump_tracker,
    load_state,
    load_tracker,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from sqlalchemy import Connection

    from events.envelope import Envelope
    from gateway.complaint.state import ComplaintState
    from gateway.deadlines import DeadlineTracker

logger = logging.getLogger(__name__)

SETTLED_STATUSES = frozenset({Status.CLOSED, Status.DELETED, Status.ARCHIVED})
"""Statuses in which the complaint is no longer being handled."""
TERMINAL_STATUSES = frozenset({Status.DELETED, Status.ARCHIVED})
"""Statuses no action leaves: the stored tracker is dropped."""
SELECT_CHUNK = 500
"""Complaint ids per ``IN`` list, well under every backend's parameter limit."""

_SELECT_ROWS = select(
    tables.complaints.c.complaint_id,
    tables.complaints.c.submitted_at,
    tables.complaints.c.submitted_known_at,
    tables.complaints.c.last_sequence,
    tables.complaints.c.settled_at,
    tables.complaints.c.state,
    tables.complaints.c.tracker,
)
_UPDATE_ROW = update(tables.complaints).where(
    tables.complaints.c.complaint_id == bindparam("row_id")
)


def known_at(envelope: Envelope) -> dt.datetime:
    """Return the moment from which an event counts: the later of its two times."""
    return max(envelope.time, envelope.recorded_at)


@dataclass(slots=True)
class _Complaint:
    """A complaint's row as the batch folds it."""

    complaint_id: str
    submitted_at: dt.datetime
    submitted_known_at: dt.datetime
    last_sequence: int
    settled_at: dt.datetime | None
    state: ComplaintState
    tracker: DeadlineTracker | None
    stored: bool
    """Whether the row exists in the table (else the batch inserts it)."""
    changed: bool = False

    def row(self) -> dict[str, Any]:
        terminal = self.state.status in TERMINAL_STATUSES
        return {
            "complaint_id": self.complaint_id,
            "submitted_at": self.submitted_at,
            "submitted_known_at": self.submitted_known_at,
            "last_sequence": self.last_sequence,
            "status": self.state.status.value,
            "holder": self.state.holder,
            "unit": self.state.unit,
            "settled_at": self.settled_at,
            "state": dump_state(self.state),
            "tracker": None if terminal else dump_tracker(self.tracker),
        }


class Batch:
    """The complaints and steps of one batch, written back by :meth:`write`."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.complaints: dict[str, _Complaint] = {}
        self.steps: list[dict[str, Any]] = []
        self.skipped = 0

    def load(self, complaint_ids: Iterable[str]) -> None:
        """Read the stored rows of ``complaint_ids``, locking them for the batch."""
        to_read = sorted(set(complaint_ids) - self.complaints.keys())
        for first in range(0, len(to_read), SELECT_CHUNK):
            chunk = to_read[first : first + SELECT_CHUNK]
            query = _SELECT_ROWS.where(
                tables.complaints.c.complaint_id.in_(chunk)
            ).with_for_update()
            for row in self.connection.execute(query).mappings():
                complaint_id = row["complaint_id"]
                self.complaints[complaint_id] = _Complaint(
                    complaint_id=complaint_id,
                    submitted_at=row["submitted_at"],
                    submitted_known_at=row["submitted_known_at"],
                    last_sequence=row["last_sequence"],
                    settled_at=row["settled_at"],
                    state=load_state(row["state"]),
                    tracker=load_tracker(row["tracker"], complaint_id),
                    stored=True,
                )

    def fold(self, envelope: Envelope) -> None:
        """Fold one event into its complaint; skip it if already applied."""
        complaint = self.complaints.get(envelope.subject)
        if isinstance(envelope.data, ComplaintSubmitted):
            if complaint is not None:
                self._skip(envelope)
                return
            complaint = self._start(envelope)
        elif complaint is None:
            raise ProjectionStateError(
                f"event {envelope.id} ({envelope.type}) belongs to complaint "
                f"{envelope.subject}, which the performance projection has not "
                "seen: rebuild the projection from the start of the topic"
            )
        elif not self._continue(complaint, envelope):
            return
        if step_kind(envelope.data) is not None:
            self.steps.append(_step_row(envelope, complaint))

    def write(self) -> None:
        """Insert the new complaints, update the changed ones, insert the steps."""
        touched = [c for c in self.complaints.values() if c.changed]
        new = [complaint.row() for complaint in touched if not complaint.stored]
        changed = [
            {**complaint.row(), "row_id": complaint.complaint_id}
            for complaint in touched
            if complaint.stored
        ]
        if new:
            self.connection.execute(insert(tables.complaints), new)
        if changed:
            for row in changed:
                del row["complaint_id"]
            self.connection.execute(_UPDATE_ROW, changed)
        if self.steps:
            self.connection.execute(insert(tables.steps), self.steps)

    def _start(self, envelope: Envelope) -> _Complaint:
        complaint = _Complaint(
            complaint_id=envelope.subject,
            submitted_at=envelope.time,
            submitted_known_at=known_at(envelope),
            last_sequence=envelope.sequence,
            settled_at=None,
            state=initial_state(envelope),
            tracker=start_tracker(envelope),
            stored=False,
            changed=True,
        )
        self.complaints[envelope.subject] = complaint
        return complaint

    def _continue(self, complaint: _Complaint, envelope: Envelope) -> bool:
        last = complaint.last_sequence
        if envelope.sequence <= last:
            self._skip(envelope)
            return False
        if envelope.sequence != last + 1:
            raise ProjectionStateError(
                f"event {envelope.id} has sequence {envelope.sequence}, but "
                f"complaint {envelope.subject} was applied up to {last}: events "
                f"{last + 1} to {envelope.sequence - 1} are missing; rebuild the "
                "projection or restore the missing events"
            )
        before = complaint.state
        complaint.state = evolve(before, envelope)
        complaint.tracker = advance_tracker(complaint.tracker, before, envelope)
        complaint.last_sequence = envelope.sequence
        if complaint.state.status not in SETTLED_STATUSES:
            complaint.settled_at = None
        elif before.status not in SETTLED_STATUSES:
            complaint.settled_at = known_at(envelope)
        complaint.changed = True
        return True

    def _skip(self, envelope: Envelope) -> None:
        self.skipped += 1
        logger.debug("Skipped duplicate event %s", envelope.id)


def _step_row(envelope: Envelope, complaint: _Complaint) -> dict[str, Any]:
    kind = step_kind(envelope.data)
    state = complaint.state
    return {
        "complaint_id": envelope.subject,
        "sequence": envelope.sequence,
        "kind": None if kind is None else kind.value,
        "occurred_at": envelope.time,
        "known_at": known_at(envelope),
        "status": state.status.value,
        "holder": state.holder,
        "unit": state.unit,
        "detail": step_detail(envelope.data),
        **_due_columns(complaint.tracker),
    }


def _due_columns(tracker: DeadlineTracker | None) -> dict[str, dt.datetime | None]:
    """Return the due moment of each running clock by step column (``DueDates``)."""
    columns: dict[str, dt.datetime | None] = dict.fromkeys(tables.DUE_COLUMNS.values())
    if tracker is None:
        return columns
    for name, column in tables.DUE_COLUMNS.items():
        clock = tracker.clock(name)
        if clock is not None and clock.running:
            columns[column] = clock.due
    return columns

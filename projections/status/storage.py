"""Reading and writing complaint folds as rows of the status tables.

A fold is stored in its complaint's row: the query columns, the aggregate
state as JSON and the deadline tracker as JSON without its rule set (the row
names the rule set, which is packaged with the gateway). Parsed folds are
kept in a bounded cache keyed by complaint and checked against the row's
``last_hash``, so a rolled-back transaction can never leave a stale fold in
use: the next read finds the hash changed and parses the row again.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update

from gateway.complaint.milestones import packaged_rule_sets
from gateway.complaint.state import ComplaintState
from gateway.deadlines import DeadlineTracker
from projections.status.fold import ComplaintFold, next_due_of
from projections.status.tables import complaints, dispositions, history, holders

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy import Connection, Row

    from events.envelope import Envelope
    from projections.status.fold import FoldStep

SELECT_CHUNK = 500
DEFAULT_CACHE_SIZE = 20_000
"""Folds kept parsed between batches; each takes a few kilobytes."""

_LOADED_COLUMNS = (
    complaints.c.complaint_id,
    complaints.c.last_hash,
    complaints.c.state,
    complaints.c.tracker,
    complaints.c.rule_set_id,
    complaints.c.title,
    complaints.c.category,
    complaints.c.channel,
    complaints.c.submitted_at,
    complaints.c.held_by,
    complaints.c.last_sequence,
    complaints.c.status_since,
)


@dataclass(slots=True)
class PendingRows:
    """The rows one batch adds to the history tables."""

    history: list[dict[str, Any]] = field(default_factory=list)
    dispositions: list[dict[str, Any]] = field(default_factory=list)
    holders: list[dict[str, Any]] = field(default_factory=list)

    def add(self, step: FoldStep, envelope: Envelope) -> None:
        complaint_id = envelope.subject
        if step.change is not None:
            change = step.change
            self.history.append(
                {
                    "complaint_id": complaint_id,
                    "sequence": change.sequence,
                    "occurred_at": change.occurred_at,
                    "status": change.status.value,
                    "agency": change.agency,
                    "unit": change.unit,
                    "next_due_at": change.next_due_at,
                }
            )
        if step.disposition is not None:
            disposition = step.disposition
            self.dispositions.append(
                {
                    "complaint_id": complaint_id,
                    "sequence": disposition.sequence,
                    "kind": disposition.kind.value,
                    "occurred_at": disposition.occurred_at,
                    "from_agency": disposition.from_agency,
                    "to_agency": disposition.to_agency,
                    "unit": disposition.unit,
                    "reason": disposition.reason,
                    "suggested_agency": disposition.suggested_agency,
                    "note": disposition.note,
                }
            )
        if step.new_holder is not None:
            self.holders.append(
                {
                    "agency": step.new_holder,
                    "complaint_id": complaint_id,
                    "since": envelope.time,
                }
            )


class FoldStore:
    """Loads and stores folds, with a bounded cache of parsed ones."""

    def __init__(self, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self._cache: OrderedDict[str, ComplaintFold] = OrderedDict()
        self._cache_size = cache_size

    def load(
        self, connection: Connection, complaint_ids: Iterable[str]
    ) -> dict[str, ComplaintFold]:
        """Return the stored fold of each complaint that has a row."""
        ids = sorted(set(complaint_ids))
        folds: dict[str, ComplaintFold] = {}
        for start in range(0, len(ids), SELECT_CHUNK):
            chunk = ids[start : start + SELECT_CHUNK]
            query = select(*_LOADED_COLUMNS).where(complaints.c.complaint_id.in_(chunk))
            for row in connection.execute(query):
                folds[row.complaint_id] = self._fold_of(row)
        return folds

    def store(
        self,
        connection: Connection,
        folds: Sequence[ComplaintFold],
        *,
        existing: set[str],
        rows: PendingRows,
    ) -> None:
        """Write the folds (inserting those not in ``existing``) and ``rows``."""
        inserted = [complaint_row(fold) for fold in folds if _id(fold) not in existing]
        updated = [
            {"key": _id(fold), **complaint_row(fold)}
            for fold in folds
            if _id(fold) in existing
        ]
        if inserted:
            connection.execute(insert(complaints), inserted)
        if updated:
            statement = update(complaints).where(
                complaints.c.complaint_id == bindparam("key")
            )
            connection.execute(statement, updated)
        for table, values in (
            (history, rows.history),
            (dispositions, rows.dispositions),
            (holders, rows.holders),
        ):
            if values:
                connection.execute(insert(table), values)
        for fold in folds:
            self._remember(fold)

    def _fold_of(self, row: Row[*tuple[Any, ...]]) -> ComplaintFold:
        cached = self._cache.get(row.complaint_id)
        if cached is not None and cached.state.last_hash == row.last_hash:
            self._cache.move_to_end(row.complaint_id)
            return cached
        tracker = None
        if row.tracker is not None:
            fields = json.loads(row.tracker)
            fields["rule_set"] = packaged_rule_sets().get(row.rule_set_id)
            tracker = DeadlineTracker.model_validate(fields)
        return ComplaintFold(
            state=ComplaintState.model_validate_json(row.state),
            tracker=tracker,
            title=row.title,
            category=row.category,
            channel=row.channel,
            submitted_at=row.submitted_at,
            held_by=tuple(json.loads(row.held_by)),
            last_sequence=row.last_sequence,
            status_since=row.status_since,
            next_due_at=next_due_of(tracker),
        )

    def _remember(self, fold: ComplaintFold) -> None:
        key = _id(fold)
        self._cache[key] = fold
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _id(fold: ComplaintFold) -> str:
    return str(fold.state.complaint_id)


def complaint_row(fold: ComplaintFold) -> dict[str, Any]:
    """Return the ``status_complaints`` row of a fold."""
    state = fold.state
    tracker = fold.tracker
    due = fold.due_dates
    return {
        "complaint_id": _id(fold),
        "tracking_id": state.tracking_id,
        "title": fold.title,
        "category": fold.category,
        "classification": state.classification.value,
        "channel": fold.channel,
        "anonymous": state.privacy.anonymous,
        "confidential": state.privacy.confidential,
        "status": state.status.value,
        "agency": state.holder,
        "unit": state.unit,
        "submitted_at": fold.submitted_at,
        "status_since": fold.status_since,
        "last_activity_at": state.last_occurred_at,
        "closed_at": state.closed_at,
        "closing_mode": None
        if state.closing_mode is None
        else state.closing_mode.value,
        "rule_set_id": None if tracker is None else tracker.rule_set_id,
        "verification_due": None if due is None else due.verification_due,
        "first_follow_up_due": None if due is None else due.first_follow_up_due,
        "auto_close_due": None if due is None else due.auto_close_due,
        "pending_archive_due": None if due is None else due.pending_archive_due,
        "resolution_due": None if due is None else due.resolution_due,
        "sop_due": None if due is None else due.sop_due,
        "next_due_at": fold.next_due_at,
        "dispositions": state.dispositions,
        "declines": len(state.declined_by),
        "reopens": state.reopens,
        "escalations": state.escalations,
        "last_sequence": fold.last_sequence,
        "last_hash": state.last_hash,
        "state": state.model_dump_json(),
        "tracker": None
        if tracker is None
        else tracker.model_dump_json(exclude={"rule_set"}),
        "held_by": json.dumps(list(fold.held_by)),
    }

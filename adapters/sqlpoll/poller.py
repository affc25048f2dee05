"""Polling a legacy helpdesk table by its ``updated_at`` watermark.

Each poll reads the rows with ``updated_at`` at or after the stored watermark
minus the overlap, in ``(updated_at, ticket_id)`` order, a page at a time.
A row version already applied is skipped (the key is ticket id and row
version), so rows read again inside the overlap change nothing, and a row
that committed late with an ``updated_at`` inside the overlap is still
found. The new watermark is the newest ``updated_at`` read; it never moves
back. Rows without a status, without a LAPOR reference or without a row
version are malformed: counted, logged by ticket id and skipped.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import column, select, table, tuple_
from sqlalchemy.exc import SQLAlchemyError

from adapters.sqlpoll.applier import Outcome
from adapters.sqlpoll.changes import SourceChange
from adapters.sqlpoll.checkpoints import PollProgress
from adapters.sqlpoll.complaints import is_reference, resolve
from adapters.sqlpoll.errors import SourceError

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy import ColumnClause, Engine, Select

    from adapters.sqlpoll.applier import ChangeApplier
    from adapters.sqlpoll.complaints import ComplaintDirectory
    from adapters.sqlpoll.config import TablePollConfig
    from monitoring.adapters import PollMetrics

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"
"""The reason of a row whose reference the directory does not know."""
FIELDS = ("ticket_id", "tracking_id", "status", "notes", "updated_at", "row_version")


@dataclass(slots=True)
class PollSummary:
    """Counts of one poll by outcome, and the watermark it saved."""

    rows: int = 0
    outcomes: dict[Outcome, int] = field(default_factory=dict)
    watermark: dt.datetime | None = None

    def add(self, counts: dict[Outcome, int]) -> None:
        for outcome, count in counts.items():
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count


class TablePoller:
    """Reads one legacy table and applies its changes; see the module docstring."""

    def __init__(
        self,
        config: TablePollConfig,
        legacy: Engine,
        applier: ChangeApplier,
        directory: ComplaintDirectory,
        *,
        metrics: PollMetrics | None = None,
    ) -> None:
        self.config = config
        self.legacy = legacy
        self.applier = applier
        self.directory = directory
        self.metrics = metrics
        self.store = applier.store
        self.zone = ZoneInfo(config.legacy.timezone)
        schema, name = config.legacy.schema_and_name
        names = config.legacy.columns
        self.columns: dict[str, ColumnClause[Any]] = {
            field_: column(getattr(names, field_)) for field_ in FIELDS
        }
        self.table = table(name, *self.columns.values(), schema=schema)

    def poll_once(self) -> PollSummary:
        """Read and apply every row changed since the watermark minus the overlap."""
        started = time.perf_counter()
        try:
            summary = self._poll()
        except Exception:
            self._count_poll("failed")
            raise
        self._count_poll("ok")
        if self.metrics is not None:
            self.metrics.poll_seconds.labels("sqlpoll").observe(
                time.perf_counter() - started
            )
            if summary.watermark is not None:
                self.metrics.watermark.labels(
                    "sqlpoll", self.applier.identity.agency_label
                ).set(summary.watermark.timestamp())
        return summary

    def _poll(self) -> PollSummary:
        name = self.config.name
        watermark = self.store.watermark(name) or self.config.start_at
        lower = watermark - self.config.overlap
        progress = PollProgress()
        summary = PollSummary()
        newest = watermark
        after: tuple[dt.datetime, str] | None = None
        while True:
            rows = self._fetch(lower, after)
            summary.rows += len(rows)
            changes = self._changes(rows, progress, summary)
            summary.add(self.applier.apply(changes, progress))
            if rows:
                last = rows[-1]
                newest = max(newest, self._aware(last["updated_at"]))
                after = (last["updated_at"], last["ticket_id"])
            if len(rows) < self.config.batch_size:
                break
        progress.watermark = newest
        self.store.save(name, progress, prune_before=newest - 2 * self.config.overlap)
        summary.watermark = newest
        logger.info(
            "Polled %s: %d rows, %s; watermark %s",
            name,
            summary.rows,
            _describe(summary.outcomes),
            newest.isoformat(),
        )
        return summary

    def _fetch(
        self, lower: dt.datetime, after: tuple[dt.datetime, str] | None
    ) -> list[dict[str, Any]]:
        query = self._query(lower, after)
        try:
            with self.legacy.connect() as connection:
                rows = [dict(row._mapping) for row in connection.execute(query)]  # noqa: SLF001 (SQLAlchemy's public row mapping)
        except SQLAlchemyError as exc:
            msg = (
                f"reading {self.config.legacy.table} failed ({type(exc).__name__}); "
                "the poll is retried and no watermark moved"
            )
            raise SourceError(msg) from exc
        return [
            {field_: row[self.columns[field_].name] for field_ in FIELDS}
            for row in rows
        ]

    def _query(
        self, lower: dt.datetime, after: tuple[dt.datetime, str] | None
    ) -> Select[Any]:
        updated = self.columns["updated_at"]
        ticket = self.columns["ticket_id"]
        query = select(*self.columns.values()).where(updated >= lower)
        if after is not None:
            query = query.where(tuple_(updated, ticket) > tuple_(*after))
        return query.order_by(updated, ticket).limit(self.config.batch_size)

    def _changes(
        self, rows: list[dict[str, Any]], progress: PollProgress, summary: PollSummary
    ) -> list[SourceChange]:
        changes = []
        for row in rows:
            change = self._change(row)
            if isinstance(change, SourceChange):
                changes.append(change)
                continue
            outcome = self._skip(row, change, progress)
            summary.add({outcome: 1})
            self.applier.count(outcome)
        return changes

    def _skip(
        self, row: dict[str, Any], reason: str, progress: PollProgress
    ) -> Outcome:
        """Count a row that yields no change; mark a malformed version as seen."""
        ticket = str(row["ticket_id"])[:60]
        if reason == UNKNOWN:
            # Not marked as seen: the directory may know it by the next poll.
            logger.warning(
                "Ticket %s of %s names a complaint the gateway does not know; it is "
                "read again while inside the overlap",
                ticket,
                self.config.name,
            )
            return Outcome.UNKNOWN_COMPLAINT
        key = f"{row['ticket_id']}\x1fv{row['row_version']}"
        if key in progress.seen or self.store.seen(self.config.name, [key]):
            return Outcome.DUPLICATE
        progress.seen[key] = (self._aware(row["updated_at"]), Outcome.MALFORMED.value)
        logger.warning("Skipped ticket %s of %s: %s", ticket, self.config.name, reason)
        return Outcome.MALFORMED

    def _change(self, row: dict[str, Any]) -> SourceChange | str:
        """Return the change of a row, or the reason it yields none."""
        if row["row_version"] is None:
            return "it has no row version"
        status = _text(row["status"])
        if status is None:
            return "it has no status"
        reference = _text(row["tracking_id"])
        if reference is None:
            return "it has no LAPOR reference"
        if not is_reference(reference):
            return "its LAPOR reference is neither a tracking number nor a complaint id"
        complaint_id = resolve(reference, self.config.agency, self.directory)
        if complaint_id is None:
            return UNKNOWN
        return SourceChange(
            source=self.config.source,
            agency=self.config.agency,
            reference=str(row["ticket_id"]),
            version=f"v{row['row_version']}",
            complaint_id=complaint_id,
            status=status,
            notes=_text(row["notes"]),
            occurred_at=self._aware(row["updated_at"]),
        )

    def _aware(self, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=self.zone)
        return value

    def _count_poll(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.polls.labels(
                "sqlpoll", self.applier.identity.agency_label, outcome
            ).inc()


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _describe(outcomes: dict[Outcome, int]) -> str:
    if not outcomes:
        return "no changes"
    return ", ".join(f"{count} {outcome.value}" for outcome, count in outcomes.items())

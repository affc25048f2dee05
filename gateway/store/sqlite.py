"""The embedded store: eventsourcing's SQLite recorder plus the gateway's tables.

Command outcomes and deadline schedules are written by ``_insert_events`` in
the transaction that records the events, so a command is either recorded with
its events or not at all. The database runs in WAL mode (set by eventsourcing
for file databases) with SQLite's default ``synchronous=FULL``, so an
acknowledged command survives a power cut.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteFactory,
)

from events.values import DeadlineClock
from gateway.store.errors import StoreOpenError
from gateway.store.records import CommandRecord, ScheduledDeadline

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from eventsourcing.persistence import ApplicationRecorder, StoredEvent


class SQLiteComplaintRecorder(SQLiteApplicationRecorder):
    """Records complaint events, command outcomes, deadlines and relay positions."""

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements += [
            (
                "CREATE TABLE IF NOT EXISTS command_results ("
                "command_id TEXT PRIMARY KEY, command_type TEXT NOT NULL, "
                "digest TEXT NOT NULL, "
                "agency TEXT NOT NULL, complaint_id TEXT NOT NULL, "
                "first_sequence INTEGER NOT NULL, last_sequence INTEGER NOT NULL, "
                "recorded_at TEXT NOT NULL)"
            ),
            (
                "CREATE TABLE IF NOT EXISTS deadline_schedule ("
                "complaint_id TEXT NOT NULL, clock TEXT NOT NULL, "
                "due_at TEXT NOT NULL, version INTEGER NOT NULL, "
                "last_occurred_at TEXT NOT NULL, "
                "PRIMARY KEY (complaint_id, clock))"
            ),
            (
                "CREATE INDEX IF NOT EXISTS deadline_schedule_due "
                "ON deadline_schedule (due_at, complaint_id, clock)"
            ),
            (
                "CREATE TABLE IF NOT EXISTS relay_positions ("
                "name TEXT PRIMARY KEY, notification_id INTEGER NOT NULL)"
            ),
        ]
        return statements

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,  # noqa: ANN401 (eventsourcing passes save() keywords through)
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        commands: Sequence[CommandRecord] = kwargs.get("commands", ())
        for record in commands:
            c.execute(
                "INSERT INTO command_results VALUES (?,?,?,?,?,?,?,?)",
                (
                    record.command_id,
                    record.command_type,
                    record.digest,
                    record.agency,
                    str(record.complaint_id),
                    record.first_sequence,
                    record.last_sequence,
                    record.recorded_at.isoformat(),
                ),
            )
        deadlines: Mapping[UUID, Sequence[ScheduledDeadline]] = kwargs.get(
            "deadlines", {}
        )
        for complaint_id, scheduled in deadlines.items():
            c.execute(
                "DELETE FROM deadline_schedule WHERE complaint_id = ?",
                (str(complaint_id),),
            )
            for deadline in scheduled:
                c.execute(
                    "INSERT INTO deadline_schedule VALUES (?,?,?,?,?)",
                    (
                        str(complaint_id),
                        deadline.clock.value,
                        _utc_text(deadline.due_at),
                        deadline.version,
                        _utc_text(deadline.last_occurred_at),
                    ),
                )
        return notification_ids

    def select_command(self, command_id: str) -> CommandRecord | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT * FROM command_results WHERE command_id = ?", (command_id,)
            )
            row = c.fetchone()
        if row is None:
            return None
        return CommandRecord(
            command_id=row["command_id"],
            command_type=row["command_type"],
            digest=row["digest"],
            agency=row["agency"],
            complaint_id=UUID(row["complaint_id"]),
            first_sequence=row["first_sequence"],
            last_sequence=row["last_sequence"],
            recorded_at=datetime.fromisoformat(row["recorded_at"]),
        )

    def select_position(self, name: str) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT notification_id FROM relay_positions WHERE name = ?", (name,)
            )
            row = c.fetchone()
        return 0 if row is None else int(row["notification_id"])

    def update_position(self, name: str, notification_id: int) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "INSERT INTO relay_positions VALUES (?, ?) ON CONFLICT (name) "
                "DO UPDATE SET notification_id = excluded.notification_id",
                (name, notification_id),
            )

    def select_due_deadlines(
        self,
        until: datetime,
        limit: int,
        after: ScheduledDeadline | None = None,
        complaint_ids: Collection[UUID] | None = None,
    ) -> list[ScheduledDeadline]:
        query = "SELECT * FROM deadline_schedule WHERE due_at <= ?"
        params: list[object] = [_utc_text(until)]
        if after is not None:
            query += " AND (due_at, complaint_id, clock) > (?, ?, ?)"
            params += _row_key(after)
        if complaint_ids is not None:
            marks = ",".join("?" * len(complaint_ids)) or "NULL"
            query += f" AND complaint_id IN ({marks})"
            params += [str(i) for i in complaint_ids]
        query += " ORDER BY due_at, complaint_id, clock LIMIT ?"
        params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            c.execute(query, params)
            rows = c.fetchall()
        return [
            ScheduledDeadline(
                complaint_id=UUID(row["complaint_id"]),
                clock=DeadlineClock(row["clock"]),
                due_at=datetime.fromisoformat(row["due_at"]),
                version=row["version"],
                last_occurred_at=datetime.fromisoformat(row["last_occurred_at"]),
            )
            for row in rows
        ]


def _row_key(deadline: ScheduledDeadline) -> tuple[str, str, str]:
    return (
        _utc_text(deadline.due_at),
        str(deadline.complaint_id),
        deadline.clock.value,
    )


def _utc_text(moment: datetime) -> str:
    """Format an aware datetime in UTC so that text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class Factory(SQLiteFactory):
    """eventsourcing infrastructure factory that builds the complaint recorder."""

    application_recorder_class = SQLiteComplaintRecorder

    def application_recorder(self) -> ApplicationRecorder:
        recorder = SQLiteComplaintRecorder(self.datastore)
        if self.env_create_table():
            try:
                recorder.create_table()
            except PersistenceError as exc:
                path = self.env.get(self.SQLITE_DBNAME)
                msg = (
                    f"the SQLite store {path} could not be opened: {exc}; set "
                    "LAPOR_SQLITE_PATH (or LAPOR_DATA_DIR) to a file in a folder "
                    "the gateway can write"
                )
                raise StoreOpenError(msg) from exc
        return recorder

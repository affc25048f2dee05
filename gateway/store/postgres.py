"""The production store: eventsourcing's PostgreSQL recorder plus the gateway's tables.

eventsourcing calls ``_insert_events`` inside the transaction that inserts the
events (and takes the table lock that keeps notification ids in commit order),
so command outcomes and deadline schedules commit with their events or not at
all. The gateway's tables share the events table's name prefix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from psycopg.sql import SQL, Composed, Identifier

from events.values import DeadlineClock
from gateway.store.errors import StoreOpenError
from gateway.store.records import CommandRecord, ScheduledDeadline

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from datetime import datetime
    from uuid import UUID

    from eventsourcing.persistence import ApplicationRecorder, StoredEvent
    from psycopg import Cursor
    from psycopg.rows import DictRow


class PostgresComplaintRecorder(PostgresApplicationRecorder):
    """Records complaint events, command outcomes, deadlines and relay positions."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        prefix = events_table_name.removesuffix("_events")
        self.commands_table = self._table(f"{prefix}_command_results")
        self.deadlines_table = self._table(f"{prefix}_deadline_schedule")
        self.positions_table = self._table(f"{prefix}_relay_positions")
        self._select_command_statement = SQL(
            "SELECT * FROM {0} WHERE command_id = %s"
        ).format(self.commands_table)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} ("
                "command_id text PRIMARY KEY, command_type text NOT NULL, "
                "digest text NOT NULL, "
                "agency text NOT NULL, complaint_id uuid NOT NULL, "
                "first_sequence bigint NOT NULL, last_sequence bigint NOT NULL, "
                "recorded_at timestamptz NOT NULL)"
            ).format(self.commands_table),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} ("
                "complaint_id uuid NOT NULL, clock text NOT NULL, "
                "due_at timestamptz NOT NULL, version bigint NOT NULL, "
                "last_occurred_at timestamptz NOT NULL, "
                "PRIMARY KEY (complaint_id, clock))"
            ).format(self.deadlines_table),
            SQL(
                "CREATE INDEX IF NOT EXISTS {0} ON {1} (due_at, complaint_id, clock)"
            ).format(
                Identifier(f"{prefix}_deadline_schedule_due"), self.deadlines_table
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} ("
                "name text PRIMARY KEY, notification_id bigint NOT NULL)"
            ).format(self.positions_table),
        ]

    def _table(self, name: str) -> Composed:
        self.check_identifier_length(name)
        return SQL("{0}.{1}").format(
            Identifier(self.datastore.schema), Identifier(name)
        )

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,  # noqa: ANN401 (eventsourcing passes save() keywords through)
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        commands: Sequence[CommandRecord] = kwargs.get("commands", ())
        if commands:
            curs.executemany(
                SQL("INSERT INTO {0} VALUES (%s,%s,%s,%s,%s,%s,%s,%s)").format(
                    self.commands_table
                ),
                [
                    (
                        record.command_id,
                        record.command_type,
                        record.digest,
                        record.agency,
                        record.complaint_id,
                        record.first_sequence,
                        record.last_sequence,
                        record.recorded_at,
                    )
                    for record in commands
                ],
            )
        deadlines: Mapping[UUID, Sequence[ScheduledDeadline]] = kwargs.get(
            "deadlines", {}
        )
        if deadlines:
            curs.execute(
                SQL("DELETE FROM {0} WHERE complaint_id = ANY(%s)").format(
                    self.deadlines_table
                ),
                (list(deadlines),),
            )
            rows = [
                (complaint_id, d.clock.value, d.due_at, d.version, d.last_occurred_at)
                for complaint_id, scheduled in deadlines.items()
                for d in scheduled
            ]
            if rows:
                curs.executemany(
                    SQL("INSERT INTO {0} VALUES (%s,%s,%s,%s,%s)").format(
                        self.deadlines_table
                    ),
                    rows,
                )

    def select_command(self, command_id: str) -> CommandRecord | None:
        # One statement in autocommit mode reads one snapshot; a transaction
        # around it would only add BEGIN and ROLLBACK round trips per command.
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_command_statement, (command_id,), prepare=True)
            row = curs.fetchone()
        return None if row is None else CommandRecord.model_validate(row)

    def select_position(self, name: str) -> int:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT notification_id FROM {0} WHERE name = %s").format(
                    self.positions_table
                ),
                (name,),
            )
            row = curs.fetchone()
        return 0 if row is None else int(row["notification_id"])

    def update_position(self, name: str, notification_id: int) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "INSERT INTO {0} VALUES (%s, %s) ON CONFLICT (name) "
                    "DO UPDATE SET notification_id = excluded.notification_id"
                ).format(self.positions_table),
                (name, notification_id),
            )

    def select_due_deadlines(
        self,
        until: datetime,
        limit: int,
        after: ScheduledDeadline | None = None,
        complaint_ids: Collection[UUID] | None = None,
    ) -> list[ScheduledDeadline]:
        query = SQL("SELECT * FROM {0} WHERE due_at <= %s").format(self.deadlines_table)
        params: list[object] = [until]
        if after is not None:
            query += SQL(" AND (due_at, complaint_id, clock) > (%s, %s, %s)")
            params += [after.due_at, after.complaint_id, after.clock.value]
        if complaint_ids is not None:
            query += SQL(" AND complaint_id = ANY(%s)")
            params.append(list(complaint_ids))
        query += SQL(" ORDER BY due_at, complaint_id, clock LIMIT %s")
        params.append(limit)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, params)
            rows = curs.fetchall()
        return [
            ScheduledDeadline(
                complaint_id=row["complaint_id"],
                clock=DeadlineClock(row["clock"]),
                due_at=row["due_at"],
                version=row["version"],
                last_occurred_at=row["last_occurred_at"],
            )
            for row in rows
        ]


class Factory(PostgresFactory):
    """eventsourcing infrastructure factory that builds the complaint recorder."""

    application_recorder_class = PostgresComplaintRecorder

    def application_recorder(self) -> ApplicationRecorder:
        if self.env.get(self.POSTGRES_ENABLE_DB_FUNCTIONS, "n").lower() in ("y", "t"):
            # The database function path skips _insert_events, which would
            # drop command outcomes and deadlines.
            msg = (
                f"{self.POSTGRES_ENABLE_DB_FUNCTIONS} must be off for the complaint "
                "store: unset it"
            )
            raise ValueError(msg)
        try:
            return super().application_recorder()
        except PersistenceError as exc:
            host = self.env.get(self.POSTGRES_HOST)
            port = self.env.get(self.POSTGRES_PORT)
            database = self.env.get(self.POSTGRES_DBNAME)
            msg = (
                f"the PostgreSQL store (database {database} at {host}:{port}) "
                f"could not be opened: {exc}; check that the server runs and "
                "that LAPOR_POSTGRES_URL names it"
            )
            raise StoreOpenError(msg) from exc

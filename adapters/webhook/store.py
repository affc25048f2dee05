"""The per-destination delivery record, in SQLite through SQLAlchemy Core.

One row per agency and event id: where the event came from, how many attempts
it took, the last status or error, and when it was delivered or
dead-lettered. The worker reads it before sending, so an event that Kafka
hands out again (after a restart or a rebalance on the same node) is not
posted twice. SQLite runs in WAL mode with ``synchronous=NORMAL``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)

from adapters.webhook.retry import AttemptVerdict

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from adapters.webhook.records import FeedRecord
    from adapters.webhook.retry import AttemptResult

BUSY_TIMEOUT_SECONDS = 30.0
MAX_ERROR_CHARS = 500

metadata = MetaData()
deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("agency", String(63), primary_key=True),
    Column("event_id", String(300), primary_key=True),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", Integer, nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_status", Integer),
    Column("last_error", String(MAX_ERROR_CHARS)),
    Column("first_attempt_at", String(32)),
    Column("last_attempt_at", String(32)),
    Column("delivered_at", String(32)),
    Column("dead_lettered_at", String(32)),
    Column("redriven_at", String(32)),
)
"""Times are ISO 8601 text in UTC, which sorts in time order."""


class DeliveryState(StrEnum):
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One destination's record of one event."""

    agency: str
    event_id: str
    topic: str
    partition: int
    offset: int
    state: DeliveryState
    attempts: int
    last_status: int | None
    last_error: str | None
    delivered_at: str | None
    dead_lettered_at: str | None
    redriven_at: str | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class DeliveryStore:
    """Reads and writes delivery rows; every method is one short transaction."""

    def __init__(self, path: Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.engine: Engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"timeout": BUSY_TIMEOUT_SECONDS},
            hide_parameters=True,
        )
        event.listen(self.engine, "connect", _configure_sqlite)
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def find(self, agency: str, event_id: str) -> DeliveryRow | None:
        query = select(deliveries).where(
            deliveries.c.agency == agency, deliveries.c.event_id == event_id
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        return None if row is None else _row(row._mapping)  # noqa: SLF001 (SQLAlchemy's public row mapping)

    def is_delivered(self, agency: str, event_id: str) -> bool:
        row = self.find(agency, event_id)
        return row is not None and row.state is DeliveryState.DELIVERED

    def record_attempt(
        self, record: FeedRecord, event_id: str, result: AttemptResult
    ) -> None:
        """Count one attempt, keep its status or error, and its success if any."""
        now = _now()
        error = None if result.error is None else result.error[:MAX_ERROR_CHARS]
        changes: dict[str, Any] = {
            "attempts": deliveries.c.attempts + 1,
            "last_status": result.status,
            "last_error": error,
            "last_attempt_at": now,
        }
        if result.verdict is AttemptVerdict.DELIVERED:
            changes["state"] = DeliveryState.DELIVERED.value
            changes["delivered_at"] = now
        with self.engine.begin() as connection:
            updated = connection.execute(
                update(deliveries)
                .where(
                    deliveries.c.agency == record.agency,
                    deliveries.c.event_id == event_id,
                )
                .values(**changes)
            )
            if updated.rowcount:
                return
            first = {**changes, "attempts": 1}
            first.setdefault("state", DeliveryState.IN_PROGRESS.value)
            connection.execute(
                insert(deliveries).values(
                    agency=record.agency,
                    event_id=event_id,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    first_attempt_at=now,
                    **first,
                )
            )

    def mark_delivered(
        self, agency: str, event_id: str, *, redriven: bool = False
    ) -> None:
        now = _now()
        values: dict[str, Any] = {"state": DeliveryState.DELIVERED.value}
        values["delivered_at"] = now
        if redriven:
            values["redriven_at"] = now
        self._update(agency, event_id, values)

    def mark_dead_lettered(self, record: FeedRecord, event_id: str, error: str) -> None:
        """Record the dead letter, creating the row for a record never attempted."""
        values = {
            "state": DeliveryState.DEAD_LETTERED.value,
            "dead_lettered_at": _now(),
            "last_error": error[:MAX_ERROR_CHARS],
        }
        with self.engine.begin() as connection:
            updated = connection.execute(
                update(deliveries)
                .where(
                    deliveries.c.agency == record.agency,
                    deliveries.c.event_id == event_id,
                )
                .values(**values)
            )
            if not updated.rowcount:
                connection.execute(
                    insert(deliveries).values(
                        agency=record.agency,
                        event_id=event_id,
                        topic=record.topic,
                        partition=record.partition,
                        offset=record.offset,
                        attempts=0,
                        **values,
                    )
                )

    def dead_letter_counts(self) -> dict[str, int]:
        """Return, per agency, the events that are dead-lettered and not re-driven."""
        query = (
            select(deliveries.c.agency, func.count())
            .where(deliveries.c.state == DeliveryState.DEAD_LETTERED.value)
            .group_by(deliveries.c.agency)
        )
        with self.engine.connect() as connection:
            return {agency: int(count) for agency, count in connection.execute(query)}

    def rows(self, agency: str) -> list[DeliveryRow]:
        query = (
            select(deliveries)
            .where(deliveries.c.agency == agency)
            .order_by(deliveries.c.first_attempt_at, deliveries.c.event_id)
        )
        with self.engine.connect() as connection:
            return [_row(row._mapping) for row in connection.execute(query)]  # noqa: SLF001

    def _update(self, agency: str, event_id: str, values: dict[str, Any]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(deliveries)
                .where(deliveries.c.agency == agency, deliveries.c.event_id == event_id)
                .values(**values)
            )


def _row(mapping: Any) -> DeliveryRow:  # noqa: ANN401 (SQLAlchemy's RowMapping)
    return DeliveryRow(
        agency=mapping["agency"],
        event_id=mapping["event_id"],
        topic=mapping["topic"],
        partition=mapping["partition"],
        offset=mapping["offset"],
        state=DeliveryState(mapping["state"]),
        attempts=mapping["attempts"],
        last_status=mapping["last_status"],
        last_error=mapping["last_error"],
        delivered_at=mapping["delivered_at"],
        dead_lettered_at=mapping["dead_lettered_at"],
        redriven_at=mapping["redriven_at"],
    )


def _configure_sqlite(connection: Any, _record: Any) -> None:  # noqa: ANN401 (DB-API connection)
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()

"""Feeding the audit projection from a topic snapshot, as the runner would."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from events import decode_kafka
from projections.audit.reader import LogRecord
from projections.audit.tables import checkpoints
from projections.base import Position

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from projections.audit import AuditProjection, TopicSnapshot


def feed(engine: Engine, projection: AuditProjection, snapshot: TopicSnapshot) -> None:
    """Apply every record in its own transaction, partition by partition."""
    for record in snapshot.records:
        event = decode_kafka(record.key, record.value, record.headers)
        position = Position(snapshot.topic, record.partition, record.offset)
        with engine.begin() as connection:
            projection.apply(connection, event, position)


def checkpoint_records(engine: Engine) -> list[LogRecord]:
    """Return the stored checkpoints as the records of a one-partition topic."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(checkpoints.c.record).order_by(checkpoints.c.number)
        ).scalars()
        values = list(rows)
    return [
        LogRecord(0, offset, b"events", value.encode(), ())
        for offset, value in enumerate(values)
    ]

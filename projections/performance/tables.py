"""The performance projection's tables: one row per complaint, one per step.

``performance_complaints`` holds each complaint's latest folded state, which
``apply`` needs to place the next event. ``performance_steps`` is the
complaint's timeline: one row per lifecycle event that a metric uses, with the
status, holder and running deadlines after it. Every figure is computed from
the steps, so any figure can be recomputed as of a past moment.

Times are stored as naive UTC (``UtcDateTime``) because SQLite has no time
zone type; they come back timezone-aware in UTC on both backends.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

from gateway.deadlines import ClockName

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

PREFIX = "performance"

DUE_COLUMNS: dict[ClockName, str] = {name: f"{name.value}_due" for name in ClockName}
"""The step column holding each clock's due moment (``DueDates`` field names)."""

ID_LENGTH = 63
"""Longest agency or unit id (``events.values.AgencyId``)."""


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as naive UTC and read back as aware UTC."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        del dialect
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            msg = f"datetime {value.isoformat()} has no UTC offset: pass an aware one"
            raise ValueError(msg)
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        del dialect
        return None if value is None else value.replace(tzinfo=dt.UTC)


metadata = MetaData()

complaints = Table(
    f"{PREFIX}_complaints",
    metadata,
    Column("complaint_id", String(36), primary_key=True),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("submitted_known_at", UtcDateTime(), nullable=False),
    Column("last_sequence", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("holder", String(ID_LENGTH)),
    Column("unit", String(ID_LENGTH)),
    Column("settled_at", UtcDateTime()),
    Column("state", Text, nullable=False),
    Column("tracker", Text),
    Index(f"{PREFIX}_complaints_submitted_at", "submitted_at"),
    Index(f"{PREFIX}_complaints_settled_at", "settled_at"),
)
"""Each complaint's latest state.

``settled_at`` is when the step that closed, deleted or archived the complaint
became known; ``None`` while the complaint is open. ``state`` is the folded
``ComplaintState`` as JSON without the reporter reference; ``tracker`` is the
``DeadlineTracker`` as JSON with its rule set replaced by the rule set id.
"""

steps = Table(
    f"{PREFIX}_steps",
    metadata,
    Column("complaint_id", String(36), primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("known_at", UtcDateTime(), nullable=False),
    Column("status", String(32), nullable=False),
    Column("holder", String(ID_LENGTH)),
    Column("unit", String(ID_LENGTH)),
    Column("detail", String(ID_LENGTH)),
    *(Column(column, UtcDateTime()) for column in DUE_COLUMNS.values()),
)
"""Each complaint's timeline, one row per lifecycle step.

``known_at`` is the later of the event's ``occurred_at`` and ``recorded_at``:
a step counts "as of" T when ``known_at <= T``. ``status``, ``holder`` and
``unit`` are the complaint's after the step. ``detail`` is the closing mode of
a closing, the clock of an escalation, the previous holder of a
re-disposition and the reason of a deletion or archiving. The ``*_due``
columns are the due moments of the deadline clocks running after the step.
"""

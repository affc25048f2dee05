"""Durable poll state: each poller's watermark and the changes it has seen.

The state lives in an SQLite file or in a PostgreSQL schema of its own (for
example ``lapor_adapter`` beside the legacy tables, never inside them). Per
poller it keeps:

- the watermark: the newest source timestamp read so far; the next poll
  reads from the watermark minus the overlap;
- the seen changes: one key per record version already applied, with its
  source timestamp, so a version read again inside the overlap is skipped;
  keys older than the overlap are pruned because no poll can return them;
- per record, the digest of the last notes applied, so that a new note on a
  case in follow-up is recognised without keeping its text.

A poll's seen keys and new watermark are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.schema import CreateSchema
from sqlalchemy.types import TypeDecorator

from adapters.sqlpoll.errors import PollConfigError, SourceError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection, Dialect, Engine

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class UtcTimestamp(TypeDecorator[dt.datetime]):
    """An aware instant: ``timestamptz`` on PostgreSQL, naive UTC on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        del dialect
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = MetaData()
watermarks = Table(
    "poll_watermarks",
    metadata,
    Column("poller", String(100), primary_key=True),
    Column("watermark", UtcTimestamp, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
)
seen_changes = Table(
    "poll_seen_changes",
    metadata,
    Column("poller", String(100), primary_key=True),
    Column("change_key", String(400), primary_key=True),
    Column("changed_at", UtcTimestamp, nullable=False, index=True),
    Column("outcome", String(20), nullable=False),
)
records = Table(
    "poll_records",
    metadata,
    Column("poller", String(100), primary_key=True),
    Column("reference", String(300), primary_key=True),
    Column("notes_digest", String(64)),
)


@dataclass(slots=True)
class PollProgress:
    """What one poll applied, written at its end in one transaction."""

    seen: dict[str, tuple[dt.datetime, str]] = field(default_factory=dict)
    """Change key to its source time and outcome."""
    notes: dict[str, str | None] = field(default_factory=dict)
    """Record reference to the digest of the notes last applied."""
    watermark: dt.datetime | None = None


class CheckpointStore:
    """The poll state of any number of pollers in one database."""

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.engine = state_engine(url, schema)
        self.schema = schema
        try:
            with self.engine.begin() as connection:
                if schema is not None:
                    connection.execute(CreateSchema(schema, if_not_exists=True))
                metadata.create_all(connection)
        except SQLAlchemyError as exc:
            msg = f"cannot create the poll state tables: {type(exc).__name__}"
            raise SourceError(msg) from exc

    def close(self) -> None:
        self.engine.dispose()

    def watermark(self, poller: str) -> dt.datetime | None:
        query = select(watermarks.c.watermark).where(watermarks.c.poller == poller)
        with self.engine.connect() as connection:
            value: dt.datetime | None = connection.execute(query).scalar_one_or_none()
        return value

    def seen(self, poller: str, keys: Iterable[str]) -> set[str]:
        """Return which of ``keys`` were applied before."""
        wanted = list(keys)
        found: set[str] = set()
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = select(seen_changes.c.change_key).where(
                    seen_changes.c.poller == poller,
                    seen_changes.c.change_key.in_(chunk),
                )
                found.update(connection.execute(query).scalars())
        return found

    def notes_digest(self, poller: str, reference: str) -> str | None:
        query = select(records.c.notes_digest).where(
            records.c.poller == poller, records.c.reference == reference
        )
        with self.engine.connect() as connection:
            value: str | None = connection.execute(query).scalar_one_or_none()
        return value

    def save(
        self, poller: str, progress: PollProgress, *, prune_before: dt.datetime | None
    ) -> None:
        """Record a poll's seen changes, notes and watermark in one transaction."""
        with self.engine.begin() as connection:
            self._save_seen(connection, poller, progress)
            for reference, digest in progress.notes.items():
                _upsert(
                    connection,
                    records,
                    {"poller": poller, "reference": reference},
                    {"notes_digest": digest},
                )
            if progress.watermark is not None:
                _upsert(
                    connection,
                    watermarks,
                    {"poller": poller},
                    {
                        "watermark": progress.watermark,
                        "updated_at": dt.datetime.now(dt.UTC),
                    },
                )
            if prune_before is not None:
                connection.execute(
                    delete(seen_changes).where(
                        seen_changes.c.poller == poller,
                        seen_changes.c.changed_at < prune_before,
                    )
                )

    def _save_seen(
        self, connection: Connection, poller: str, progress: PollProgress
    ) -> None:
        for key, (changed_at, outcome) in progress.seen.items():
            _upsert(
                connection,
                seen_changes,
                {"poller": poller, "change_key": key},
                {"changed_at": changed_at, "outcome": outcome},
            )


def _upsert(
    connection: Connection,
    table: Table,
    key: dict[str, Any],
    values: dict[str, Any],
) -> None:
    conditions = [table.c[name] == value for name, value in key.items()]
    changed = connection.execute(update(table).where(*conditions).values(**values))
    if not changed.rowcount:
        connection.execute(insert(table).values(**key, **values))


def state_engine(url: str, schema: str | None) -> Engine:
    """Return an engine on an SQLite file, or on a PostgreSQL schema of its own."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        msg = (
            f"poll state URL is invalid: {exc}; use sqlite:///path/file.sqlite or "
            "postgresql://user@host:port/database with a schema"
        )
        raise PollConfigError(msg) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if schema is not None:
            msg = f"schema {schema!r} was given for an SQLite poll state: drop it"
            raise PollConfigError(msg)
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend != "postgresql":
        msg = (
            f"poll state backend {backend!r} is not supported: use sqlite or postgresql"
        )
        raise PollConfigError(msg)
    if schema is None or not _SCHEMA.match(schema):
        msg = (
            f"poll state schema {schema!r} is invalid: name a schema of its own, such "
            "as lapor_adapter, in lower-case letters, digits and underscores"
        )
        raise PollConfigError(msg)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    return engine.execution_options(schema_translate_map={None: schema})


def _sqlite_pragmas(connection: Any, _record: Any) -> None:  # noqa: ANN401 (DB-API connection)
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()

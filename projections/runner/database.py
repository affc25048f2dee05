"""Where a projection keeps its tables, and the engines that reach them.

A projection lives in one SQLite file or in one PostgreSQL schema. Writers
take SQLite's write lock when their transaction begins (``BEGIN IMMEDIATE``),
so two runner instances on one file serialise instead of failing half-way.
SQLite runs in WAL mode with ``synchronous=NORMAL``: a process crash loses no
committed transaction, and a power cut can lose only the last ones, which the
runner reads again from Kafka because the position rolls back with the view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from projections.runner.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Engine, MetaData
    from sqlalchemy.engine import URL

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long an SQLite connection waits for another writer's lock."""

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """A projection's database: an SQLAlchemy URL and, on PostgreSQL, a schema."""

    url: str
    schema: str | None = None

    @classmethod
    def parse(cls, url: str, schema: str | None = None) -> StoreLocation:
        """Check ``url`` and ``schema``; a ``postgresql://`` URL gets psycopg 3."""
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ConfigurationError(
                f"database URL is invalid: {exc}; use sqlite:///path/file.sqlite "
                "or postgresql://user@host:port/database"
            ) from exc
        backend = parsed.get_backend_name()
        if backend == "postgresql":
            if parsed.drivername in {"postgresql", "postgres"}:
                parsed = parsed.set(drivername="postgresql+psycopg")
            if schema is None or not _SCHEMA_NAME.match(schema):
                raise ConfigurationError(
                    f"PostgreSQL schema {schema!r} is invalid: name one of lower-case "
                    "letters, digits and underscores, such as projection_status"
                )
        elif backend == "sqlite":
            if schema is not None:
                raise ConfigurationError(
                    f"schema {schema!r} was given for an SQLite database: SQLite "
                    "keeps one projection per file, so drop the schema"
                )
        else:
            raise ConfigurationError(
                f"database backend {backend!r} is not supported: use sqlite or "
                "postgresql"
            )
        return cls(url=parsed.render_as_string(hide_password=False), schema=schema)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The database file of an SQLite location; ``None`` for PostgreSQL."""
        if not self.is_sqlite:
            return None
        database = make_url(self.url).database
        return Path(database) if database else None

    def describe(self) -> str:
        """Return the location for messages and logs, without a password."""
        shown = make_url(self.url).render_as_string(hide_password=True)
        return shown if self.schema is None else f"{shown} (schema {self.schema})"


def sqlite_location(path: Path) -> StoreLocation:
    """Return the location of an SQLite file."""
    return StoreLocation(url=f"sqlite:///{path}")


def create_store_engine(location: StoreLocation, *, writer: bool) -> Engine:
    """Return an engine for the location; ``writer`` engines lock on begin.

    Statements name tables without a schema; on PostgreSQL the engine maps
    them to the location's schema. Error messages leave out the statement
    parameters, because those can hold complaint content.
    """
    url = make_url(location.url)
    if location.is_sqlite:
        return _sqlite_engine(url, writer=writer)
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    return engine.execution_options(schema_translate_map={None: location.schema})


def _sqlite_engine(url: URL, *, writer: bool) -> Engine:
    if url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: object) -> None:  # noqa: ANN401 (DB-API connection)
        # Autocommit at the driver level, so that the "begin" hook below
        # decides how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:  # noqa: ANN401 (SQLAlchemy connection)
        connection.exec_driver_sql(begin)

    return engine


def create_tables(engine: Engine, location: StoreLocation, *metadata: MetaData) -> None:
    """Create the schema (PostgreSQL) and every table that does not exist yet."""
    with engine.begin() as connection:
        if location.schema is not None:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{location.schema}"'))
        for tables in metadata:
            tables.create_all(connection)


def drop_location(location: StoreLocation) -> None:
    """Delete the location: the SQLite file (with its WAL) or the schema."""
    path = location.sqlite_path
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(make_url(location.url))
    try:
        with engine.begin() as connection:
            connection.execute(
                text(f'DROP SCHEMA IF EXISTS "{location.schema}" CASCADE')
            )
    finally:
        engine.dispose()


def table_names(metadata: Iterable[MetaData]) -> list[str]:
    return [table.name for tables in metadata for table in tables.sorted_tables]

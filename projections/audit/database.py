"""Opening the projection database for the audit commands and the HTTP API."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

from projections.audit.tables import METADATA

if TYPE_CHECKING:
    from sqlalchemy import Engine

SQLITE_BUSY_TIMEOUT_MILLISECONDS = 10_000


def open_engine(url: str, *, create_tables: bool = True) -> Engine:
    """Return an engine for ``url``; SQLite files get WAL and a busy timeout.

    PostgreSQL URLs without a driver use psycopg 3, the driver the project
    installs.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    if create_tables:
        METADATA.create_all(engine)
    return engine


def _configure_sqlite(connection: Any, _record: object) -> None:  # noqa: ANN401 (DB-API connection)
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MILLISECONDS}")
    cursor.close()

"""The location of the performance view: the runner's one for ``performance``.

The runner keeps each projection in its own SQLite file under
``<data dir>/projections`` or in its own PostgreSQL schema. The report
command and the HTTP queries read the same place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.settings import Settings
from projections.performance.errors import DatabaseUrlError
from projections.performance.tables import PREFIX, metadata
from projections.runner.database import StoreLocation, create_store_engine
from projections.runner.database import create_tables as create_location_tables
from projections.runner.errors import ConfigurationError
from projections.runner.settings import ProjectionSettings, default_database_url

if TYPE_CHECKING:
    from sqlalchemy import Engine


def performance_location(
    url: str | None = None, schema: str | None = None
) -> StoreLocation:
    """Return the view's location: ``url``, else the runner's configured one.

    On PostgreSQL the schema defaults to the runner's, ``projection_performance``.
    Raises ``DatabaseUrlError`` for a URL or schema the runner cannot use.
    """
    options = ProjectionSettings()
    chosen = url or options.database_url or default_database_url(Settings(), PREFIX)
    if schema is None and chosen.startswith("postgres"):
        schema = f"{options.schema_prefix}{PREFIX}"
    try:
        return StoreLocation.parse(chosen, schema)
    except ConfigurationError as exc:
        raise DatabaseUrlError(str(exc)) from exc


def open_view(location: StoreLocation, *, writer: bool = False) -> Engine:
    """Return an engine on the view, with its tables created if missing."""
    engine = create_store_engine(location, writer=writer)
    create_location_tables(engine, location, metadata)
    return engine

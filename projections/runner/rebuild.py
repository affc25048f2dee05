"""Rebuilding a projection from the events topic into a fresh database or schema.

The rebuild never touches the live tables. It drops and recreates the
projection's tables in a new SQLite file next to the live one (or in a new
PostgreSQL schema), then reads the topic from the beginning up to the end
offsets it found when it started. Switching over is a separate step. The
rebuilt database carries its own positions, so a runner started on it resumes
where the rebuild stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from projections.runner.applier import BatchApplier
from projections.runner.catch_up import catch_up
from projections.runner.database import (
    StoreLocation,
    create_store_engine,
    create_tables,
    drop_location,
    sqlite_location,
)
from projections.runner.runner import BatchAccounting
from projections.runner.tracking import TrackingTables

if TYPE_CHECKING:
    from collections.abc import Callable

    from monitoring.projections import ProjectionMetrics
    from projections.base import Projection
    from projections.runner.dead_letters import DeadLetterSink
    from projections.runner.runner import RunnerConfig, RunSummary

logger = logging.getLogger(__name__)

MAX_SCHEMA_LENGTH = 63
"""PostgreSQL truncates longer identifiers."""


@dataclass(frozen=True, slots=True)
class RebuildResult:
    """The rebuilt view's location, its run summary and duration in seconds."""

    location: StoreLocation
    summary: RunSummary
    seconds: float


def rebuild_location(live: StoreLocation, stamp: str) -> StoreLocation:
    """Return a fresh location beside ``live``, named with ``stamp``."""
    path = live.sqlite_path
    if path is not None:
        return sqlite_location(path.with_name(f"{path.stem}.rebuild-{stamp}.sqlite"))
    schema = f"{live.schema}_rebuild_{stamp}"[:MAX_SCHEMA_LENGTH]
    return StoreLocation(url=live.url, schema=schema)


def timestamp_stamp(at: dt.datetime | None = None) -> str:
    """Return a UTC stamp for location names, such as ``20250602t090000``."""
    moment = at or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y%m%dt%H%M%S")


async def rebuild(  # noqa: PLR0913 (each argument is one independent choice)
    projection: Projection,
    *,
    target: StoreLocation,
    config: RunnerConfig,
    dead_letters: DeadLetterSink,
    metrics: ProjectionMetrics,
    on_batch: Callable[[RunSummary], None] | None = None,
) -> RebuildResult:
    """Rebuild ``projection`` into ``target`` from the beginning of the topic.

    Any tables already at ``target`` are dropped first.
    """
    started = time.perf_counter()
    drop_location(target)
    tracking = TrackingTables(projection.name)
    engine = create_store_engine(target, writer=True)
    try:
        create_tables(engine, target, projection.metadata, tracking.metadata)
        applier = BatchApplier(projection, engine, tracking, dead_letters)
        accounting = BatchAccounting(applier, metrics)
        summary = await catch_up(accounting, config, on_batch=on_batch)
    finally:
        engine.dispose()
        await dead_letters.close()
    seconds = time.perf_counter() - started
    logger.info(
        "Rebuilt projection %s into %s: %d events in %.1f s",
        projection.name,
        target.describe(),
        summary.applied,
        seconds,
    )
    return RebuildResult(location=target, summary=summary, seconds=seconds)


def switch_over(
    live: StoreLocation, rebuilt: StoreLocation, stamp: str
) -> StoreLocation:
    """Make ``rebuilt`` the live view; return where the old live view went.

    Stop the live runner first: a runner left running on SQLite keeps writing
    to the retired file, and on PostgreSQL it would write into the rebuilt
    schema from its own, later, Kafka position and halt at the first gap.
    """
    live_path, rebuilt_path = live.sqlite_path, rebuilt.sqlite_path
    if live_path is not None and rebuilt_path is not None:
        retired = live_path.with_name(f"{live_path.stem}.retired-{stamp}.sqlite")
        _checkpoint(rebuilt_path)
        if live_path.exists():
            _checkpoint(live_path)
            live_path.replace(retired)
        rebuilt_path.replace(live_path)
        logger.info(
            "Switched %s to the rebuilt view; old view in %s", live_path, retired
        )
        return sqlite_location(retired)
    retired_schema = f"{live.schema}_retired_{stamp}"[:MAX_SCHEMA_LENGTH]
    engine = create_engine(make_url(live.url))
    try:
        with engine.begin() as connection:
            # Schema names are checked by StoreLocation.parse or derived from one.
            found = connection.execute(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :name"),
                {"name": live.schema},
            ).first()
            if found is not None:
                connection.execute(
                    text(f'ALTER SCHEMA "{live.schema}" RENAME TO "{retired_schema}"')
                )
            connection.execute(
                text(f'ALTER SCHEMA "{rebuilt.schema}" RENAME TO "{live.schema}"')
            )
    finally:
        engine.dispose()
    logger.info(
        "Switched schema %s to the rebuilt view; old view in schema %s",
        live.schema,
        retired_schema,
    )
    return StoreLocation(url=live.url, schema=retired_schema)


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the database file so that the file alone is complete."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

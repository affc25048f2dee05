"""Shared calendars, one per region and time zone, for code that cannot hold one.

The deadline tracker is a plain serialisable value, so it names its calendar by
region and time zone and looks it up here. Operators' extra data folders are set
once at start-up with :func:`configure_extra_data_dirs`. Changing them drops the
cached calendars, so the next look-up reads the new files.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.calendar.regions import LocalTimeZone, default_time_zone, normalize_region
from gateway.calendar.working_calendar import WorkingCalendar

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_extra_data_dirs: tuple[Path, ...] = ()
_calendars: dict[tuple[str | None, LocalTimeZone], WorkingCalendar] = {}


def configure_extra_data_dirs(dirs: Sequence[Path]) -> None:
    """Set the operators' year-file folders and drop every cached calendar.

    The folders are read immediately, so a missing folder or an invalid file
    raises CalendarDataError here rather than at the first deadline.
    """
    folders = tuple(Path(folder) for folder in dirs)
    WorkingCalendar(extra_data_dirs=folders)
    global _extra_data_dirs  # noqa: PLW0603 (process-wide configuration by design)
    with _lock:
        _extra_data_dirs = folders
        _calendars.clear()
    logger.info("Calendar data folders set to %s", [str(f) for f in folders])


def extra_data_dirs() -> tuple[Path, ...]:
    """Return the configured extra year-file folders."""
    return _extra_data_dirs


def calendar_for(
    region: str | None = None, time_zone: LocalTimeZone | None = None
) -> WorkingCalendar:
    """Return the shared calendar of a province (None: national) and time zone."""
    normalized = None if region is None else normalize_region(region)
    zone = time_zone or default_time_zone(normalized)
    key = (normalized, zone)
    calendar = _calendars.get(key)
    if calendar is not None:
        return calendar
    with _lock:
        calendar = _calendars.get(key)
        if calendar is None:
            calendar = WorkingCalendar(normalized, zone, _extra_data_dirs)
            _calendars[key] = calendar
    return calendar

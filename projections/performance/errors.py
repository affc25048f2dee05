"""Errors of the performance metrics projection and its reports.

``PerformanceError`` is the root:

- ``ProjectionStateError``: an event does not fit the complaint's stored
  state (an unknown complaint, a gap in its sequence).
- ``PeriodError``: a reporting period or an "as of" moment is invalid.
- ``DatabaseUrlError``: the database URL or schema is unusable.
"""

from __future__ import annotations


class PerformanceError(Exception):
    """Root of the performance projection's errors."""


class ProjectionStateError(PerformanceError):
    """An event does not continue the complaint as the projection stored it."""


class PeriodError(PerformanceError, ValueError):
    """A reporting period or an "as of" moment is invalid."""


class DatabaseUrlError(PerformanceError, ValueError):
    """A database URL or schema names no place the projection can be kept."""

"""Exceptions of the working-day calendar, all under one root.

::

    CalendarError                 root: anything the calendar cannot do
    ├── NaiveDatetimeError        a datetime without a UTC offset
    ├── UnknownRegionError        a province code that is not ISO 3166-2:ID
    ├── CalendarDataError         a year file that is missing, unreadable or invalid
    └── CalendarRangeError        a negative day count or a date past year 9999

Every exception carries the offending value in ``value``. The errors about a
single argument also subclass ``ValueError``.
"""

from __future__ import annotations


class CalendarError(Exception):
    """Root of the calendar's exceptions; ``value`` is the offending value."""

    def __init__(self, message: str, *, value: object = None) -> None:
        super().__init__(message)
        self.value = value


class NaiveDatetimeError(CalendarError, ValueError):
    """A datetime has no UTC offset, so its local day is unknown."""


class UnknownRegionError(CalendarError, ValueError):
    """A region code is not an Indonesian province code of ISO 3166-2:ID."""


class CalendarDataError(CalendarError):
    """A calendar year file cannot be read or does not match the schema."""


class CalendarRangeError(CalendarError, ValueError):
    """A day count is negative, or the result falls outside the datetime range."""

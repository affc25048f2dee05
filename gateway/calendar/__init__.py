"""The Indonesian working-day calendar for complaint deadlines.

Working days exclude weekends, national holidays (``holidays`` library), cuti
bersama and regional days off (packaged year files, extendable by operators).
See :mod:`gateway.calendar.working_calendar` for the counting conventions.
"""

from gateway.calendar.errors import (
    CalendarDataError,
    CalendarError,
    CalendarRangeError,
    NaiveDatetimeError,
    UnknownRegionError,
)
from gateway.calendar.regions import (
    PROVINCES,
    LocalTimeZone,
    Province,
    default_time_zone,
    normalize_region,
)
from gateway.calendar.registry import (
    calendar_for,
    configure_extra_data_dirs,
    extra_data_dirs,
)
from gateway.calendar.working_calendar import DayUnit, WorkingCalendar, require_aware

__all__ = [
    "PROVINCES",
    "CalendarDataError",
    "CalendarError",
    "CalendarRangeError",
    "DayUnit",
    "LocalTimeZone",
    "NaiveDatetimeError",
    "Province",
    "UnknownRegionError",
    "WorkingCalendar",
    "calendar_for",
    "configure_extra_data_dirs",
    "default_time_zone",
    "extra_data_dirs",
    "normalize_region",
    "require_aware",
]

"""The Indonesian working-day calendar used for complaint deadlines.

Conventions, shared by every method that takes or returns a datetime:

* Inputs are timezone-aware datetimes; a naive one raises NaiveDatetimeError.
  Each input is converted to the calendar's local zone (WIB, WITA or WIT) and
  only its local date counts, so an action at 23:50 WIB belongs to that day.
* Counting starts the day after the start: an action on day D counts from D+1,
  whatever the time of day and whether D itself is a working day.
* A due moment is the last instant of the due day in local time
  (``23:59:59.999999``). A deadline is missed at any moment later than that.
* A working day is Monday to Friday and not a national holiday (``holidays``
  library, category ``public``, corrected by the year files), not cuti bersama
  and not a regional day off of the calendar's province.
"""

from __future__ import annotations

import datetime as dt
import logging
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

import holidays

from gateway.calendar.errors import CalendarRangeError, NaiveDatetimeError
from gateway.calendar.regions import LocalTimeZone, default_time_zone, normalize_region
from gateway.calendar.year_files import LoadedYear, load_years

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5


class DayUnit(StrEnum):
    """The unit of a day count: working days or calendar days."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"


def require_aware(value: dt.datetime, name: str = "datetime") -> dt.datetime:
    """Return ``value`` unchanged; raise NaiveDatetimeError if it has no offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        text = value.isoformat()
        raise NaiveDatetimeError(
            f"{name} {text!r} has no UTC offset, so its local day is unknown: "
            f"pass an aware datetime, for example {text}+07:00 for WIB",
            value=value,
        )
    return value


@dataclass(frozen=True, slots=True)
class _YearTable:
    working: tuple[int, ...]
    """Ordinals (``date.toordinal()``) of the year's working days, ascending."""
    days_off: Mapping[dt.date, str]
    """Names of the year's holidays (weekends are not listed)."""


class WorkingCalendar:
    """Working days of one region in one time zone, cached per year.

    ``region`` is an ISO 3166-2:ID province code (None for the national calendar,
    which has no regional days off). ``time_zone`` defaults to the zone of the
    province's capital, or WIB. ``extra_data_dirs`` are folders of ``<year>.yaml``
    files that add years or replace packaged ones. Instances are safe to share
    between threads: the per-year cache only grows and its entries never change.
    """

    def __init__(
        self,
        region: str | None = None,
        time_zone: LocalTimeZone | None = None,
        extra_data_dirs: Sequence[Path] = (),
    ) -> None:
        self._region = None if region is None else normalize_region(region)
        self._time_zone = time_zone or default_time_zone(self._region)
        self._zone: ZoneInfo = self._time_zone.zone
        self._years: Mapping[int, LoadedYear] = load_years(extra_data_dirs)
        self._tables: dict[int, _YearTable] = {}

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(region={self._region!r}, "
            f"time_zone={self._time_zone.name})"
        )

    @property
    def region(self) -> str | None:
        """The province code, or None for the national calendar."""
        return self._region

    @property
    def time_zone(self) -> LocalTimeZone:
        """The zone in which days are counted."""
        return self._time_zone

    @property
    def data_years(self) -> tuple[int, ...]:
        """The years that have a year file (cuti bersama and regional data)."""
        return tuple(sorted(self._years))

    def has_collective_leave_data(self, year: int) -> bool:
        """Return whether a year file lists the cuti bersama of ``year``.

        Without one the calendar still works, but it counts cuti bersama days as
        working days and logs a warning the first time it uses that year.
        """
        return year in self._years

    # Days.

    def local_date(self, at: dt.datetime) -> dt.date:
        """Return the local date of an aware datetime in the calendar's zone."""
        return require_aware(at).astimezone(self._zone).date()

    def end_of_day(self, day: dt.date) -> dt.datetime:
        """Return the last instant of ``day`` in local time (the due moment)."""
        return dt.datetime.combine(day, dt.time.max, tzinfo=self._zone)

    def is_working_day(self, day: dt.date | dt.datetime) -> bool:
        """Return whether ``day`` is a working day; a datetime counts by local date."""
        if isinstance(day, dt.datetime):
            day = self.local_date(day)
        working = self._table(day.year).working
        index = bisect_left(working, day.toordinal())
        return index < len(working) and working[index] == day.toordinal()

    def holiday_name(self, day: dt.date) -> str | None:
        """Return the names of the holidays on ``day`` joined by "; ", or None."""
        return self._table(day.year).days_off.get(day)

    def holidays(self, year: int) -> Mapping[dt.date, str]:
        """Return every holiday of ``year`` (weekends excluded) with its name."""
        return self._table(year).days_off

    # Adding days: the result is the end of the local due day.

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Return the end of the ``days``-th working day after the start's day.

        ``days=0`` returns the end of the start's own day.
        """
        day = self.local_date(start)
        return self.end_of_day(self._nth_working_day_after(day, _check_days(days)))

    def add_calendar_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Return the end of the local day ``days`` calendar days after the start's."""
        day = self.local_date(start)
        try:
            return self.end_of_day(day + dt.timedelta(days=_check_days(days)))
        except OverflowError as exc:
            raise CalendarRangeError(
                f"{days} days after {day} is past year 9999", value=days
            ) from exc

    def add_days(self, start: dt.datetime, days: int, unit: DayUnit) -> dt.datetime:
        """Return the due moment ``days`` days of ``unit`` after ``start``."""
        if unit is DayUnit.WORKING_DAYS:
            return self.add_working_days(start, days)
        return self.add_calendar_days(start, days)

    # Counting days between two moments.

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Count the working days after the start's day up to the end's day.

        This inverts :meth:`add_working_days`: for ``n >= 0``,
        ``working_days_between(s, add_working_days(s, n)) == n``. The count is
        negative when ``end`` falls on an earlier day than ``start``.
        """
        first, last = self.local_date(start), self.local_date(end)
        if last < first:
            return -self._count_working_days(last, first)
        return self._count_working_days(first, last)

    def calendar_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Count the local days from the start's day to the end's day."""
        return (self.local_date(end) - self.local_date(start)).days

    def days_between(self, start: dt.datetime, end: dt.datetime, unit: DayUnit) -> int:
        """Count whole days of ``unit`` from ``start`` to ``end``."""
        if unit is DayUnit.WORKING_DAYS:
            return self.working_days_between(start, end)
        return self.calendar_days_between(start, end)

    def working_time_between(
        self, start: dt.datetime, end: dt.datetime
    ) -> dt.timedelta:
        """Return the elapsed time that falls on working days, for durations.

        Every working day counts in full (24 hours) and days off count nothing, so
        Friday 15:00 to Monday 09:00 gives 18 hours when both days are working
        days. Divide by ``timedelta(days=1)`` for fractional working days. The
        result is negative when ``end`` is before ``start``.
        """
        first = require_aware(start, "start").astimezone(self._zone)
        last = require_aware(end, "end").astimezone(self._zone)
        if last < first:
            return -self.working_time_between(end, start)
        first_day, last_day = first.date(), last.date()
        if first_day == last_day:
            return last - first if self.is_working_day(first_day) else dt.timedelta()
        elapsed = dt.timedelta()
        if self.is_working_day(first_day):
            elapsed += self._start_of_day(first_day + _ONE_DAY) - first
        if self.is_working_day(last_day):
            elapsed += last - self._start_of_day(last_day)
        whole_days = self._count_working_days(first_day, last_day - _ONE_DAY)
        return elapsed + whole_days * _ONE_DAY

    # Internals.

    def _start_of_day(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=self._zone)

    def _count_working_days(self, first: dt.date, last: dt.date) -> int:
        """Count working days d with first < d <= last (first <= last)."""
        first_table = self._table(first.year).working
        last_table = self._table(last.year).working
        last_count = bisect_right(last_table, last.toordinal())
        first_count = bisect_right(first_table, first.toordinal())
        if first.year == last.year:
            return last_count - first_count
        between = sum(
            len(self._table(year).working) for year in range(first.year + 1, last.year)
        )
        return len(first_table) - first_count + between + last_count

    def _nth_working_day_after(self, day: dt.date, days: int) -> dt.date:
        if days == 0:
            return day
        year = day.year
        working = self._table(year).working
        index = bisect_right(working, day.toordinal())
        remaining = days
        while remaining > len(working) - index:
            remaining -= len(working) - index
            year += 1
            if year > dt.MAXYEAR:
                raise CalendarRangeError(
                    f"{days} working days after {day} is past year 9999",
                    value=days,
                )
            working = self._table(year).working
            index = 0
        return dt.date.fromordinal(working[index + remaining - 1])

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            table = self._build_table(year)
            self._tables[year] = table
        return table

    def _build_table(self, year: int) -> _YearTable:
        names: defaultdict[dt.date, list[str]] = defaultdict(list)
        national = holidays.country_holidays("ID", years=year, categories=("public",))
        for day, name in national.items():
            names[day].append(name)
        loaded = self._years.get(year)
        if loaded is None:
            logger.warning(
                "No calendar data for %d: cuti bersama and regional days off are "
                "counted as working days; add %d.yaml to a calendar data folder",
                year,
                year,
            )
        else:
            data = loaded.data
            for removed in data.national_removed:
                names.pop(removed.date, None)
            regional = () if self._region is None else data.regional_for(self._region)
            for holiday in (*data.national_added, *data.cuti_bersama, *regional):
                names[holiday.date].append(holiday.name)
        days_off = {day: "; ".join(found) for day, found in sorted(names.items())}
        working = tuple(
            ordinal
            for ordinal in range(
                dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal() + 1
            )
            if _is_weekday(ordinal) and dt.date.fromordinal(ordinal) not in days_off
        )
        return _YearTable(working=working, days_off=MappingProxyType(days_off))


def _is_weekday(ordinal: int) -> bool:
    # date.fromordinal(1) is Monday 0001-01-01, so (ordinal - 1) % 7 is the weekday.
    return (ordinal - 1) % 7 < _SATURDAY


def _check_days(days: int) -> int:
    if days < 0:
        raise CalendarRangeError(
            f"day count {days} is negative: deadlines only count forward, "
            "pass 0 or more days",
            value=days,
        )
    return days

"""Reporting periods: calendar months and years, bounded in a local time zone."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from gateway.calendar import LocalTimeZone
from projections.performance.errors import PeriodError

_MONTH = re.compile(r"^(?P<year>[0-9]{4})-(?P<month>[0-9]{2})$")
_YEAR = re.compile(r"^(?P<year>[0-9]{4})$")
_LAST_MONTH = 12


class PeriodKind(StrEnum):
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar month or year; it starts and ends at local midnight in ``zone``."""

    kind: PeriodKind
    year: int
    month: int | None = None
    zone: LocalTimeZone = LocalTimeZone.WIB

    @classmethod
    def parse(cls, text: str, zone: LocalTimeZone = LocalTimeZone.WIB) -> Period:
        """Return the period ``YYYY-MM`` (a month) or ``YYYY`` (a year) names."""
        month = _MONTH.match(text)
        if month is not None:
            return cls.of_month(int(month["year"]), int(month["month"]), zone)
        year = _YEAR.match(text)
        if year is not None:
            return cls.of_year(int(year["year"]), zone)
        raise PeriodError(
            f"period {text!r} is invalid: write a month as YYYY-MM (2024-05) or a "
            "year as YYYY (2024)"
        )

    @classmethod
    def of_month(
        cls, year: int, month: int, zone: LocalTimeZone = LocalTimeZone.WIB
    ) -> Period:
        if not 1 <= month <= _LAST_MONTH:
            raise PeriodError(f"month {month} of {year} is invalid: use 01 to 12")
        return cls(PeriodKind.MONTH, _check_year(year), month, zone)

    @classmethod
    def of_year(cls, year: int, zone: LocalTimeZone = LocalTimeZone.WIB) -> Period:
        return cls(PeriodKind.YEAR, _check_year(year), None, zone)

    @property
    def label(self) -> str:
        """``YYYY-MM`` for a month, ``YYYY`` for a year."""
        if self.month is None:
            return f"{self.year:04d}"
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> dt.datetime:
        """The first instant of the period, local midnight of its first day."""
        return _midnight(dt.date(self.year, self.month or 1, 1), self.zone)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period (exclusive end)."""
        if self.month is None or self.month == _LAST_MONTH:
            return _midnight(dt.date(self.year + 1, 1, 1), self.zone)
        return _midnight(dt.date(self.year, self.month + 1, 1), self.zone)

    @property
    def last_instant(self) -> dt.datetime:
        """The period's last microsecond: the default "as of" moment of its report."""
        return self.end - dt.timedelta(microseconds=1)

    def contains(self, at: dt.datetime) -> bool:
        """Return whether the aware moment ``at`` falls in the period."""
        return self.start <= at < self.end

    def months(self) -> tuple[Period, ...]:
        """Return the months of a year, or the month itself."""
        if self.month is not None:
            return (self,)
        return tuple(
            Period.of_month(self.year, month, self.zone)
            for month in range(1, _LAST_MONTH + 1)
        )


def _midnight(day: dt.date, zone: LocalTimeZone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone.zone)


def _check_year(year: int) -> int:
    # The end of year 9999 would fall outside datetime's range.
    if not 1 <= year <= dt.MAXYEAR - 1:
        raise PeriodError(f"year {year} is invalid: use 1 to {dt.MAXYEAR - 1}")
    return year


def parse_as_of(text: str) -> dt.datetime:
    """Parse an ISO 8601 moment with a UTC offset, for the "as of" option."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise PeriodError(
            f"as-of moment {text!r} is not an ISO 8601 date and time: write it "
            "like 2024-06-05T00:00:00+07:00"
        ) from exc
    return require_offset(moment)


def require_offset(moment: dt.datetime) -> dt.datetime:
    """Return ``moment``; raise ``PeriodError`` if it has no UTC offset."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PeriodError(
            f"as-of moment {moment.isoformat()!r} has no UTC offset: add one, "
            "for example +07:00 for WIB"
        )
    return moment

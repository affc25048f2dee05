"""Reporting periods and their boundaries in local time."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.calendar import LocalTimeZone
from projections.performance.errors import PeriodError
from projections.performance.periods import Period, PeriodKind, parse_as_of
from tests.projections.performance.histories import wib


def test_month_boundaries_in_wib():
    may = Period.parse("2024-05")
    assert may.kind is PeriodKind.MONTH
    assert may.start == wib(2024, 5, 1, 0)
    assert may.end == wib(2024, 6, 1, 0)
    assert may.last_instant == may.end - dt.timedelta(microseconds=1)
    # 30 April 17:30 UTC is 1 May 00:30 WIB.
    assert may.contains(dt.datetime(2024, 4, 30, 17, 30, tzinfo=dt.UTC))
    assert not may.contains(dt.datetime(2024, 4, 30, 16, 59, tzinfo=dt.UTC))


def test_december_ends_next_year():
    december = Period.parse("2024-12")
    assert december.end == wib(2025, 1, 1, 0)


def test_year_has_twelve_months():
    year = Period.parse("2024")
    assert year.kind is PeriodKind.YEAR
    assert year.label == "2024"
    months = year.months()
    assert [month.label for month in months][::11] == ["2024-01", "2024-12"]
    assert months[0].start == year.start
    assert months[-1].end == year.end


def test_other_zone_boundaries():
    may = Period.parse("2024-05", LocalTimeZone.WIT)
    assert may.start == dt.datetime(2024, 4, 30, 15, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["2024-13", "2024-00", "24-05", "2024/05", "0000"])
def test_invalid_period_rejected(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_as_of_needs_offset():
    assert parse_as_of("2024-06-05T00:00:00+07:00") == wib(2024, 6, 5, 0)
    with pytest.raises(PeriodError, match="no UTC offset"):
        parse_as_of("2024-06-05T00:00:00")
    with pytest.raises(PeriodError, match="not an ISO 8601"):
        parse_as_of("yesterday")

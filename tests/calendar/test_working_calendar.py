"""Counting conventions of WorkingCalendar: start day, due moment, zones, regions."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.calendar import (
    CalendarRangeError,
    DayUnit,
    LocalTimeZone,
    NaiveDatetimeError,
    UnknownRegionError,
    WorkingCalendar,
    default_time_zone,
)

WIB = LocalTimeZone.WIB.zone
WITA = LocalTimeZone.WITA.zone


@pytest.fixture(scope="module")
def national() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.fixture(scope="module")
def bali() -> WorkingCalendar:
    return WorkingCalendar("BA")


def at(year, month, day, clock="10:00", *, zone=WIB):
    hour, minute = (int(part) for part in clock.split(":"))
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def end_of(year, month, day, zone=WIB):
    return dt.datetime.combine(dt.date(year, month, day), dt.time.max, tzinfo=zone)


# Adding working days.


def test_count_starts_the_next_day(national):
    # Tuesday 2 July 2024: day 1 is Wednesday, day 3 is Friday.
    assert national.add_working_days(at(2024, 7, 2), 3) == end_of(2024, 7, 5)


def test_time_of_day_does_not_matter(national):
    early = national.add_working_days(at(2024, 7, 2, "00:00"), 3)
    late = national.add_working_days(at(2024, 7, 2, "23:59"), 3)
    assert early == late


def test_weekend_is_skipped(national):
    # Friday 5 July 2024 + 1 working day is Monday 8 July.
    assert national.add_working_days(at(2024, 7, 5), 1) == end_of(2024, 7, 8)


def test_weekend_start_counts_from_monday(national):
    # Saturday 6 July 2024: Monday 8 July is working day 1.
    assert national.add_working_days(at(2024, 7, 6), 1) == end_of(2024, 7, 8)


def test_idul_fitri_block_is_skipped(national):
    # Friday 5 April 2024; 8-15 April contains Idul Fitri and its cuti bersama.
    assert national.add_working_days(at(2024, 4, 5), 1) == end_of(2024, 4, 16)


def test_zero_days_is_end_of_start_day(national):
    assert national.add_working_days(at(2024, 7, 6), 0) == end_of(2024, 7, 6)


def test_negative_days_raise(national):
    with pytest.raises(CalendarRangeError, match="-1"):
        national.add_working_days(at(2024, 7, 2), -1)


def test_crosses_year_end(national):
    # Monday 30 Dec 2024, 1 Jan is a holiday: day 1 is 31 Dec, day 2 is 2 Jan.
    assert national.add_working_days(at(2024, 12, 30), 2) == end_of(2025, 1, 2)


def test_result_is_aware_in_local_zone(bali):
    due = bali.add_working_days(at(2024, 7, 2, zone=dt.UTC), 1)
    assert due.tzinfo == WITA


def test_due_moment_is_last_microsecond(national):
    due = national.add_working_days(at(2024, 7, 2), 1)
    assert due.time() == dt.time(23, 59, 59, 999999)


# Time zones.


def test_input_converted_to_local_day(national):
    # 17:30 UTC on Tuesday is 00:30 WIB on Wednesday, so day 1 is Thursday.
    start = dt.datetime(2024, 7, 2, 17, 30, tzinfo=dt.UTC)
    assert national.add_working_days(start, 1) == end_of(2024, 7, 4)


def test_local_day_boundary_between_zones():
    # 23:30 WIB on Thursday 4 July is Friday 00:30 in WITA: day 1 differs.
    start = at(2024, 7, 4, "23:30")
    wib = WorkingCalendar(time_zone=LocalTimeZone.WIB).add_working_days(start, 1)
    wita = WorkingCalendar(time_zone=LocalTimeZone.WITA).add_working_days(start, 1)
    assert wib.date() == dt.date(2024, 7, 5)
    assert wita.date() == dt.date(2024, 7, 8)


@pytest.mark.parametrize(
    ("region", "zone"),
    [(None, LocalTimeZone.WIB), ("JK", LocalTimeZone.WIB), ("BA", LocalTimeZone.WITA),
     ("SN", LocalTimeZone.WITA), ("PA", LocalTimeZone.WIT), ("MA", LocalTimeZone.WIT)],
)  # fmt: skip
def test_default_time_zone_per_province(region, zone):
    assert default_time_zone(region) is zone


def test_naive_datetime_raises_naming_value(national):
    naive = dt.datetime(2024, 7, 2, 10, 0)  # noqa: DTZ001 (the invalid input under test)
    with pytest.raises(NaiveDatetimeError, match="2024-07-02T10:00:00") as caught:
        national.add_working_days(naive, 1)
    assert caught.value.value == naive


def test_naive_datetime_rejected_by_is_working_day(national):
    naive = dt.datetime(2024, 7, 2, 10, 0)  # noqa: DTZ001 (the invalid input under test)
    with pytest.raises(NaiveDatetimeError):
        national.is_working_day(naive)


def test_is_working_day_uses_local_date_of_datetime(national):
    # Friday 17:30 UTC is Saturday 00:30 WIB.
    assert not national.is_working_day(dt.datetime(2024, 7, 5, 17, 30, tzinfo=dt.UTC))


# Regions.


def test_galungan_is_a_day_off_in_bali_only(national, bali):
    galungan = dt.date(2024, 9, 25)
    assert national.is_working_day(galungan)
    assert not bali.is_working_day(galungan)


def test_bali_deadline_skips_galungan(bali):
    # Monday 23 Sep 2024; 24-26 September are Penampahan, Galungan, Umanis.
    assert bali.add_working_days(at(2024, 9, 23, zone=WITA), 1) == end_of(
        2024, 9, 27, WITA
    )


def test_region_code_accepts_iso_prefix():
    assert WorkingCalendar("id-ba").region == "BA"


def test_unknown_region_raises():
    with pytest.raises(UnknownRegionError, match="'XX'"):
        WorkingCalendar("XX")


# Years without data files.


def test_year_without_data_uses_national_holidays(national):
    assert not national.has_collective_leave_data(2031)
    assert not national.is_working_day(dt.date(2031, 12, 25))
    # Friday after Christmas: cuti bersama in recent years, but no data for 2031.
    assert national.is_working_day(dt.date(2031, 12, 26))


def test_year_without_data_logs_warning(caplog):
    calendar = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="gateway.calendar"):
        calendar.is_working_day(dt.date(2032, 3, 1))
        calendar.is_working_day(dt.date(2032, 3, 2))
    warnings = [r for r in caplog.records if "No calendar data for 2032" in r.message]
    assert len(warnings) == 1


# Counting between moments.


def test_working_days_between_inverts_add(national):
    start = at(2024, 4, 5)
    assert (
        national.working_days_between(start, national.add_working_days(start, 7)) == 7
    )


def test_working_days_between_is_negative_backwards(national):
    assert national.working_days_between(at(2024, 7, 8), at(2024, 7, 5)) == -1


def test_working_days_between_same_day_is_zero(national):
    assert (
        national.working_days_between(at(2024, 7, 2, "08:00"), at(2024, 7, 2, "17:00"))
        == 0
    )


def test_calendar_days(national):
    assert national.add_calendar_days(at(2024, 12, 30), 3) == end_of(2025, 1, 2)
    assert national.calendar_days_between(at(2024, 12, 30), at(2025, 1, 2)) == 3


def test_add_days_dispatches_on_unit(national):
    start = at(2024, 7, 5)
    assert national.add_days(start, 1, DayUnit.WORKING_DAYS) == end_of(2024, 7, 8)
    assert national.add_days(start, 1, DayUnit.CALENDAR_DAYS) == end_of(2024, 7, 6)


def test_working_time_over_weekend(national):
    # Friday 15:00 to Monday 09:00: 9 hours of Friday and 9 of Monday.
    elapsed = national.working_time_between(
        at(2024, 7, 5, "15:00"), at(2024, 7, 8, "09:00")
    )
    assert elapsed == dt.timedelta(hours=18)


def test_working_time_within_a_day(national):
    elapsed = national.working_time_between(
        at(2024, 7, 2, "09:00"), at(2024, 7, 2, "11:00")
    )
    assert elapsed == dt.timedelta(hours=2)


def test_working_time_on_a_holiday_is_zero(national):
    elapsed = national.working_time_between(
        at(2024, 12, 25, "09:00"), at(2024, 12, 26, "11:00")
    )
    assert elapsed == dt.timedelta()


def test_working_time_is_negative_backwards(national):
    elapsed = national.working_time_between(
        at(2024, 7, 2, "11:00"), at(2024, 7, 2, "09:00")
    )
    assert elapsed == dt.timedelta(hours=-2)


def test_past_year_9999_raises(national):
    with pytest.raises(CalendarRangeError):
        national.add_calendar_days(at(9999, 12, 30, zone=dt.UTC), 5)


# Properties.

moments = st.datetimes(
    min_value=dt.datetime(2023, 6, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    max_value=dt.datetime(2027, 6, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    timezones=st.sampled_from([dt.UTC, WIB, WITA, LocalTimeZone.WIT.zone]),
)


# Shared by the property tests: building a calendar reads the year files.
BALI = WorkingCalendar("BA")
NATIONAL = WorkingCalendar()


@settings(max_examples=300, deadline=None)
@given(start=moments, days=st.integers(min_value=0, max_value=400))
def test_add_then_count_round_trips(start, days):
    calendar = BALI
    due = calendar.add_working_days(start, days)
    assert calendar.working_days_between(start, due) == days
    assert due > start
    assert days == 0 or calendar.is_working_day(due)


@settings(max_examples=300, deadline=None)
@given(start=moments, end=moments)
def test_working_time_bounded_by_elapsed(start, end):
    calendar = NATIONAL
    elapsed = calendar.working_time_between(start, end)
    assert abs(elapsed) <= abs(end - start)
    assert (elapsed >= dt.timedelta()) == (end >= start) or elapsed == dt.timedelta()

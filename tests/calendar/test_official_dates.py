"""The calendar against the official 2024-2026 holiday and cuti bersama dates.

The expected lists are typed in from the joint ministerial decrees (SKB 3
Menteri) and their amendments, independently of the packaged year files:

* 2024: SKB 855/2023, 3/2023, 4/2023, plus the voting days of Keppres 10/2024
  (14 February) and Keppres 33/2024 (27 November).
* 2025: SKB 1017/2024, 2/2024, 2/2024, amended by SKB 933/2025, 1/2025,
  3/2025 (18 August added as cuti bersama).
* 2026: SKB 1497/2025, 2/2025, 5/2025.
"""

from __future__ import annotations

import datetime as dt

import holidays
import pytest

from gateway.calendar import WorkingCalendar


def _dates(year: int, *month_days: tuple[int, int]) -> frozenset[dt.date]:
    return frozenset(dt.date(year, month, day) for month, day in month_days)


NATIONAL = {
    2024: _dates(
        2024,
        (1, 1), (2, 8), (2, 10), (2, 14), (3, 11), (3, 29), (3, 31), (4, 10),
        (4, 11), (5, 1), (5, 9), (5, 23), (6, 1), (6, 17), (7, 7), (8, 17),
        (9, 16), (11, 27), (12, 25),
    ),
    2025: _dates(
        2025,
        (1, 1), (1, 27), (1, 29), (3, 29), (3, 31), (4, 1), (4, 18), (4, 20),
        (5, 1), (5, 12), (5, 29), (6, 1), (6, 6), (6, 27), (8, 17), (9, 5),
        (12, 25),
    ),
    2026: _dates(
        2026,
        (1, 1), (1, 16), (2, 17), (3, 19), (3, 21), (3, 22), (4, 3), (4, 5),
        (5, 1), (5, 14), (5, 27), (5, 31), (6, 1), (6, 16), (8, 17), (8, 25),
        (12, 25),
    ),
}  # fmt: skip

CUTI_BERSAMA = {
    2024: _dates(
        2024,
        (2, 9), (3, 12), (4, 8), (4, 9), (4, 12), (4, 15), (5, 10), (5, 24),
        (6, 18), (12, 26),
    ),
    2025: _dates(
        2025,
        (1, 28), (3, 28), (4, 2), (4, 3), (4, 4), (4, 7), (5, 13), (5, 30),
        (6, 9), (8, 18), (12, 26),
    ),
    2026: _dates(
        2026,
        (2, 16), (3, 18), (3, 20), (3, 23), (3, 24), (5, 15), (5, 28), (12, 24),
    ),
}  # fmt: skip

YEARS = sorted(NATIONAL)


@pytest.fixture(scope="module")
def national() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.mark.parametrize("year", YEARS)
def test_library_national_holidays_match_decrees(year):
    library = holidays.country_holidays("ID", years=year, categories=("public",))
    assert frozenset(library) == NATIONAL[year]


@pytest.mark.parametrize("year", YEARS)
def test_year_file_cuti_bersama_match_decrees(national, year):
    names = national.holidays(year)
    listed = frozenset(day for day, name in names.items() if "Cuti bersama" in name)
    assert listed == CUTI_BERSAMA[year]


@pytest.mark.parametrize("year", YEARS)
def test_library_government_category_agrees(year):
    # The library lists cuti bersama under "government"; the year files are the
    # authority, and for 2024-2026 both give the same days.
    library = holidays.country_holidays("ID", years=year, categories=("government",))
    assert frozenset(library) == CUTI_BERSAMA[year]


@pytest.mark.parametrize("year", YEARS)
def test_official_days_off_are_not_working_days(national, year):
    working = sorted(
        day
        for day in NATIONAL[year] | CUTI_BERSAMA[year]
        if national.is_working_day(day)
    )
    assert working == []


@pytest.mark.parametrize("year", YEARS)
def test_every_other_weekday_is_a_working_day(national, year):
    days_off = NATIONAL[year] | CUTI_BERSAMA[year]
    day = dt.date(year, 1, 1)
    wrong = []
    while day.year == year:
        expected = day.weekday() < 5 and day not in days_off
        if national.is_working_day(day) != expected:
            wrong.append(day)
        day += dt.timedelta(days=1)
    assert wrong == []


@pytest.mark.parametrize("year", YEARS)
def test_packaged_years_have_collective_leave_data(national, year):
    assert national.has_collective_leave_data(year)


def test_amendment_adds_18_august_2025(national):
    assert national.holiday_name(dt.date(2025, 8, 18)) == (
        "Cuti bersama Proklamasi Kemerdekaan"
    )


def test_2025_working_day_count(national):
    # 261 weekdays, minus 13 national holidays and 11 cuti bersama on weekdays.
    start = dt.datetime(2024, 12, 31, 12, tzinfo=national.time_zone.zone)
    end = dt.datetime(2025, 12, 31, 12, tzinfo=national.time_zone.zone)
    assert national.working_days_between(start, end) == 237

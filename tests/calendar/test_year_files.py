"""Year files: operators' extra folders, validation errors, the shared registry."""

from __future__ import annotations

import datetime as dt
import logging
import textwrap

import pytest

from gateway.calendar import (
    CalendarDataError,
    WorkingCalendar,
    calendar_for,
    configure_extra_data_dirs,
    extra_data_dirs,
)

YEAR_2031 = """\
year: 2031
decrees:
  - {id: skb-2031, title: Keputusan Bersama tentang Hari Libur Nasional 2031}
cuti_bersama:
  - {date: 2031-12-26, name: Cuti bersama Natal, decree: skb-2031}
regional:
  BA:
    - {date: 2031-03-04, name: Hari Raya Galungan, decree: skb-2031}
"""

REPLACED_2025 = """\
year: 2025
decrees:
  - {id: skb-test, title: Test decree}
cuti_bersama:
  - {date: 2025-10-03, name: Cuti bersama percobaan, decree: skb-test}
"""


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_extra_folder_adds_a_year(tmp_path):
    write(tmp_path, "2031.yaml", YEAR_2031)
    calendar = WorkingCalendar(extra_data_dirs=[tmp_path])
    assert calendar.has_collective_leave_data(2031)
    assert not calendar.is_working_day(dt.date(2031, 12, 26))


def test_extra_regional_day_applies_to_its_region(tmp_path):
    write(tmp_path, "2031.yaml", YEAR_2031)
    bali = WorkingCalendar("BA", extra_data_dirs=[tmp_path])
    jakarta = WorkingCalendar("JK", extra_data_dirs=[tmp_path])
    assert not bali.is_working_day(dt.date(2031, 3, 4))
    assert jakarta.is_working_day(dt.date(2031, 3, 4))


def test_extra_file_replaces_packaged_year(tmp_path, caplog):
    write(tmp_path, "2025.yaml", REPLACED_2025)
    with caplog.at_level(logging.INFO, logger="gateway.calendar"):
        calendar = WorkingCalendar(extra_data_dirs=[tmp_path])
    assert not calendar.is_working_day(dt.date(2025, 10, 3))
    # The packaged 2025 cuti bersama are gone with the replaced file.
    assert calendar.is_working_day(dt.date(2025, 12, 26))
    assert any("replaces" in record.message for record in caplog.records)


def test_later_folder_wins(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write(first, "2031.yaml", YEAR_2031)
    write(second, "2031.yaml", YEAR_2031.replace("2031-12-26", "2031-12-24"))
    calendar = WorkingCalendar(extra_data_dirs=[first, second])
    assert calendar.is_working_day(dt.date(2031, 12, 26))
    assert not calendar.is_working_day(dt.date(2031, 12, 24))


def test_other_files_are_ignored(tmp_path):
    write(tmp_path, "README.txt", "notes for operators")
    assert WorkingCalendar(extra_data_dirs=[tmp_path]).data_years == (2024, 2025, 2026)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("2031.yaml", "year: [unclosed", "not valid YAML"),
        ("2031.yaml", "year: 2030\ndecrees: []\ncuti_bersama: []\n", "declares year"),
        ("notes.yaml", YEAR_2031, "not named <year>.yaml"),
        (
            "2031.yaml",
            YEAR_2031.replace("decree: skb-2031}", "decree: skb-x}"),
            "skb-x",
        ),
        ("2031.yaml", YEAR_2031.replace("2031-12-26", "2030-12-26"), "not in year"),
        ("2031.yaml", YEAR_2031.replace("  BA:", "  XX:"), "'XX'"),
        ("2031.yaml", YEAR_2031 + "holidays: []\n", "holidays"),
    ],
    ids=[
        "bad-yaml",
        "wrong-year",
        "bad-name",
        "unknown-decree",
        "date-outside-year",
        "unknown-region",
        "unknown-field",
    ],
)
def test_invalid_file_raises_naming_it(tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    with pytest.raises(CalendarDataError, match=message) as caught:
        WorkingCalendar(extra_data_dirs=[tmp_path])
    assert str(path) in str(caught.value)


def test_missing_folder_raises(tmp_path):
    with pytest.raises(CalendarDataError, match="does not exist"):
        WorkingCalendar(extra_data_dirs=[tmp_path / "absent"])


@pytest.fixture
def restore_registry():
    saved = extra_data_dirs()
    yield
    configure_extra_data_dirs(saved)


@pytest.mark.usefixtures("restore_registry")
def test_registry_reads_configured_folders(tmp_path):
    write(tmp_path, "2031.yaml", YEAR_2031)
    before = calendar_for()
    configure_extra_data_dirs([tmp_path])
    after = calendar_for()
    assert after is not before
    assert after.has_collective_leave_data(2031)


@pytest.mark.usefixtures("restore_registry")
def test_registry_rejects_invalid_folder_early(tmp_path):
    write(tmp_path, "2031.yaml", "year: [unclosed")
    with pytest.raises(CalendarDataError):
        configure_extra_data_dirs([tmp_path])
    assert extra_data_dirs() != (tmp_path,)


def test_registry_shares_one_calendar_per_key():
    assert calendar_for("ba") is calendar_for("BA")
    assert calendar_for("BA") is not calendar_for(None)

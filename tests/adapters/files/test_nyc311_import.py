"""Import of the real NYC 311 sample through the in-process sink."""

from __future__ import annotations

import csv
import gzip
from datetime import datetime

import pytest

from adapters.files.commands import ComplaintScript
from gateway.complaint import Status
from tests.adapters.files.conftest import data_file, new_importer

NYC_FILE = "nyc311_requests_sample.csv.gz"
NYC_FORMAT = "%m/%d/%Y %I:%M:%S %p"


def rows_with_line_numbers():
    """Read the file with the csv module alone; the header is line 1."""
    with gzip.open(data_file(NYC_FILE), "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        yield from ((reader.line_num, row) for row in reader)


def lines_closed_before_created() -> list[int]:
    lines = []
    for line, row in rows_with_line_numbers():
        created = datetime.strptime(row["Created Date"], NYC_FORMAT)  # noqa: DTZ007
        if row["Closed Date"]:
            closed = datetime.strptime(row["Closed Date"], NYC_FORMAT)  # noqa: DTZ007
            if closed < created:
                lines.append(line)
    return lines


@pytest.fixture(scope="module")
def whole_file(tmp_path_factory):
    """The whole 1,000-row sample imported twice into one store."""
    importer = new_importer(tmp_path_factory.mktemp("nyc311"))
    path = data_file(NYC_FILE)
    first = importer.run("nyc311", path)
    stored = importer.notification_count()
    second = importer.run("nyc311", path)
    yield importer, first, stored, second
    importer.service.close()


def test_rows_read_are_accepted_or_rejected(whole_file):
    _, first, _, _ = whole_file
    assert first.rows_read == 1000
    assert first.rows_accepted + first.rows_rejected == first.rows_read


def test_rows_closed_before_created_rejected(whole_file):
    _, first, _, _ = whole_file
    expected = lines_closed_before_created()
    rejected = [
        p.line for p in first.rejected_rows if p.reason == "closed before created"
    ]
    assert len(expected) == 10
    assert rejected == expected
    assert first.rejected_rows_by_reason == {"closed before created": 10}


def test_rejection_names_both_dates(whole_file):
    _, first, _, _ = whole_file
    detail = first.rejected_rows[0].detail
    assert "Closed Date" in detail
    assert "Created Date" in detail


def test_closed_date_with_open_status_skips_close(whole_file):
    """17 rows have a closed date and an open status; 10 of them close before
    they were created and are rejected, so 7 report the skipped close."""
    _, first, _, _ = whole_file
    skipped = [
        p.line
        for p in first.skipped_steps
        if p.reason == "closed date with open status"
    ]
    open_with_date = [
        line
        for line, row in rows_with_line_numbers()
        if row["Closed Date"] and row["Status"] != "Closed"
    ]
    assert len(open_with_date) == 17
    assert skipped == sorted(set(open_with_date) - set(lines_closed_before_created()))


def test_every_command_accepted(whole_file):
    _, first, _, _ = whole_file
    assert first.commands_rejected == 0
    assert first.commands_accepted == first.commands_sent


def test_reimport_is_all_duplicates(whole_file):
    _, first, _, second = whole_file
    assert second.commands_sent == first.commands_sent
    assert second.commands_duplicate == first.commands_accepted
    assert second.commands_accepted == 0


def test_reimport_stores_nothing(whole_file):
    importer, _, stored, _ = whole_file
    assert importer.notification_count() == stored


def test_closed_request_is_closed_at_its_agency(whole_file):
    importer, _, _, _ = whole_file
    profile = importer.profile("nyc311")
    complaint = importer.service.find(
        ComplaintScript("nyc311", "39573567", profile.source_uri).complaint_id
    )
    assert complaint is not None
    assert complaint.status is Status.CLOSED
    assert complaint.state.holder == "nyc-nypd"


def test_first_rows_slice(importer):
    result = importer.run("nyc311", data_file(NYC_FILE), limit=200)
    assert result.rows_read == 200
    assert result.rows_rejected == 0
    assert result.commands_accepted == result.commands_sent

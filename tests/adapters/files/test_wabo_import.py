"""Import of the real WABO permit log: tasks as follow-ups by their group."""

from __future__ import annotations

import csv
import gzip
import itertools
from datetime import datetime

import pytest

from adapters.files.commands import ComplaintScript
from events.codec import decode_json
from gateway.complaint import Status
from tests.adapters.files.conftest import data_file, new_importer

WABO_FILE = "wabo_permit_receipt_log.csv.gz"
CASES = 50


def first_cases(count: int) -> list[list[tuple[int, dict[str, str]]]]:
    with gzip.open(data_file(WABO_FILE), "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        numbered = ((reader.line_num, row) for row in reader)
        groups = itertools.groupby(
            numbered, key=lambda item: item[1]["case:concept:name"]
        )
        return [list(rows) for _, rows in itertools.islice(groups, count)]


def ends_before_last_task(case) -> bool:
    end = case[0][1]["case:enddate"]
    last_task = max(datetime.fromisoformat(row["time:timestamp"]) for _, row in case)
    return bool(end) and datetime.fromisoformat(end) < last_task


@pytest.fixture(scope="module")
def slice_import(tmp_path_factory):
    cases = first_cases(CASES)
    rows = sum(len(case) for case in cases)
    importer = new_importer(tmp_path_factory.mktemp("wabo"))
    path = data_file(WABO_FILE)
    first = importer.run("wabo", path, limit=rows)
    stored = importer.notification_count()
    second = importer.run("wabo", path, limit=rows)
    yield cases, importer, first, stored, second
    importer.service.close()


def test_slice_counts(slice_import):
    cases, _, first, _, _ = slice_import
    assert first.rows_read == sum(len(case) for case in cases)
    assert first.rows_accepted + first.rows_rejected == first.rows_read


def test_end_before_last_task_skips_close(slice_import):
    cases, _, first, _, _ = slice_import
    expected = [case[-1][0] for case in cases if ends_before_last_task(case)]
    skipped = [
        p.line for p in first.skipped_steps if p.reason == "end before last task"
    ]
    assert expected
    assert skipped == expected


def test_no_row_rejected(slice_import):
    _, _, first, _, _ = slice_import
    assert first.rows_rejected == 0


def test_every_accepted_task_is_a_follow_up(slice_import):
    _, importer, first, _, _ = slice_import
    assert importer.event_types()["complaint.follow_up_recorded"] == first.rows_accepted


def test_ended_cases_are_closed(slice_import):
    cases, importer, _, _, _ = slice_import
    ended = [
        case[0][1]["case:concept:name"]
        for case in cases
        if case[0][1]["case:enddate"] and not ends_before_last_task(case)
    ]
    assert ended
    statuses = {
        importer.service.find(ComplaintScript("wabo", key, "").complaint_id).status
        for key in ended
    }
    assert statuses == {Status.CLOSED}


def test_no_command_rejected(slice_import):
    _, _, first, _, _ = slice_import
    assert first.commands_rejected == 0


def test_reimport_is_all_duplicates(slice_import):
    _, importer, first, stored, second = slice_import
    assert second.commands_duplicate == first.commands_accepted
    assert second.commands_accepted == 0
    assert importer.notification_count() == stored


def test_deadline_travels_as_tag(slice_import):
    cases, importer, _, _, _ = slice_import
    key = cases[0][0][1]["case:concept:name"]
    deadline = datetime.fromisoformat(cases[0][0][1]["case:deadline"])
    complaint_id = ComplaintScript("wabo", key, "").complaint_id
    events = importer.service.recorder.select_events(complaint_id)
    verified = [decode_json(e.state).envelope.data for e in events][1]
    assert verified.tags == (f"source-deadline:{deadline.isoformat()}",)

"""Import of the real BPI 2013 incident log: hand-offs, reopens and statuses."""

from __future__ import annotations

import csv
import gzip
import itertools
import logging

import pytest

from adapters.files.commands import ComplaintScript
from adapters.files.reading import SourceFile
from adapters.mapping import MoveKind
from gateway.complaint import Status
from tests.adapters.files.conftest import data_file, new_importer

BPI_FILE = "bpi2013_incidents.csv.gz"
CASES = 100
"""The first 100 cases hold hand-offs between teams and lines, replies and a reopen."""

HEADER = (
    "SR Number,Change Date+Time,Status,Sub Status,Involved ST,"
    "Involved Org line 3,SR Latest Impact,Product"
)


def first_cases(count: int) -> list[list[dict[str, str]]]:
    with gzip.open(data_file(BPI_FILE), "rt", encoding="utf-8", newline="") as handle:
        groups = itertools.groupby(csv.DictReader(handle), key=lambda r: r["SR Number"])
        return [list(rows) for _, rows in itertools.islice(groups, count)]


@pytest.fixture(scope="module")
def slice_import(tmp_path_factory):
    cases = first_cases(CASES)
    rows = sum(len(case) for case in cases)
    importer = new_importer(tmp_path_factory.mktemp("bpi2013"))
    path = data_file(BPI_FILE)
    first = importer.run("bpi2013", path, limit=rows)
    stored = importer.notification_count()
    second = importer.run("bpi2013", path, limit=rows)
    yield cases, importer, first, stored, second
    importer.service.close()


def hand_offs(cases) -> tuple[int, int]:
    """Count team changes, and those that also change the organisation line."""
    teams = lines = 0
    for case in cases:
        for before, after in itertools.pairwise(case):
            if before["Involved ST"] != after["Involved ST"]:
                teams += 1
                lines += before["Involved Org line 3"] != after["Involved Org line 3"]
    return teams, lines


def test_slice_reads_whole_cases(slice_import):
    cases, _, first, _, _ = slice_import
    assert first.rows_read == sum(len(case) for case in cases)
    assert first.rows_accepted + first.rows_rejected == first.rows_read


def test_every_team_change_is_a_forward(slice_import):
    cases, importer, first, _, _ = slice_import
    teams, _ = hand_offs(cases)
    late = first.skipped_steps_by_reason.get("hand-off after completion", 0)
    forwards = importer.event_types()["complaint.forwarded_to_unit"]
    assert forwards == CASES + teams - late


def test_line_changes_are_redispositions(slice_import):
    cases, importer, _, _, _ = slice_import
    _, lines = hand_offs(cases)
    redispositions = importer.event_types()["complaint.redispositioned"]
    assert redispositions > 0
    assert redispositions <= lines


def test_activity_after_completion_reopens(slice_import):
    _, importer, _, _, _ = slice_import
    events = importer.event_types()
    assert events["complaint.reopened"] >= 1
    assert events["complaint.reporter_replied"] >= 1


def test_every_case_submitted_once(slice_import):
    _, importer, _, _, _ = slice_import
    assert importer.event_types()["complaint.submitted"] == CASES


def test_reimport_is_all_duplicates(slice_import):
    _, importer, first, stored, second = slice_import
    assert second.commands_duplicate == first.commands_accepted
    assert second.commands_accepted == 0
    assert importer.notification_count() == stored


def change(key: str, at: str, status: str, team: str, line: str) -> str:
    """Return one log row; ``status`` is ``Status/Sub Status``."""
    main, sub = status.split("/")
    return f"{key},{at},{main},{sub},{team},{line},Low,P1"


def write_log(path, lines):
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_unmapped_status_counted_and_logged_once(importer, tmp_path, caplog):
    log = write_log(
        tmp_path / "log.csv",
        [
            change(
                "1-100",
                "2012-01-02T10:00:00+01:00",
                "Accepted/In Progress",
                "V30",
                "Org line A2",
            ),
            change(
                "1-100",
                "2012-01-02T11:00:00+01:00",
                "Unmatched/Unmatched",
                "V30",
                "Org line A2",
            ),
            change(
                "1-100",
                "2012-01-02T12:00:00+01:00",
                "Unmatched/Unmatched",
                "V30",
                "Org line A2",
            ),
        ],
    )
    with caplog.at_level(logging.WARNING, logger="adapters.mapping.mapper"):
        result = importer.run("bpi2013", log)
    warnings = [r for r in caplog.records if "Unmatched/Unmatched" in r.getMessage()]
    value = importer.metrics.get_sample_value(
        "lapor_adapter_unmapped_status_total", {"adapter": "bpi2013", "agency": "other"}
    )
    assert result.statuses_unmapped == 2
    assert value == 2
    assert len(warnings) == 1


def test_repeated_row_sends_nothing(importer, tmp_path):
    log = write_log(
        tmp_path / "log.csv",
        [
            change(
                "1-200",
                "2012-01-02T10:00:00+01:00",
                "Accepted/In Progress",
                "V30",
                "Org line A2",
            ),
            change(
                "1-200",
                "2012-01-02T10:01:00+01:00",
                "Accepted/In Progress",
                "V30",
                "Org line A2",
            ),
        ],
    )
    profile = importer.profile("bpi2013")
    with SourceFile(log, profile.source_format, profile.required) as source:
        outcomes = list(profile.outcomes(source.rows()))
    assert len(outcomes[1].commands) == 0


def test_queued_after_follow_up_is_backward(importer, tmp_path):
    log = write_log(
        tmp_path / "log.csv",
        [
            change(
                "1-300",
                "2012-01-02T10:00:00+01:00",
                "Accepted/In Progress",
                "V30",
                "Org line A2",
            ),
            change(
                "1-300",
                "2012-01-02T11:00:00+01:00",
                "Queued/Awaiting Assignment",
                "V30",
                "Org line A2",
            ),
        ],
    )
    result = importer.run("bpi2013", log)
    assert result.statuses_backward == 1
    assert result.commands_rejected == 0


def test_closed_then_active_reopens(importer, tmp_path):
    log = write_log(
        tmp_path / "log.csv",
        [
            change(
                "1-400",
                "2012-01-02T10:00:00+01:00",
                "Accepted/In Progress",
                "V30",
                "Org line A2",
            ),
            change(
                "1-400",
                "2012-01-03T10:00:00+01:00",
                "Completed/Closed",
                "V30",
                "Org line A2",
            ),
            change(
                "1-400",
                "2012-01-04T10:00:00+01:00",
                "Accepted/In Progress",
                "V31",
                "Org line A2",
            ),
        ],
    )
    result = importer.run("bpi2013", log)
    complaint_id = ComplaintScript("bpi2013", "1-400", "").complaint_id
    complaint = importer.service.find(complaint_id)
    assert result.commands_rejected == 0
    assert complaint is not None
    assert complaint.status is Status.IN_FOLLOW_UP
    assert complaint.state.unit == "st-v31"


def test_mapping_marks_reopen_for_bpi(importer):
    move = importer.mapper.move("bpi2013", None, "Accepted/In Progress", Status.CLOSED)
    assert move.kind is MoveKind.REOPEN

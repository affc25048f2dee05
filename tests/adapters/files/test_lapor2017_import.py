"""Import of the real LAPOR! 2017 texts, whose timestamps the profile synthesises."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.files.commands import ComplaintScript
from adapters.files.profiles.lapor2017 import TimelineSynthesiser
from adapters.files.profiles.lapor_agencies import addressed_agency, agency_id
from adapters.files.reading import SourceFile
from events.codec import decode_json
from gateway.calendar.registry import calendar_for
from gateway.complaint import Status
from tests.adapters.files.conftest import data_file, new_importer

LAPOR_FILE = "lapor_2017_reports.jsonl.gz"
ROWS = 200


def first_reports(count: int) -> list[dict[str, str]]:
    with gzip.open(data_file(LAPOR_FILE), "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line, _ in zip(handle, range(count), strict=False)]


@pytest.fixture(scope="module")
def slice_import(tmp_path_factory):
    importer = new_importer(tmp_path_factory.mktemp("lapor2017"))
    path = data_file(LAPOR_FILE)
    first = importer.run("lapor2017", path, limit=ROWS)
    stored = importer.notification_count()
    second = importer.run("lapor2017", path, limit=ROWS)
    yield importer, first, stored, second
    importer.service.close()


def stored_envelopes(importer, tracking_id: str):
    complaint_id = ComplaintScript("lapor2017", tracking_id, "").complaint_id
    return [
        decode_json(event.state).envelope
        for event in importer.service.recorder.select_events(complaint_id)
    ]


def test_result_says_timestamps_synthesised(slice_import):
    _, first, _, _ = slice_import
    assert first.timestamps_synthesised
    assert "timestamps synthesised" in (first.synthesis_note or "")
    assert "timestamps synthesised" in first.summary()


def test_every_event_marked_synthesised(slice_import):
    importer, _, _, _ = slice_import
    report = first_reports(1)[0]
    sources = {e.source for e in stored_envelopes(importer, report["tracking_id"])}
    assert sources == {"urn:lapor:files:lapor2017:synthesised-timestamps"}


def test_slice_counts(slice_import):
    _, first, _, _ = slice_import
    assert first.rows_read == ROWS
    assert first.rows_accepted + first.rows_rejected == first.rows_read
    assert first.commands_rejected == 0


def test_dispositioned_to_named_agency(slice_import):
    importer, _, _, _ = slice_import
    for report in first_reports(20):
        name = addressed_agency(report["text"])
        if name is None:
            continue
        complaint = importer.service.find(
            ComplaintScript("lapor2017", report["tracking_id"], "").complaint_id
        )
        assert complaint.state.holder == agency_id(name)
        assert complaint.status is Status.RESPONDED


def test_report_without_agency_stays_verified(slice_import):
    importer, first, _, _ = slice_import
    lines = [p.line for p in first.skipped_steps if p.reason == "no agency named"]
    report = first_reports(lines[0])[lines[0] - 1]
    complaint = importer.service.find(
        ComplaintScript("lapor2017", report["tracking_id"], "").complaint_id
    )
    assert complaint.status is Status.VERIFIED


def test_reimport_is_all_duplicates(slice_import):
    importer, first, stored, second = slice_import
    assert second.commands_duplicate == first.commands_accepted
    assert importer.notification_count() == stored


def test_registry_lists_named_agencies(importer):
    profile = importer.profile("lapor2017")
    path = data_file(LAPOR_FILE)
    with SourceFile(path, profile.source_format, profile.required) as source:
        entries = profile.registry_entries(source.rows())
    named = {
        agency_id(name)
        for report in first_reports(1000)
        if (name := addressed_agency(report["text"])) is not None
    }
    assert named <= entries.agency_ids
    assert {"lapor-web", "kemenpanrb"} <= entries.agency_ids


def test_same_seed_same_timeline():
    assert TimelineSynthesiser(7).timeline(1878360) == TimelineSynthesiser(7).timeline(
        1878360
    )


def test_other_seed_other_timeline():
    first = TimelineSynthesiser(7).timeline(1878360)
    second = TimelineSynthesiser(8).timeline(1878360)
    assert first != second


@settings(max_examples=60, deadline=None)
@given(
    tracking_id=st.integers(min_value=1_000_000, max_value=2_500_000),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_timeline_follows_published_steps(tracking_id, seed):
    calendar = calendar_for()
    times = TimelineSynthesiser(seed, calendar).timeline(tracking_id)
    assert times.submitted < times.verified
    assert times.verified < times.followed_up
    assert 1 <= calendar.working_days_between(times.submitted, times.verified) <= 3
    assert 1 <= calendar.working_days_between(times.verified, times.followed_up) <= 5
    assert calendar.is_working_day(times.verified)
    assert calendar.is_working_day(times.followed_up)

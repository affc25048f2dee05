"""The SQL poller against a legacy helpdesk table in the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.sqlpoll.applier import Outcome
from adapters.sqlpoll.checkpoints import PollProgress
from adapters.sqlpoll.poller import PollSummary
from tests.adapters.sqlpoll.conftest import OVERLAP, T0
from tests.adapters.sqlpoll.local_gateway import CITY

pytestmark = pytest.mark.postgres

MINUTE = dt.timedelta(minutes=1)


def test_status_changes_become_commands(helpdesk):
    complaint = helpdesk.complaint("7000001")
    poller = helpdesk.poller()
    helpdesk.write("T-1", "Dalam Proses", T0, tracking="7000001", notes="Survei.")
    poller.poll_once()
    assert helpdesk.gateway.status(complaint) == "in_follow_up"
    helpdesk.write("T-1", "Dijawab", T0 + MINUTE, notes="Lampu sudah diganti.")
    poller.poll_once()
    assert helpdesk.gateway.status(complaint) == "responded"
    helpdesk.write("T-1", "Selesai", T0 + 2 * MINUTE)
    summary = poller.poll_once()
    assert helpdesk.gateway.status(complaint) == "closed"
    assert helpdesk.gateway.event_names(complaint)[2:] == [
        "complaint.follow_up_recorded",
        "complaint.response_posted",
        "complaint.closed",
    ]
    assert summary.outcomes == {Outcome.APPLIED: 1}
    assert summary.watermark == T0 + 2 * MINUTE


def test_closing_from_follow_up_posts_the_response_first(helpdesk):
    complaint = helpdesk.complaint("7000002")
    helpdesk.write("T-2", "Selesai", T0, tracking="7000002", notes="Sudah diganti.")
    helpdesk.poller().poll_once()
    assert helpdesk.gateway.event_names(complaint)[2:] == [
        "complaint.response_posted",
        "complaint.closed",
    ]


def test_rows_in_overlap_are_not_applied_twice(helpdesk):
    complaint = helpdesk.complaint("7000003")
    poller = helpdesk.poller()
    helpdesk.write("T-3", "Dalam Proses", T0, tracking="7000003")
    first = poller.poll_once()
    version = len(helpdesk.gateway.event_names(complaint))
    second = poller.poll_once()
    third = helpdesk.poller().poll_once()
    assert first.outcomes == {Outcome.APPLIED: 1}
    assert second.outcomes == {Outcome.DUPLICATE: 1}
    assert third.outcomes == {Outcome.DUPLICATE: 1}
    assert len(helpdesk.gateway.event_names(complaint)) == version
    assert helpdesk.changes("duplicate") == 2


def test_unmapped_status_changes_nothing_and_is_counted(helpdesk):
    complaint = helpdesk.complaint("7000004")
    helpdesk.write("T-4", "Draf", T0, tracking="7000004")
    summary = helpdesk.poller().poll_once()
    assert summary.outcomes == {Outcome.UNMAPPED: 1}
    assert helpdesk.gateway.status(complaint) == "dispositioned"
    assert len(helpdesk.gateway.event_names(complaint)) == 2
    assert helpdesk.changes("unmapped") == 1
    assert (
        helpdesk.gateway.sample(
            "lapor_adapter_unmapped_status_total",
            adapter="pemkot-helpdesk",
            agency=CITY,
        )
        == 1
    )


def test_backward_status_is_ignored(helpdesk):
    complaint = helpdesk.complaint("7000005")
    poller = helpdesk.poller()
    helpdesk.write("T-5", "Dijawab", T0, tracking="7000005", notes="Jawaban.")
    poller.poll_once()
    helpdesk.write("T-5", "Dalam Proses", T0 + MINUTE, notes="Dibuka lagi.")
    summary = poller.poll_once()
    assert summary.outcomes[Outcome.BACKWARD] == 1
    assert helpdesk.gateway.status(complaint) == "responded"
    assert helpdesk.gateway.event_names(complaint)[-1] == "complaint.response_posted"
    assert (
        helpdesk.gateway.sample(
            "lapor_adapter_backward_status_total",
            adapter="pemkot-helpdesk",
            agency=CITY,
        )
        == 1
    )


def test_new_note_in_follow_up_is_another_follow_up(helpdesk):
    complaint = helpdesk.complaint("7000006")
    poller = helpdesk.poller()
    helpdesk.write("T-6", "Dalam Proses", T0, tracking="7000006", notes="Survei.")
    poller.poll_once()
    helpdesk.write("T-6", "Dalam Proses", T0 + MINUTE, notes="Survei.")
    unchanged = poller.poll_once()
    helpdesk.write("T-6", "Menunggu Pelapor", T0 + 2 * MINUTE, notes="Tanya alamat.")
    changed = poller.poll_once()
    assert unchanged.outcomes == {Outcome.UNCHANGED: 1}
    assert changed.outcomes[Outcome.APPLIED] == 1
    names = helpdesk.gateway.event_names(complaint)
    assert names.count("complaint.follow_up_recorded") == 2


def test_late_committed_row_inside_overlap_is_picked_up(helpdesk):
    early = helpdesk.complaint("7000007")
    later = helpdesk.complaint("7000008")
    poller = helpdesk.poller()
    with helpdesk.engine.connect() as slow_writer:
        transaction = slow_writer.begin()
        # Stamped at T0 but not committed: another writer gets ahead of it.
        helpdesk.write(
            "T-7", "Dalam Proses", T0, tracking="7000007", connection=slow_writer
        )
        helpdesk.write("T-8", "Dalam Proses", T0 + 2 * MINUTE, tracking="7000008")
        first = poller.poll_once()
        transaction.commit()
    second = poller.poll_once()
    assert first.watermark == T0 + 2 * MINUTE
    assert first.outcomes == {Outcome.APPLIED: 1}
    assert second.outcomes == {Outcome.APPLIED: 1, Outcome.DUPLICATE: 1}
    assert helpdesk.gateway.status(early) == "in_follow_up"
    assert helpdesk.gateway.status(later) == "in_follow_up"


def test_row_older_than_overlap_is_not_read(helpdesk):
    complaint = helpdesk.complaint("7000009")
    other = helpdesk.complaint("7000010")
    poller = helpdesk.poller()
    helpdesk.write("T-10", "Dalam Proses", T0 + 2 * OVERLAP, tracking="7000010")
    poller.poll_once()
    helpdesk.write("T-9", "Dalam Proses", T0, tracking="7000009")
    summary = poller.poll_once()
    assert summary.rows == 1
    assert helpdesk.gateway.status(complaint) == "dispositioned"
    assert helpdesk.gateway.status(other) == "in_follow_up"


def test_malformed_rows_are_counted_and_skipped(helpdesk):
    good = helpdesk.complaint("7000011")
    helpdesk.write("T-11", "Dalam Proses", T0, tracking="7000011")
    helpdesk.write("T-12", None, T0, tracking="7000011")
    helpdesk.write("T-13", "   ", T0, tracking="7000011")
    helpdesk.write("T-14", "Dalam Proses", T0, tracking=None)
    helpdesk.write("T-15", "Dalam Proses", T0, tracking="not-a-number")
    helpdesk.write("T-16", "Dalam Proses", T0, tracking="9999999")
    poller = helpdesk.poller()
    summary = poller.poll_once()
    again = poller.poll_once()
    helpdesk.directory.entries["9999999"] = helpdesk.gateway.held_complaint("9999999")
    late = poller.poll_once()
    assert summary.outcomes == {
        Outcome.APPLIED: 1,
        Outcome.MALFORMED: 4,
        Outcome.UNKNOWN_COMPLAINT: 1,
    }
    assert again.outcomes == {Outcome.DUPLICATE: 5, Outcome.UNKNOWN_COMPLAINT: 1}
    assert late.outcomes == {Outcome.DUPLICATE: 5, Outcome.APPLIED: 1}
    assert helpdesk.gateway.status(good) == "in_follow_up"
    assert helpdesk.changes("malformed") == 4


def test_pages_through_rows_with_equal_timestamps(helpdesk):
    complaints = [helpdesk.complaint(f"70001{n:02d}") for n in range(5)]
    for number in range(5):
        helpdesk.write(f"P-{number}", "Dalam Proses", T0, tracking=f"70001{number:02d}")
    summary = helpdesk.poller(batch_size=2).poll_once()
    assert summary.rows == 5
    assert summary.outcomes == {Outcome.APPLIED: 5}
    assert {helpdesk.gateway.status(c) for c in complaints} == {"in_follow_up"}


def test_changes_applied_before_a_lost_save_are_not_doubled(helpdesk):
    complaint = helpdesk.complaint("7000020")
    helpdesk.write("T-20", "Dijawab", T0, tracking="7000020", notes="Jawaban.")
    poller = helpdesk.poller()
    rows = poller._fetch(T0 - OVERLAP, None)
    changes = poller._changes(rows, PollProgress(), PollSummary())
    poller.applier.apply(changes, PollProgress())  # the process dies before saving
    events = len(helpdesk.gateway.event_names(complaint))
    summary = poller.poll_once()
    assert summary.outcomes == {Outcome.UNCHANGED: 1}
    assert len(helpdesk.gateway.event_names(complaint)) == events


def test_watermark_survives_a_new_poller(helpdesk):
    helpdesk.complaint("7000021")
    helpdesk.write("T-21", "Dalam Proses", T0, tracking="7000021")
    helpdesk.poller().poll_once()
    assert helpdesk.store.watermark("helpdesk-test") == T0
    assert (
        helpdesk.gateway.sample(
            "lapor_adapter_watermark_timestamp_seconds", adapter="sqlpoll", agency=CITY
        )
        == T0.timestamp()
    )


def test_time_before_the_complaint_is_rejected_and_counted(helpdesk):
    complaint = helpdesk.complaint("7000022")
    early = T0 - dt.timedelta(days=3)
    helpdesk.write("T-22", "Dalam Proses", early, tracking="7000022")
    summary = helpdesk.poller(start_at=early).poll_once()
    assert summary.outcomes == {Outcome.REJECTED: 1}
    assert helpdesk.gateway.status(complaint) == "dispositioned"

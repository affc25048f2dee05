"""The deadline tracker the aggregate folds over its events, and the milestone table."""

from __future__ import annotations

import datetime as dt
import logging

from events.payloads import EVENT_TYPES, ComplaintSubmitted
from events.values import Classification, SopTier
from gateway.complaint import MILESTONES, Complaint, Status
from gateway.complaint.evolution import CHANGES
from gateway.deadlines import Milestone
from tests.complaint.builders import (
    AGENCY,
    LIAISON,
    NATIONAL,
    REPORTER,
    Clock,
    complaint_in,
    envelopes_of,
    submit,
)


def test_every_event_type_has_a_milestone_entry():
    assert set(MILESTONES) == set(EVENT_TYPES)


def test_every_later_event_type_changes_state():
    assert set(CHANGES) == set(EVENT_TYPES) - {ComplaintSubmitted}


def test_milestones_are_distinct():
    named = [milestone for milestone in MILESTONES.values() if milestone is not None]
    assert len(named) == len(set(named))
    assert set(named) == set(Milestone)


def test_submission_starts_verification_clock():
    complaint = submit(Clock())

    due = complaint.due_dates

    assert due.verification_due is not None
    assert due.resolution_due is not None
    assert due.first_follow_up_due is None


def test_disposition_starts_first_follow_up_clock():
    complaint = complaint_in(Status.DISPOSITIONED, Clock(), held=True)

    due = complaint.due_dates

    assert due.verification_due is None
    assert due.first_follow_up_due is not None


def test_chosen_agency_verification_starts_first_follow_up_clock():
    clock = Clock()
    complaint = complaint_in(Status.SUBMITTED, clock, held=True)

    complaint.verify(clock.context(AGENCY), classification=Classification.COMPLAINT)

    assert complaint.due_dates.first_follow_up_due is not None
    assert complaint.due_dates.verification_due is None


def test_national_verification_keeps_verification_clock():
    clock = Clock()
    complaint = submit(clock)
    due = complaint.due_dates.verification_due

    complaint.verify(clock.context(NATIONAL), classification=Classification.COMPLAINT)

    assert complaint.due_dates.verification_due == due


def test_verification_sop_tier_starts_sop_clock():
    clock = Clock()
    complaint = complaint_in(Status.SUBMITTED, clock, held=True)

    complaint.verify(
        clock.context(AGENCY),
        classification=Classification.COMPLAINT,
        sop_tier=SopTier.LIGHT,
    )

    assert complaint.due_dates.sop_due is not None


def test_response_starts_auto_close_clock():
    complaint = complaint_in(Status.RESPONDED, Clock(), held=True)

    assert complaint.due_dates.auto_close_due is not None


def test_reply_cancels_auto_close_clock():
    clock = Clock()
    complaint = complaint_in(Status.RESPONDED, clock, held=True)

    complaint.reply(clock.context(REPORTER), reply="Belum beres.")

    assert complaint.due_dates.auto_close_due is None


def test_pending_starts_archive_clock():
    complaint = complaint_in(Status.PENDING, Clock(), held=False)

    assert complaint.due_dates.pending_archive_due is not None


def test_closing_stops_every_clock():
    complaint = complaint_in(Status.CLOSED, Clock(), held=True)

    assert set(complaint.due_dates.model_dump().values()) == {None}


def test_due_dates_follow_event_times_only():
    # Two complaints with the same action times have the same due dates,
    # whenever they are built.
    first = complaint_in(Status.IN_FOLLOW_UP, Clock(), held=True)
    second = complaint_in(Status.IN_FOLLOW_UP, Clock(), held=True)

    assert first.due_dates == second.due_dates


def test_follow_up_stops_first_follow_up_clock():
    clock = Clock()
    complaint = complaint_in(Status.IN_UNIT, clock, held=True)

    complaint.record_follow_up(clock.context(LIAISON), summary="Survei.")

    assert complaint.due_dates.first_follow_up_due is None


def test_submission_before_any_rule_set_has_no_tracker(caplog):
    clock = Clock(dt.datetime(1999, 1, 4, 9, tzinfo=dt.UTC))
    with caplog.at_level(logging.WARNING, logger="gateway.complaint.milestones"):
        complaint = submit(clock)

    assert f"Complaint {complaint.id} has no deadline tracker" in caplog.text
    assert complaint.deadline_tracker is None
    assert complaint.due_dates is None
    assert Complaint.replay(envelopes_of(complaint)).due_dates is None


def test_rule_set_follows_submission_time():
    early = submit(Clock(dt.datetime(2019, 3, 4, 9, tzinfo=dt.UTC)))
    late = submit(Clock(dt.datetime(2025, 6, 2, 9, tzinfo=dt.UTC)))

    assert early.deadline_tracker.rule_set_id == "permenpanrb-62-2018"
    assert late.deadline_tracker.rule_set_id == "permenpanrb-5-2025"

"""Rebuilding a complaint from envelopes, and the events that carry them."""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.domain import Aggregate

from events.chain import seal, verify_chain
from events.payloads import ComplaintSetPending
from gateway.complaint import Complaint, InvalidHistoryError, Status
from tests.complaint.builders import (
    AGENCY,
    NATIONAL,
    Clock,
    complaint_in,
    envelopes_of,
)


def _closed_history():
    complaint = complaint_in(Status.CLOSED, Clock(), held=True)
    return complaint, envelopes_of(complaint)


def test_replay_reproduces_complaint():
    complaint, envelopes = _closed_history()

    replayed = Complaint.replay(envelopes)

    assert replayed.id == complaint.id
    assert replayed.version == complaint.version
    assert replayed.state == complaint.state
    assert replayed.due_dates == complaint.due_dates
    assert replayed.pending_events == []


def test_envelopes_form_verified_chain():
    _, envelopes = _closed_history()

    report = verify_chain(envelopes)

    assert report.valid
    assert report.event_count == len(envelopes)


def test_aggregate_event_carries_envelope_attributes():
    complaint, envelopes = _closed_history()
    for event, envelope in zip(complaint.pending_events, envelopes, strict=True):
        assert event.originator_id == complaint.id
        assert event.originator_version == envelope.sequence
        assert event.timestamp == envelope.recorded_at


def test_event_from_envelope_round_trip():
    complaint, envelopes = _closed_history()
    for original, envelope in zip(complaint.pending_events, envelopes, strict=True):
        rebuilt = Complaint.event_from_envelope(envelope)
        assert type(rebuilt) is type(original)
        assert rebuilt == original


def test_first_event_is_a_created_event():
    _, envelopes = _closed_history()

    first = Complaint.event_from_envelope(envelopes[0])
    later = Complaint.event_from_envelope(envelopes[1])

    assert isinstance(first, Aggregate.Created)
    assert isinstance(first, Complaint.Submitted)
    assert isinstance(later, Complaint.ActionRecorded)


def test_created_and_modified_times_are_recording_times():
    complaint, envelopes = _closed_history()

    assert complaint.created_on == envelopes[0].recorded_at
    assert complaint.modified_on == envelopes[-1].recorded_at


def test_replay_without_envelopes():
    with pytest.raises(InvalidHistoryError, match="no envelopes were given"):
        Complaint.replay([])


def test_replay_without_submission_first():
    _, envelopes = _closed_history()
    with pytest.raises(InvalidHistoryError, match=r"must be complaint\.submitted"):
        Complaint.replay(envelopes[1:])


def test_replay_with_gap():
    _, envelopes = _closed_history()
    with pytest.raises(InvalidHistoryError, match="pass one complaint's envelopes"):
        Complaint.replay([envelopes[0], *envelopes[2:]])


def test_replay_with_reordered_events():
    _, envelopes = _closed_history()
    reordered = [envelopes[0], envelopes[2], envelopes[1], *envelopes[3:]]
    with pytest.raises(InvalidHistoryError):
        Complaint.replay(reordered)


def test_replay_of_two_complaints():
    _, first = _closed_history()
    _, second = _closed_history()
    with pytest.raises(InvalidHistoryError, match="does not follow complaint"):
        Complaint.replay([*first[:3], *second[3:]])


def test_replay_with_broken_link():
    _, envelopes = _closed_history()
    forged = seal(
        complaint_id=uuid.UUID(envelopes[0].subject),
        sequence=2,
        data=ComplaintSetPending(reason="Palsu."),
        actor=NATIONAL,
        occurred_at=envelopes[1].time,
        recorded_at=envelopes[1].recorded_at,
        correlation_id="forged",
        causation_id="forged",
        previous_hash="0" * 64,
    )
    with pytest.raises(InvalidHistoryError, match="chain is broken at version 1"):
        Complaint.replay([envelopes[0], forged])


def test_replay_with_second_submission():
    _, envelopes = _closed_history()
    second = envelopes[0].model_copy(
        update={"sequence": 2, "id": f"{envelopes[0].subject}/2"}
    )
    with pytest.raises(InvalidHistoryError, match=r"second complaint\.submitted"):
        Complaint.replay([envelopes[0], second])


def test_replayed_complaint_accepts_next_action():
    complaint = complaint_in(Status.DISPOSITIONED, Clock(), held=True)
    replayed = Complaint.replay(envelopes_of(complaint))
    clock = Clock(complaint.state.last_occurred_at)

    replayed.decline(clock.context(AGENCY), reason="Bukan wewenang.")

    envelope = replayed.pending_events[-1].envelope
    assert envelope.sequence == complaint.version + 1
    assert envelope.previous_hash == complaint.state.last_hash

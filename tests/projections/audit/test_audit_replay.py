"""Replaying a complaint as of a past moment, from its events alone."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest

from events import DecodedEvent
from events.values import Channel, Classification
from gateway.complaint import ActionContext, Complaint, Status
from projections.audit.errors import ComplaintNotFoundError, ReplayError
from projections.audit.replay import ReplayBasis, describe, replay_as_of
from tests.complaint.builders import (
    NATIONAL,
    REPORTER,
    REPORTER_REF,
    START,
    envelopes_of,
)

HOUR = dt.timedelta(hours=1)


def closed_events(histories) -> tuple[str, list[DecodedEvent]]:
    complaint_id = next(iter(histories.by_complaint))
    return complaint_id, histories.by_complaint[complaint_id]


def late_keyed_events() -> list[DecodedEvent]:
    """A verification that happened an hour after submission but was keyed in at 5."""

    def context(actor, occurred, recorded):
        return ActionContext(
            actor=actor,
            occurred_at=occurred,
            recorded_at=recorded,
            correlation_id="corr-late",
            causation_id=f"cmd-{recorded.timestamp():.0f}",
            reporter_ref=REPORTER_REF,
        )

    complaint = Complaint.submit(
        context(REPORTER, START, START),
        complaint_id=uuid.uuid4(),
        tracking_id="2000001",
        channel=Channel.LETTER,
        classification=Classification.COMPLAINT,
        title="Surat pengaduan",
        description="Dikirim lewat pos.",
        reporter_ref=REPORTER_REF,
    )
    complaint.verify(
        context(NATIONAL, START + HOUR, START + 5 * HOUR),
        classification=Classification.COMPLAINT,
    )
    return [DecodedEvent.from_envelope(e) for e in envelopes_of(complaint)]


@pytest.mark.parametrize(
    ("count", "status"),
    [
        (1, Status.SUBMITTED),
        (2, Status.VERIFIED),
        (3, Status.DISPOSITIONED),
        (4, Status.IN_UNIT),
        (5, Status.IN_FOLLOW_UP),
        (6, Status.RESPONDED),
        (7, Status.CLOSED),
    ],
)
def test_status_as_of_each_event(histories, count, status):
    complaint_id, events = closed_events(histories)
    moment = events[count - 1].envelope.recorded_at

    result = replay_as_of(events, complaint_id=complaint_id, as_of=moment)

    assert result.events_applied == count
    assert result.events_total == len(events)
    assert result.state.status is status
    assert result.last_event_id == events[count - 1].envelope.id


def test_moment_before_submission(histories):
    complaint_id, events = closed_events(histories)
    moment = events[0].envelope.recorded_at - dt.timedelta(seconds=1)

    with pytest.raises(
        ComplaintNotFoundError, match="has no event recorded at or before"
    ):
        replay_as_of(events, complaint_id=complaint_id, as_of=moment)


def test_recorded_and_occurred_differ():
    events = late_keyed_events()
    complaint_id = events[0].envelope.subject
    moment = START + 2 * HOUR

    by_recorded = replay_as_of(events, complaint_id=complaint_id, as_of=moment)
    by_occurred = replay_as_of(
        events, complaint_id=complaint_id, as_of=moment, basis=ReplayBasis.OCCURRED
    )

    assert by_recorded.state.status is Status.SUBMITTED
    assert by_occurred.state.status is Status.VERIFIED


def test_broken_chain_is_not_replayed(histories):
    complaint_id, events = closed_events(histories)
    document = {**events[2].document, "actoragency": "pemprov-jabar"}
    tampered = [*events[:2], replace(events[2], document=document), *events[3:]]

    with pytest.raises(ReplayError, match="broken hash chain"):
        replay_as_of(
            tampered, complaint_id=complaint_id, as_of=events[-1].envelope.recorded_at
        )


def test_no_events_is_reported():
    with pytest.raises(ComplaintNotFoundError, match="no event of complaint"):
        replay_as_of([], complaint_id="x", as_of=START)


def test_duplicates_are_folded_once(histories):
    complaint_id, events = closed_events(histories)

    result = replay_as_of(
        [*events, events[1]],
        complaint_id=complaint_id,
        as_of=events[-1].envelope.recorded_at,
    )

    assert result.events_applied == len(events)
    assert result.state.status is Status.CLOSED


def test_legacy_submission_replays(histories):
    complaint_id, events = next(
        (cid, events)
        for cid, events in histories.by_complaint.items()
        if events[0].upcast
    )

    result = replay_as_of(
        events, complaint_id=complaint_id, as_of=events[-1].envelope.recorded_at
    )

    assert result.state.status is Status.VERIFIED
    assert result.state.privacy.anonymous is False


def test_description_lists_status_and_holder(histories):
    complaint_id, events = closed_events(histories)
    result = replay_as_of(
        events, complaint_id=complaint_id, as_of=events[3].envelope.recorded_at
    )

    text = describe(result)

    assert "status: in_unit" in text
    assert "holder: pemkot-bandung" in text
    assert "unit: dinas-pupr" in text

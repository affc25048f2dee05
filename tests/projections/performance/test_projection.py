"""The projection's apply: rows, steps, duplicates, gaps and what it stores."""

from __future__ import annotations

from itertools import zip_longest

import pytest
from sqlalchemy import func, select

from events.structured import DecodedEvent
from events.values import PrivacyFlags
from projections.base import Position
from projections.performance import tables
from projections.performance.errors import ProjectionStateError
from projections.performance.projection import PerformanceProjection
from tests.projections.performance.histories import (
    REPORTER_REF,
    History,
    apply_all,
    memory_engine,
    wib,
)

AGENCY = "pemkot-bandung"
POSITION = Position("test", 0, 0)


def closed_history() -> History:
    return (
        History(wib(2025, 9, 1))
        .verify(wib(2025, 9, 1, 10))
        .disposition(wib(2025, 9, 1, 11), AGENCY)
        .respond(wib(2025, 9, 2))
        .close(wib(2025, 9, 3))
    )


def complaint_row(engine, complaint_id):
    with engine.connect() as connection:
        query = select(tables.complaints).where(
            tables.complaints.c.complaint_id == complaint_id
        )
        return connection.execute(query).mappings().one()


def step_count(engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(tables.steps)
        return int(connection.execute(query).scalar_one())


def test_one_step_per_lifecycle_event():
    engine = memory_engine()
    history = closed_history()
    apply_all(engine, [history])
    assert step_count(engine) == len(history.envelopes)
    row = complaint_row(engine, history.complaint_id)
    assert row["status"] == "closed"
    assert row["holder"] == AGENCY
    assert row["last_sequence"] == len(history.envelopes)
    assert row["settled_at"] == wib(2025, 9, 3)


def test_reopen_clears_settled_at():
    engine = memory_engine()
    history = closed_history().reopen(wib(2025, 9, 4))
    apply_all(engine, [history])
    row = complaint_row(engine, history.complaint_id)
    assert row["status"] == "in_follow_up"
    assert row["settled_at"] is None


def test_privacy_change_makes_no_step():
    history = closed_history()
    context = history._context(history._holder_admin(), wib(2025, 9, 4))
    history.complaint.change_privacy_flags(
        context, flags=PrivacyFlags(confidential=True), reason="Permintaan pelapor."
    )
    engine = memory_engine()
    apply_all(engine, [history])
    assert step_count(engine) == len(history.envelopes) - 1
    row = complaint_row(engine, history.complaint_id)
    assert row["last_sequence"] == len(history.envelopes)


def test_stored_state_has_no_reporter_reference():
    engine = memory_engine()
    history = closed_history()
    apply_all(engine, [history])
    row = complaint_row(engine, history.complaint_id)
    assert REPORTER_REF not in row["state"]


def test_duplicate_event_skipped():
    engine = memory_engine()
    history = closed_history()
    apply_all(engine, [history])
    projection = PerformanceProjection()
    with engine.begin() as connection:
        for envelope in history.envelopes[:3]:
            event = DecodedEvent.from_envelope(envelope)
            projection.apply(connection, event, POSITION)
    assert step_count(engine) == len(history.envelopes)


def test_sequence_gap_rejected():
    engine = memory_engine()
    envelopes = closed_history().envelopes
    projection = PerformanceProjection()
    with engine.begin() as connection:
        projection.apply(connection, DecodedEvent.from_envelope(envelopes[0]), POSITION)
        with pytest.raises(ProjectionStateError, match="events 2 to 2 are missing"):
            projection.apply(
                connection, DecodedEvent.from_envelope(envelopes[2]), POSITION
            )


def test_unknown_complaint_rejected():
    engine = memory_engine()
    envelopes = closed_history().envelopes
    projection = PerformanceProjection()
    with (
        engine.begin() as connection,
        pytest.raises(ProjectionStateError, match="has not seen"),
    ):
        projection.apply(connection, DecodedEvent.from_envelope(envelopes[1]), POSITION)


def test_deleted_complaint_drops_tracker():
    engine = memory_engine()
    history = History(wib(2025, 9, 1)).delete(wib(2025, 9, 1, 10))
    apply_all(engine, [history])
    row = complaint_row(engine, history.complaint_id)
    assert row["tracker"] is None
    assert row["settled_at"] == wib(2025, 9, 1, 10)


def test_due_dates_match_the_write_model():
    engine = memory_engine()
    history = (
        History(wib(2025, 3, 24))
        .verify(wib(2025, 3, 25))
        .disposition(wib(2025, 3, 27, 10), AGENCY)
    )
    apply_all(engine, [history])
    due = history.complaint.due_dates
    assert due is not None
    with engine.connect() as connection:
        query = select(tables.steps.c.first_follow_up_due).where(
            tables.steps.c.sequence == len(history.envelopes)
        )
        stored = connection.execute(query).scalar_one()
    assert stored == due.first_follow_up_due
    assert stored == wib(2025, 4, 14, 23, 59).replace(second=59, microsecond=999_999)


def table_contents(engine):
    with engine.connect() as connection:
        complaints = connection.execute(
            select(tables.complaints).order_by(tables.complaints.c.complaint_id)
        ).all()
        steps = connection.execute(
            select(tables.steps).order_by(
                tables.steps.c.complaint_id, tables.steps.c.sequence
            )
        ).all()
    return complaints, steps


def test_batches_equal_single_events():
    histories = [
        closed_history(),
        closed_history().reopen(wib(2025, 9, 4)),
        History(wib(2025, 9, 1)).delete(wib(2025, 9, 1, 10)),
    ]
    single = memory_engine()
    apply_all(single, histories)
    # Interleave the complaints like a busy topic, and repeat the first events.
    rounds = zip_longest(*(history.envelopes for history in histories))
    interleaved = [envelope for row in rounds for envelope in row if envelope]
    interleaved[4:4] = interleaved[:3]
    batched = memory_engine()
    projection = PerformanceProjection()
    events = [(DecodedEvent.from_envelope(e), POSITION) for e in interleaved]
    for first in range(0, len(events), 4):
        with batched.begin() as connection:
            projection.apply_many(connection, events[first : first + 4])
    assert table_contents(batched) == table_contents(single)

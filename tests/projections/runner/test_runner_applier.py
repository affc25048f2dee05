"""The batch transaction: sequence checks, positions, poison and rollbacks (SQLite)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bench.event_mix import template_histories
from events.chain import seal
from events.payloads import FollowUpRecorded
from projections.runner import (
    ApplyError,
    ConflictError,
    SequenceGapError,
    StoreError,
    view_contents,
)
from projections.runner.applier import RetryPolicy
from tests.projections.runner.support import records_of, sqlite_view


@pytest.fixture
def view(tmp_path):
    opened = sqlite_view(tmp_path)
    yield opened
    opened.dispose()


@pytest.fixture(scope="module")
def histories():
    """Six aggregate-made histories of at least six events each."""
    return [
        history for history in template_histories(40, seed=21) if len(history) >= 6
    ][:6]


def interleaved(histories):
    """Return the events of several complaints, one of each in turn."""
    events = []
    for step in range(max(len(history) for history in histories)):
        events.extend(history[step] for history in histories if step < len(history))
    return events


def stored_positions(view):
    with view.engine.connect() as connection:
        return view.tracking.read_positions(connection)


def stored_head(view, complaint_id):
    chains = view.tracking.chains
    with view.engine.connect() as connection:
        return connection.execute(
            select(chains.c.last_sequence).where(chains.c.complaint_id == complaint_id)
        ).scalar_one_or_none()


def altered(envelope):
    """Return a validly sealed event with the same id but other content."""
    return seal(
        complaint_id=uuid.UUID(envelope.subject),
        sequence=envelope.sequence,
        data=FollowUpRecorded(agency="pemkot-bandung", summary="Diubah."),
        actor=envelope.actor,
        occurred_at=envelope.time,
        recorded_at=envelope.recorded_at,
        correlation_id=envelope.correlation_id,
        causation_id=envelope.causation_id,
        previous_hash=envelope.previous_hash,
    )


async def test_batch_applies_every_event(view, histories):
    events = interleaved(histories)
    result = await view.applier.apply(records_of(events))
    assert result.applied == len(events)
    assert result.duplicates == 0
    assert stored_positions(view) == {("events", 0): len(events) - 1}


async def test_republished_events_skipped(view, histories):
    events = interleaved(histories)
    await view.applier.apply(records_of(events))
    before = view_contents(view.engine, view.projection.metadata)
    again = records_of(events[:10], first_offset=len(events))
    result = await view.applier.apply(again)
    assert result.duplicates == 10
    assert result.applied == 0
    assert stored_positions(view) == {("events", 0): len(events) + 9}
    assert view_contents(view.engine, view.projection.metadata) == before


async def test_duplicate_within_batch_skipped(view, histories):
    history = histories[0]
    events = [history[0], history[1], history[0], history[1], history[2]]
    result = await view.applier.apply(records_of(events))
    assert result.applied == 3
    assert result.duplicates == 2


async def test_redelivered_offsets_passed_over(view, histories):
    records = records_of(interleaved(histories))
    await view.applier.apply(records)
    result = await view.applier.apply(records)
    assert result.already_processed == len(records)
    assert result.applied == 0
    assert result.duplicates == 0


async def test_gap_halts_before_missing_event(view, histories):
    history = histories[0]
    events = [history[0], history[1], history[3], history[4]]
    result = await view.applier.apply(records_of(events))
    assert isinstance(result.halt, SequenceGapError)
    assert result.applied == 2
    assert stored_positions(view) == {("events", 0): 1}
    assert stored_head(view, history[0].subject) == 2


async def test_gap_names_record_and_event(view, histories):
    history = histories[0]
    result = await view.applier.apply(records_of([history[0], history[2]]))
    halt = result.halt
    assert halt is not None
    assert (halt.at.topic, halt.at.partition, halt.at.offset) == ("events", 0, 1)
    assert halt.at.event_id == history[2].id
    assert "sequence 2 never arrived" in str(halt)


async def test_first_event_missing_is_gap(view, histories):
    result = await view.applier.apply(records_of([histories[0][1]]))
    assert isinstance(result.halt, SequenceGapError)
    assert result.applied == 0
    assert stored_positions(view) == {}


async def test_gap_stops_with_metrics(view, histories):
    history = histories[0]
    with pytest.raises(SequenceGapError):
        await view.accounting.apply(records_of([history[0], history[2]]))
    assert view.metric("lapor_projection_sequence_gaps_total") == 1
    assert view.metric("lapor_projection_halted", reason="sequence_gap") == 1
    assert view.metric("lapor_projection_halted", reason="conflict") == 0
    assert view.metric("lapor_projection_events_applied_total") == 1


async def test_altered_copy_is_conflict(view, histories):
    history = histories[0]
    await view.applier.apply(records_of(history))
    copy = altered(history[1])
    result = await view.applier.apply(records_of([copy], first_offset=len(history)))
    assert isinstance(result.halt, ConflictError)
    assert result.duplicates == 0
    assert stored_positions(view) == {("events", 0): len(history) - 1}


async def test_forked_chain_is_conflict(view, histories):
    history = histories[0]
    forked = altered(history[1]).model_copy(update={"previous_hash": "0" * 64})
    result = await view.applier.apply(records_of([history[0], forked]))
    assert isinstance(result.halt, ConflictError)
    assert "chain forks" in str(result.halt)


async def test_conflict_stops_with_metrics(view, histories):
    history = histories[0]
    await view.applier.apply(records_of(history[:3]))
    with pytest.raises(ConflictError):
        await view.accounting.apply(records_of([altered(history[1])], first_offset=3))
    assert view.metric("lapor_projection_conflicts_total") == 1
    assert view.metric("lapor_projection_halted", reason="conflict") == 1


async def test_poison_dead_lettered_and_passed(view, histories):
    history = histories[0]
    records = records_of([history[0], history[1], history[2]])
    poison = records[1].__class__(
        topic="events",
        partition=0,
        offset=1,
        key=records[1].key,
        value=b"{not json",
        headers=records[1].headers,
        timestamp_ms=records[1].timestamp_ms,
    )
    good = records_of([history[1]], first_offset=2)
    result = await view.applier.apply([records[0], poison, *good])
    assert result.dead_lettered == 1
    assert result.applied == 2
    assert stored_positions(view) == {("events", 0): 2}
    [dead] = view.dead_letters.published
    assert dead.record == poison
    assert dead.error_type == "MalformedJSONError"


async def test_projection_error_rolls_back(view, histories, monkeypatch):
    events = interleaved(histories)
    await view.applier.apply(records_of(events[:5]))
    before = view_contents(view.engine, view.projection.metadata)

    def fail(connection, batch):
        del connection, batch
        raise RuntimeError("projection bug")

    monkeypatch.setattr(view.projection, "apply_many", fail)
    with pytest.raises(ApplyError, match="projection bug"):
        await view.applier.apply(records_of(events[5:], first_offset=5))
    assert stored_positions(view) == {("events", 0): 4}
    assert view_contents(view.engine, view.projection.metadata) == before


async def test_database_errors_retried(view, histories, monkeypatch):
    view.applier.retry = RetryPolicy(attempts=3, first_delay=0.01)
    real = view.applier._transaction
    failures = []

    async def flaky(items):
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError(
                "BEGIN IMMEDIATE", {}, Exception("database is locked")
            )
        return await real(items)

    monkeypatch.setattr(view.applier, "_transaction", flaky)
    result = await view.applier.apply(records_of(histories[0]))
    assert result.applied == len(histories[0])
    assert len(failures) == 2


async def test_database_errors_give_up(view, histories, monkeypatch):
    view.applier.retry = RetryPolicy(attempts=2, first_delay=0.01)

    async def broken(items):
        del items
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("disk I/O error"))

    monkeypatch.setattr(view.applier, "_transaction", broken)
    with pytest.raises(StoreError, match="failed 2 times"):
        await view.applier.apply(records_of(histories[0]))


async def test_positions_per_partition(view, histories):
    first = records_of(histories[0], partition=0)
    second = records_of(histories[1], partition=2, first_offset=40)
    result = await view.applier.apply([*first, *second])
    assert result.positions == {
        ("events", 0): len(histories[0]) - 1,
        ("events", 2): 40 + len(histories[1]) - 1,
    }


async def test_last_event_metric_is_recorded_time(view, histories):
    history = histories[0]
    await view.accounting.apply(records_of(history))
    expected = max(event.recorded_at for event in history).timestamp()
    assert view.metric("lapor_projection_last_event_timestamp_seconds") == expected
    applied_at = view.metric("lapor_projection_last_applied_timestamp_seconds")
    assert applied_at is not None
    assert applied_at <= dt.datetime.now(dt.UTC).timestamp()

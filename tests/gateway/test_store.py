"""The complaint recorders on both stores: gateway tables, atomicity, opening errors."""

from __future__ import annotations

import datetime as dt
import socket
import uuid

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from events.codec import decode_json, encode_json
from events.values import DeadlineClock
from gateway.application import ComplaintService
from gateway.bootstrap import store_environment
from gateway.settings import Settings, StoreKind
from gateway.store.errors import StoreOpenError
from gateway.store.records import CommandRecord, ScheduledDeadline
from tests.gateway.builders import (
    WIB,
    command_row_count,
    notification_count,
    schedule_row_count,
)

UTC_PLUS_9 = dt.timezone(dt.timedelta(hours=9))
BASE = dt.datetime(2025, 6, 5, 16, 59, 59, 999999, tzinfo=dt.UTC)


def deadline(
    complaint_id: uuid.UUID,
    clock: DeadlineClock,
    due_at: dt.datetime,
    version: int = 1,
) -> ScheduledDeadline:
    return ScheduledDeadline(
        complaint_id=complaint_id,
        clock=clock,
        due_at=due_at,
        version=version,
        last_occurred_at=BASE - dt.timedelta(days=3),
    )


def record(
    complaint_id: uuid.UUID, command_id: str = "lapor-web/cmd-1"
) -> CommandRecord:
    return CommandRecord(
        command_id=command_id,
        command_type="SubmitComplaint",
        digest="0" * 64,
        agency="lapor-web",
        complaint_id=complaint_id,
        first_sequence=1,
        last_sequence=1,
        recorded_at=dt.datetime(2025, 6, 2, 10, 0, tzinfo=WIB),
    )


def clashing_event(complaint_id: uuid.UUID) -> StoredEvent:
    """Return an event at the version the complaint's submission already has."""
    return StoredEvent(
        originator_id=complaint_id,
        originator_version=1,
        topic="test.event",
        state=b"{}",
    )


# Schedule rows


def test_due_deadlines_in_time_order(service):
    first, second = uuid.uuid4(), uuid.uuid4()
    rows = [
        deadline(first, DeadlineClock.RESOLUTION, BASE + dt.timedelta(hours=2)),
        deadline(second, DeadlineClock.VERIFICATION, BASE.astimezone(UTC_PLUS_9)),
        deadline(first, DeadlineClock.VERIFICATION, BASE.astimezone(WIB)),
    ]
    service.recorder.insert_events(
        [], deadlines={first: [rows[0], rows[2]], second: [rows[1]]}
    )

    due = service.store.select_due_deadlines(BASE + dt.timedelta(hours=3), 10)

    expected = sorted(rows, key=lambda r: (r.due_at, str(r.complaint_id), r.clock))
    assert [(r.complaint_id, r.clock) for r in due] == [
        (r.complaint_id, r.clock) for r in expected
    ]
    assert [r.due_at for r in due] == [r.due_at for r in expected]


def test_due_deadlines_until_is_inclusive(service):
    complaint_id = uuid.uuid4()
    row = deadline(complaint_id, DeadlineClock.VERIFICATION, BASE)
    service.recorder.insert_events([], deadlines={complaint_id: [row]})

    before = service.store.select_due_deadlines(BASE - dt.timedelta(microseconds=1), 10)
    at = service.store.select_due_deadlines(BASE.astimezone(WIB), 10)

    assert before == []
    assert [r.clock for r in at] == [DeadlineClock.VERIFICATION]


def test_due_deadlines_page_after_key(service):
    ids = sorted((uuid.uuid4() for _ in range(5)), key=str)
    for complaint_id in ids:
        row = deadline(complaint_id, DeadlineClock.VERIFICATION, BASE)
        service.recorder.insert_events([], deadlines={complaint_id: [row]})

    first_page = service.store.select_due_deadlines(BASE, 2)
    second_page = service.store.select_due_deadlines(BASE, 2, first_page[-1])
    last_page = service.store.select_due_deadlines(BASE, 2, second_page[-1])

    paged = [r.complaint_id for r in first_page + second_page + last_page]
    assert paged == ids


def test_schedule_rows_round_trip(service):
    complaint_id = uuid.uuid4()
    row = deadline(complaint_id, DeadlineClock.AUTO_CLOSE, BASE.astimezone(WIB), 7)
    service.recorder.insert_events([], deadlines={complaint_id: [row]})

    (stored,) = service.store.select_due_deadlines(BASE, 10)

    assert stored == row


def test_schedule_replaced_per_complaint(service):
    complaint_id, other_id = uuid.uuid4(), uuid.uuid4()
    service.recorder.insert_events(
        [],
        deadlines={
            complaint_id: [deadline(complaint_id, DeadlineClock.VERIFICATION, BASE)],
            other_id: [deadline(other_id, DeadlineClock.VERIFICATION, BASE)],
        },
    )

    service.recorder.insert_events([], deadlines={complaint_id: []})

    remaining = service.store.select_due_deadlines(BASE, 10)
    assert [r.complaint_id for r in remaining] == [other_id]


# Command outcomes and relay positions


def test_command_record_round_trip(service):
    stored = record(uuid.uuid4())
    service.recorder.insert_events([], commands=[stored])

    found = service.store.select_command(stored.command_id)

    assert found == stored
    assert service.store.select_command("lapor-web/unknown") is None


def test_command_id_is_unique(service):
    stored = record(uuid.uuid4())
    service.recorder.insert_events([], commands=[stored])

    with pytest.raises(IntegrityError):
        service.recorder.insert_events([], commands=[stored])

    assert command_row_count(service) == 1


def test_relay_position_starts_at_zero(service):
    assert service.store.select_position("events") == 0


def test_relay_position_updates(service):
    service.store.update_position("events", 5)
    service.store.update_position("events", 9)
    service.store.update_position("feeds", 2)

    assert service.store.select_position("events") == 9
    assert service.store.select_position("feeds") == 2


# One transaction


def test_conflicting_event_records_nothing(service, commands):
    outcome = service.execute(commands.submit())
    complaint_id = outcome.complaint_id
    rows_before = schedule_row_count(service)
    clash = clashing_event(complaint_id)
    other_id = uuid.uuid4()

    with pytest.raises(IntegrityError):
        service.recorder.insert_events(
            [clash],
            commands=[record(complaint_id, "lapor-web/clash")],
            deadlines={
                complaint_id: [],
                other_id: [deadline(other_id, DeadlineClock.VERIFICATION, BASE)],
            },
        )

    assert notification_count(service) == 1
    assert service.store.select_command("lapor-web/clash") is None
    assert schedule_row_count(service) == rows_before


def test_stored_state_is_canonical_document(service, commands):
    outcome = service.execute(commands.submit())

    (stored,) = service.recorder.select_events(outcome.complaint_id)

    decoded = decode_json(stored.state)
    assert stored.topic == decoded.envelope.type
    assert encode_json(decoded) == stored.state
    assert decoded.envelope.id == outcome.event_ids[0]


# Opening errors


def test_unopenable_sqlite_names_setting(tmp_path):
    folder = tmp_path / "not-a-file.sqlite"
    folder.mkdir()
    env = store_environment(Settings(store=StoreKind.SQLITE, sqlite_path=folder))

    with pytest.raises(StoreOpenError) as caught:
        ComplaintService(env)

    assert "LAPOR_SQLITE_PATH" in str(caught.value)
    assert str(folder) in str(caught.value)
    assert caught.value.retriable is True


def test_unreachable_postgres_names_setting():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://gateway:secret-password@127.0.0.1:{port}/lapor"
    env = store_environment(Settings(store=StoreKind.POSTGRES, postgres_url=url))
    env["POSTGRES_CONNECT_TIMEOUT"] = "1"

    with pytest.raises(StoreOpenError) as caught:
        ComplaintService(env)

    message = str(caught.value)
    assert "LAPOR_POSTGRES_URL" in message
    assert f"127.0.0.1:{port}" in message
    assert "secret-password" not in message


@pytest.mark.postgres
def test_postgres_db_functions_rejected(postgres_database):
    settings = Settings(store=StoreKind.POSTGRES, postgres_url=postgres_database)
    env = {**store_environment(settings), "POSTGRES_ENABLE_DB_FUNCTIONS": "y"}

    with pytest.raises(ValueError, match="POSTGRES_ENABLE_DB_FUNCTIONS"):
        ComplaintService(env)

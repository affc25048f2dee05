"""The deadline scheduler on both stores, driven by a manual clock."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import pytest
from prometheus_client import CollectorRegistry

from events.payloads import (
    ComplaintArchived,
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintEvent,
)
from events.values import (
    ArchiveReason,
    Classification,
    ClosingMode,
    DeadlineClock,
    Role,
)
from events.values import SopTier as EventSopTier
from gateway.complaint import InvalidActionError, LifecyclePolicy, Status
from gateway.complaint.commands import (
    DispositionComplaint,
    PostResponse,
    RecordSatisfaction,
    ReplyToResponse,
    SetComplaintPending,
    VerifyComplaint,
)
from gateway.complaint.transitions import Action, find_transition
from gateway.scheduler import GATEWAY_AGENCY, DeadlineScheduler
from monitoring.metrics import SchedulerMetrics
from tests.gateway.builders import (
    AGENCY,
    HOLDER,
    HOUR,
    NATIONAL,
    REPORTER,
    event_names,
    expected_schedule,
    respond,
    schedule_rows,
    stored_events,
)

EventT = TypeVar("EventT", bound=ComplaintEvent)

if TYPE_CHECKING:
    from uuid import UUID

    from events.envelope import Envelope
    from gateway.application import ComplaintService
    from gateway.deadlines import DueDates

SCHEDULERS = 2
COMPLAINTS = 6
THREAD_TIMEOUT_SECONDS = 60.0
MICROSECOND = dt.timedelta(microseconds=1)


@pytest.fixture
def scheduler_registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def scheduler(
    service: ComplaintService, scheduler_registry: CollectorRegistry
) -> DeadlineScheduler:
    return DeadlineScheduler(service, SchedulerMetrics(scheduler_registry))


def due_dates(service: ComplaintService, complaint_id: UUID) -> DueDates:
    complaint = service.find(complaint_id)
    assert complaint is not None
    assert complaint.due_dates is not None
    return complaint.due_dates


def issued(registry: CollectorRegistry, clock: DeadlineClock, outcome: str) -> float:
    value = registry.get_sample_value(
        "lapor_scheduler_commands_issued_total",
        {"clock": clock.value, "outcome": outcome},
    )
    return value or 0.0


def recorded_events(
    service: ComplaintService, complaint_id: UUID, kind: type[EventT]
) -> list[tuple[Envelope, EventT]]:
    """Return the complaint's stored events of one type, with their data."""
    found = []
    for event in stored_events(service, complaint_id):
        data = event.envelope.data
        if isinstance(data, kind):
            found.append((event.envelope, data))
    return found


# Escalation


def test_nothing_due_before_deadline(service, scheduler, commands, clock):
    complaint_id = service.execute(commands.submit()).complaint_id
    due = due_dates(service, complaint_id).verification_due
    assert due is not None

    recorded = scheduler.run_until(clock.set(due - MICROSECOND))

    assert recorded == 0
    assert event_names(service, complaint_id) == ["complaint.submitted"]


def test_overdue_clock_escalated_once(
    service, scheduler, scheduler_registry, commands, clock
):
    complaint_id = service.execute(commands.submit()).complaint_id
    due = due_dates(service, complaint_id).verification_due
    assert due is not None

    first = scheduler.run_until(clock.set(due + HOUR))
    second = scheduler.run_until(clock.advance(HOUR))

    assert first == 1
    assert second == 0
    escalations = recorded_events(service, complaint_id, ComplaintEscalated)
    assert len(escalations) == 1
    envelope, data = escalations[0]
    assert data.clock is DeadlineClock.VERIFICATION
    assert data.due_at == due
    assert envelope.time == due
    assert envelope.actor.role is Role.SYSTEM
    assert envelope.actor.agency == GATEWAY_AGENCY
    assert issued(scheduler_registry, DeadlineClock.VERIFICATION, "accepted") == 1
    assert issued(scheduler_registry, DeadlineClock.VERIFICATION, "invalid") == 0
    assert service.store.select_due_deadlines(clock.now, 100) == []


def test_escalated_deadline_leaves_schedule(service, scheduler, commands, clock):
    complaint_id = service.execute(commands.submit()).complaint_id
    due = due_dates(service, complaint_id).verification_due
    assert due is not None

    scheduler.run_until(clock.set(due + HOUR))

    clocks = {row[0] for row in schedule_rows(service, complaint_id)}
    assert clocks == {DeadlineClock.RESOLUTION.value}
    assert schedule_rows(service, complaint_id) == expected_schedule(
        service, complaint_id
    )
    complaint = service.find(complaint_id)
    assert complaint is not None
    assert complaint.state.escalated == ((DeadlineClock.VERIFICATION, due),)


def test_second_scheduler_finds_nothing(
    open_service, service, scheduler, commands, clock
):
    complaint_id = service.execute(commands.submit()).complaint_id
    due = due_dates(service, complaint_id).verification_due
    assert due is not None
    other_registry = CollectorRegistry()
    other = DeadlineScheduler(open_service(), SchedulerMetrics(other_registry))

    scheduler.run_until(clock.set(due + HOUR))
    recorded = other.run_until(clock.advance(HOUR))

    assert recorded == 0
    assert len(recorded_events(service, complaint_id, ComplaintEscalated)) == 1
    for outcome in ("accepted", "duplicate", "invalid", "conflict"):
        assert issued(other_registry, DeadlineClock.VERIFICATION, outcome) == 0


def test_racing_schedulers_escalate_once(open_service, commands, clock):
    services = [open_service() for _ in range(SCHEDULERS)]
    complaint_ids = [
        services[0].execute(commands.submit()).complaint_id for _ in range(COMPLAINTS)
    ]
    latest = max(
        due_dates(services[0], complaint_id).verification_due or clock.now
        for complaint_id in complaint_ids
    )
    now = clock.set(latest + HOUR)
    schedulers = [
        DeadlineScheduler(service, SchedulerMetrics(CollectorRegistry()), batch_size=2)
        for service in services
    ]
    start = threading.Barrier(SCHEDULERS, timeout=THREAD_TIMEOUT_SECONDS)

    def run(scheduler: DeadlineScheduler) -> int:
        start.wait()
        return scheduler.run_until(now)

    with ThreadPoolExecutor(max_workers=SCHEDULERS) as pool:
        futures = [pool.submit(run, scheduler) for scheduler in schedulers]
        recorded = [f.result(timeout=THREAD_TIMEOUT_SECONDS) for f in futures]

    assert sum(recorded) == COMPLAINTS
    for complaint_id in complaint_ids:
        escalations = recorded_events(services[0], complaint_id, ComplaintEscalated)
        assert len(escalations) == 1, complaint_id


def test_deadlines_due_together_escalated_in_one_pass(
    service, scheduler, commands, clock
):
    complaint_id = service.execute(commands.submit()).complaint_id
    service.execute(
        commands.act(
            VerifyComplaint,
            complaint_id,
            NATIONAL,
            classification=Classification.COMPLAINT,
            sop_tier=EventSopTier.NORMATIVE,
        )
    )
    service.execute(
        commands.act(DispositionComplaint, complaint_id, NATIONAL, agency=HOLDER)
    )
    dates = due_dates(service, complaint_id)
    assert dates.first_follow_up_due is not None
    assert dates.first_follow_up_due == dates.sop_due

    recorded = scheduler.run_until(clock.set(dates.first_follow_up_due + HOUR))

    assert recorded == 2
    escalated = {
        data.clock
        for _, data in recorded_events(service, complaint_id, ComplaintEscalated)
    }
    assert escalated == {DeadlineClock.FIRST_FOLLOW_UP, DeadlineClock.SOP}


def test_late_pass_escalates_after_later_event(service, scheduler, commands, clock):
    complaint_id = respond(service, commands).complaint_id
    complaint = service.find(complaint_id)
    assert complaint is not None
    due = complaint.due_dates.auto_close_due if complaint.due_dates else None
    assert due is not None
    clock.set(due + HOUR)
    satisfied = service.execute(
        commands.act(RecordSatisfaction, complaint_id, REPORTER, satisfied=True)
    )

    recorded = scheduler.run_until(clock.advance(HOUR))

    assert recorded == 1
    closed = recorded_events(service, complaint_id, ComplaintClosed)
    assert len(closed) == 1
    assert (
        closed[0][0].time
        == stored_events(service, complaint_id)[satisfied.version - 1].envelope.time
    )


# Automatic closing and archiving


def test_silence_after_response_closes(service, scheduler, commands, clock):
    complaint_id = respond(service, commands).complaint_id
    due = due_dates(service, complaint_id).auto_close_due
    assert due is not None

    early = scheduler.run_until(clock.set(due - MICROSECOND))
    recorded = scheduler.run_until(clock.set(due + HOUR))

    assert early == 0
    assert recorded == 1
    closed = recorded_events(service, complaint_id, ComplaintClosed)
    assert len(closed) == 1
    assert closed[0][1].mode is ClosingMode.AUTOMATIC
    assert closed[0][0].time == due
    complaint = service.find(complaint_id)
    assert complaint is not None
    assert complaint.status is Status.CLOSED
    assert schedule_rows(service, complaint_id) == set()


def test_reply_cancels_automatic_closing(service, scheduler, commands, clock):
    complaint_id = respond(service, commands).complaint_id
    due = due_dates(service, complaint_id).auto_close_due
    assert due is not None
    service.execute(
        commands.act(ReplyToResponse, complaint_id, REPORTER, reply="Belum beres.")
    )

    recorded = scheduler.run_until(clock.set(due + HOUR))

    assert recorded == 0
    assert recorded_events(service, complaint_id, ComplaintClosed) == []


def test_expired_pending_complaint_archived(service, scheduler, commands, clock):
    complaint_id = service.execute(commands.submit()).complaint_id
    service.execute(
        commands.act(SetComplaintPending, complaint_id, NATIONAL, reason="Kurang.")
    )
    due = due_dates(service, complaint_id).pending_archive_due
    assert due is not None

    recorded = scheduler.run_until(clock.set(due + HOUR))

    assert recorded == 1
    archived = recorded_events(service, complaint_id, ComplaintArchived)
    assert len(archived) == 1
    assert archived[0][1].reason is ArchiveReason.PENDING_NOT_COMPLETED
    assert archived[0][0].actor.role is Role.SYSTEM
    complaint = service.find(complaint_id)
    assert complaint is not None
    assert complaint.status is Status.ARCHIVED
    assert schedule_rows(service, complaint_id) == set()


def test_system_archives_only_pending_complaints():
    row = find_transition(Action.ARCHIVE, Role.SYSTEM)

    assert row is not None
    assert row.sources == frozenset({Status.PENDING})
    assert row.target is Status.ARCHIVED


def test_early_system_archive_rejected(service, scheduler, commands, clock):
    complaint_id = service.execute(commands.submit()).complaint_id
    service.execute(
        commands.act(SetComplaintPending, complaint_id, NATIONAL, reason="Kurang.")
    )
    due = due_dates(service, complaint_id).pending_archive_due
    assert due is not None
    row = next(
        r
        for r in service.store.select_due_deadlines(due, 10)
        if r.clock is DeadlineClock.PENDING_ARCHIVE
    )
    early = scheduler.command_for(row).model_copy(
        update={"occurred_at": due - HOUR, "command_id": "early-archive"}
    )
    clock.set(due - HOUR)

    result = service.execute_batch([early])[0]

    assert isinstance(result, InvalidActionError)
    assert "pending-archive" in str(result)


def test_pending_archive_off_leaves_complaint(
    open_service, scheduler_registry, commands, clock, caplog
):
    policy = LifecyclePolicy(system_archives_expired_pending=False)
    service = open_service(policy=policy)
    scheduler = DeadlineScheduler(service, SchedulerMetrics(scheduler_registry))
    complaint_id = service.execute(commands.submit(target_agency=HOLDER)).complaint_id
    service.execute(
        commands.act(SetComplaintPending, complaint_id, AGENCY, reason="Kurang.")
    )
    due = due_dates(service, complaint_id).pending_archive_due
    assert due is not None

    with caplog.at_level(logging.WARNING, logger="gateway.scheduler"):
        recorded = scheduler.run_until(clock.set(due + HOUR))

    assert recorded == 0
    complaint = service.find(complaint_id)
    assert complaint is not None
    assert complaint.status is Status.PENDING
    assert issued(scheduler_registry, DeadlineClock.PENDING_ARCHIVE, "rejected") == 1
    assert str(complaint_id) in caplog.text


def test_rejected_deadlines_do_not_hide_later_ones(open_service, commands, clock):
    policy = LifecyclePolicy(system_archives_expired_pending=False)
    service = open_service(policy=policy)
    scheduler = DeadlineScheduler(
        service, SchedulerMetrics(CollectorRegistry()), batch_size=2
    )
    for _ in range(3):
        complaint_id = service.execute(commands.submit()).complaint_id
        service.execute(
            commands.act(SetComplaintPending, complaint_id, NATIONAL, reason="Kurang.")
        )
    stuck_due = due_dates(service, complaint_id).pending_archive_due
    assert stuck_due is not None
    clock.set(stuck_due + HOUR)
    late_id = service.execute(commands.submit()).complaint_id
    late_due = due_dates(service, late_id).verification_due
    assert late_due is not None

    recorded = scheduler.run_until(clock.set(late_due + HOUR))

    assert recorded == 1
    assert len(recorded_events(service, late_id, ComplaintEscalated)) == 1


def test_posted_response_stops_follow_up_clock(service, scheduler, commands, clock):
    complaint_id = service.execute(commands.submit()).complaint_id
    for command in commands.handling_steps(complaint_id)[:2]:
        service.execute(command)
    due = due_dates(service, complaint_id).first_follow_up_due
    assert due is not None
    service.execute(
        commands.act(PostResponse, complaint_id, AGENCY, response="Sudah beres.")
    )

    scheduler.run_until(clock.set(due + HOUR))

    assert recorded_events(service, complaint_id, ComplaintEscalated) == []

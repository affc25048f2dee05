"""The complaint service on both stores: lifecycle, idempotency, races, batches."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry

from events.chain import verify_chain
from events.values import Classification
from gateway.application import command_key
from gateway.complaint import (
    CommandTargetError,
    Complaint,
    Status,
    SubmitComplaint,
    TransitionRejectedError,
    VersionConflictError,
    submission_complaint_id,
)
from gateway.complaint.commands import (
    CloseComplaint,
    DispositionComplaint,
    PostResponse,
    RecordFollowUp,
    RecordSatisfaction,
    ReplyToResponse,
    SetComplaintPending,
    VerifyComplaint,
)
from gateway.outcomes import CommandConflictError, CommandOutcome, CommandReuseError
from monitoring.metrics import CommandMetrics
from tests.gateway.builders import (
    AGENCY,
    HOLDER,
    LIAISON,
    NATIONAL,
    OTHER_ADMIN,
    REPORTER,
    command_row_count,
    event_names,
    expected_schedule,
    notification_count,
    respond,
    schedule_rows,
    stored_events,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from gateway.application import ComplaintService
    from gateway.complaint.commands import ComplaintCommand

RACE_ROUNDS = 8
WRITERS = 4
THREAD_TIMEOUT_SECONDS = 60.0

LIFECYCLE_EVENTS = [
    "complaint.submitted",
    "complaint.verified",
    "complaint.dispositioned",
    "complaint.forwarded_to_unit",
    "complaint.follow_up_recorded",
    "complaint.response_posted",
    "complaint.reporter_replied",
    "complaint.follow_up_recorded",
    "complaint.response_posted",
    "complaint.satisfaction_recorded",
    "complaint.closed",
]


def outcome_of(result: object) -> CommandOutcome:
    assert isinstance(result, CommandOutcome), result
    return result


def test_lifecycle_records_verified_chain(service, commands):
    responded = respond(service, commands)
    complaint_id = responded.complaint_id
    later = [
        commands.act(ReplyToResponse, complaint_id, REPORTER, reply="Belum selesai."),
        commands.act(RecordFollowUp, complaint_id, LIAISON, summary="Tambal ulang."),
        commands.act(
            PostResponse, complaint_id, LIAISON, response="Sudah ditambal ulang."
        ),
        commands.act(RecordSatisfaction, complaint_id, REPORTER, satisfied=True),
        commands.act(CloseComplaint, complaint_id, REPORTER),
    ]

    outcomes = [service.execute(command) for command in later]

    events = stored_events(service, complaint_id)
    report = verify_chain(events, complaint_id=str(complaint_id))
    assert report.valid, report.faults
    assert report.event_count == 11
    assert event_names(service, complaint_id) == LIFECYCLE_EVENTS
    assert outcomes[-1].status == Status.CLOSED.value
    assert outcomes[-1].version == 11
    assert [event.envelope.sequence for event in events] == list(range(1, 12))


def test_outcome_names_recorded_events(service, commands):
    outcome = service.execute(commands.submit())

    events = stored_events(service, outcome.complaint_id)

    assert outcome.event_ids == (events[0].envelope.id,)
    assert outcome.event_types == (events[0].envelope.type,)
    assert outcome.version == 1
    assert outcome.duplicate is False


def test_find_returns_none_for_unknown(service, commands):
    outcome = service.execute(commands.submit())

    assert service.find(outcome.complaint_id) is not None
    assert service.find(uuid.uuid4()) is None


def test_action_on_unknown_complaint_rejected(service, commands):
    command = commands.act(
        VerifyComplaint, uuid.uuid4(), NATIONAL, classification=Classification.COMPLAINT
    )

    result = service.execute_batch([command])[0]

    assert isinstance(result, CommandTargetError)
    assert service.store.select_command(command_key(command)) is None


# Idempotency


def test_repeated_command_returns_first_outcome(service, commands):
    command = commands.submit()
    first = service.execute(command)
    notifications = notification_count(service)
    rows = command_row_count(service)

    again = service.execute(command)

    assert again.duplicate is True
    assert again.event_ids == first.event_ids
    assert again.version == first.version
    assert again.complaint_id == first.complaint_id
    assert notification_count(service) == notifications
    assert command_row_count(service) == rows


def test_repeated_action_after_later_events(service, commands):
    submitted = service.execute(commands.submit())
    verify = commands.act(
        VerifyComplaint,
        submitted.complaint_id,
        NATIONAL,
        classification=Classification.COMPLAINT,
    )
    first = service.execute(verify)
    service.execute(
        commands.act(
            DispositionComplaint, submitted.complaint_id, NATIONAL, agency=HOLDER
        )
    )

    again = service.execute(verify)

    assert again.duplicate is True
    assert again.version == first.version == 2
    assert notification_count(service) == 3


def test_reused_command_id_rejected(service, commands):
    first = commands.submit()
    service.execute(first)
    reused = commands.submit(command_id=first.command_id, title="Lampu jalan mati")
    notifications = notification_count(service)

    result = service.execute_batch([reused])[0]

    assert isinstance(result, CommandReuseError)
    assert first.command_id in str(result)
    assert notification_count(service) == notifications
    assert command_row_count(service) == 1


def test_same_command_id_from_other_agency_is_new(service, commands):
    national = commands.submit(actor=NATIONAL, command_id="shared-1")
    agency = commands.submit(
        actor=AGENCY, command_id="shared-1", target_agency=AGENCY.agency
    )

    first = service.execute(national)
    second = service.execute(agency)

    assert second.duplicate is False
    assert second.complaint_id != first.complaint_id
    assert command_row_count(service) == 2


def test_duplicate_inside_batch(service, commands):
    command = commands.submit()

    results = service.execute_batch([command, command])

    first, second = outcome_of(results[0]), outcome_of(results[1])
    assert first.duplicate is False
    assert second.duplicate is True
    assert second.event_ids == first.event_ids
    assert notification_count(service) == 1
    assert command_row_count(service) == 1


def test_reused_id_inside_batch_rejected(service, commands):
    command = commands.submit()
    reused = commands.submit(command_id=command.command_id, title="Lampu jalan mati")

    results = service.execute_batch([command, reused])

    assert isinstance(results[0], CommandOutcome)
    assert isinstance(results[1], CommandReuseError)
    assert notification_count(service) == 1


def test_rejected_command_id_can_be_used_again(service, commands):
    submitted = service.execute(commands.submit())
    early = commands.act(
        DispositionComplaint, submitted.complaint_id, NATIONAL, agency=HOLDER
    )
    assert isinstance(service.execute_batch([early])[0], TransitionRejectedError)
    verify = commands.act(
        VerifyComplaint,
        submitted.complaint_id,
        NATIONAL,
        classification=Classification.COMPLAINT,
        command_id=early.command_id,
    )

    outcome = service.execute(verify)

    assert outcome.duplicate is False
    assert outcome.version == 2


# Optimistic concurrency


def test_stale_expected_version_conflicts(service, commands):
    submitted = service.execute(commands.submit())
    complaint_id = submitted.complaint_id
    service.execute(
        commands.act(
            VerifyComplaint,
            complaint_id,
            NATIONAL,
            classification=Classification.COMPLAINT,
            expected_version=1,
        )
    )
    stale = commands.act(
        DispositionComplaint, complaint_id, NATIONAL, agency=HOLDER, expected_version=1
    )

    result = service.execute_batch([stale])[0]

    assert isinstance(result, VersionConflictError)
    assert result.retriable is True
    assert "the complaint is at version 2" in result.reason
    assert notification_count(service) == 2
    assert service.store.select_command(command_key(stale)) is None


def test_matching_expected_version_accepted(service, commands):
    submitted = service.execute(commands.submit(expected_version=0))

    outcome = service.execute(
        commands.act(
            VerifyComplaint,
            submitted.complaint_id,
            NATIONAL,
            classification=Classification.COMPLAINT,
            expected_version=1,
        )
    )

    assert outcome.version == 2


def test_racing_versioned_commands_one_wins(open_service, commands):
    first_service, second_service = open_service(), open_service()
    complaint_ids = [
        first_service.execute(commands.submit()).complaint_id
        for _ in range(RACE_ROUNDS)
    ]
    pairs = [
        [
            commands.act(
                VerifyComplaint,
                complaint_id,
                NATIONAL,
                classification=Classification.COMPLAINT,
                expected_version=1,
            ),
            commands.act(
                SetComplaintPending,
                complaint_id,
                NATIONAL,
                reason="Lokasi belum jelas.",
                expected_version=1,
            ),
        ]
        for complaint_id in complaint_ids
    ]
    _align_times(pairs)

    for complaint_id, pair in zip(complaint_ids, pairs, strict=True):
        results = _race([first_service, second_service], [[pair[0]], [pair[1]]])
        winners = [r for r in results if isinstance(r, CommandOutcome)]
        losers = [r for r in results if not isinstance(r, CommandOutcome)]
        assert len(winners) == 1, results
        assert len(losers) == 1, results
        assert isinstance(losers[0], VersionConflictError | CommandConflictError)
        assert losers[0].retriable is True
        assert len(stored_events(first_service, complaint_id)) == 2


def test_racing_unversioned_commands_all_recorded(open_service, commands):
    services = [open_service() for _ in range(WRITERS)]
    submitted = services[0].execute(commands.submit())
    complaint_id = submitted.complaint_id
    for command in commands.handling_steps(complaint_id)[:3]:
        services[0].execute(command)
    batches = [
        [
            commands.act(
                RecordFollowUp, complaint_id, LIAISON, summary=f"Tindak lanjut {i}-{j}"
            )
            for j in range(RACE_ROUNDS)
        ]
        for i in range(WRITERS)
    ]
    _align_times(batches)

    results = _race_all(services, batches)

    outcomes = [outcome_of(result) for result in results]
    events = stored_events(services[0], complaint_id)
    assert len(events) == 4 + WRITERS * RACE_ROUNDS
    assert sorted(o.version for o in outcomes) == list(range(5, len(events) + 1))
    recorded_ids = {event.envelope.id for event in events}
    assert {i for o in outcomes for i in o.event_ids} <= recorded_ids
    assert verify_chain(events).valid


def test_collision_with_expected_version_conflicts(open_service, commands):
    service, rival = open_service(), open_service()
    complaint_id = service.execute(commands.submit()).complaint_id
    verify = commands.act(
        VerifyComplaint,
        complaint_id,
        NATIONAL,
        classification=Classification.COMPLAINT,
        expected_version=1,
    )
    pending = commands.act(
        SetComplaintPending, complaint_id, NATIONAL, reason="Lokasi belum jelas."
    )
    verify, pending = _at_same_time(verify, pending)
    _interleave_once(service, lambda: rival.execute(pending))

    result = service.execute_batch([verify])[0]

    assert isinstance(result, CommandConflictError)
    assert str(complaint_id) in str(result)
    assert event_names(service, complaint_id) == [
        "complaint.submitted",
        "complaint.set_pending",
    ]
    assert service.store.select_command(command_key(verify)) is None


def test_collision_without_expected_version_retried(open_service, commands):
    service, rival = open_service(), open_service()
    complaint_id = service.execute(commands.submit(target_agency=HOLDER)).complaint_id
    service.execute(
        commands.act(
            VerifyComplaint,
            complaint_id,
            AGENCY,
            classification=Classification.COMPLAINT,
        )
    )
    ours = commands.act(RecordFollowUp, complaint_id, AGENCY, summary="Survei.")
    theirs = commands.act(RecordFollowUp, complaint_id, AGENCY, summary="Rapat.")
    ours, theirs = _at_same_time(ours, theirs)
    _interleave_once(service, lambda: rival.execute(theirs))

    result = outcome_of(service.execute_batch([ours])[0])

    assert result.version == 4
    assert result.duplicate is False
    assert len(stored_events(service, complaint_id)) == 4


def test_concurrent_same_command_is_duplicate(open_service, commands):
    service, rival = open_service(), open_service()
    complaint_id = service.execute(commands.submit()).complaint_id
    verify = commands.act(
        VerifyComplaint, complaint_id, NATIONAL, classification=Classification.COMPLAINT
    )
    _interleave_once(service, lambda: rival.execute(verify))

    result = outcome_of(service.execute_batch([verify])[0])

    assert result.duplicate is True
    assert result.version == 2
    assert notification_count(service) == 2
    assert command_row_count(service) == 2


# Batches


def test_rejected_command_mid_batch_records_nothing(service, commands):
    first = commands.submit()
    rejected = commands.act(
        VerifyComplaint, uuid.uuid4(), NATIONAL, classification=Classification.COMPLAINT
    )
    last = commands.submit()
    before = notification_count(service)

    results = service.execute_batch([first, rejected, last])

    assert isinstance(results[0], CommandOutcome)
    assert isinstance(results[1], CommandTargetError)
    assert isinstance(results[2], CommandOutcome)
    assert notification_count(service) == before + 2
    assert service.store.select_command(command_key(rejected)) is None
    assert service.store.select_command(command_key(last)) is not None


def test_batch_touches_one_complaint_often(service, commands):
    submit = commands.submit()
    complaint_id = _submitted_id(submit)
    steps = commands.handling_steps(complaint_id)

    results = service.execute_batch([submit, *steps])

    versions = [outcome_of(result).version for result in results]
    assert versions == [1, 2, 3, 4, 5, 6]
    notifications = service.recorder.select_notifications(start=1, limit=100)
    assert [n.originator_version for n in notifications] == versions
    assert schedule_rows(service, complaint_id) == expected_schedule(
        service, complaint_id
    )


def test_rejected_step_mid_batch_on_one_complaint(service, commands):
    submit = commands.submit()
    complaint_id = _submitted_id(submit)
    early = commands.act(DispositionComplaint, complaint_id, NATIONAL, agency=HOLDER)
    verify = commands.act(
        VerifyComplaint, complaint_id, NATIONAL, classification=Classification.COMPLAINT
    )

    results = service.execute_batch([submit, early, verify])

    assert isinstance(results[1], TransitionRejectedError)
    assert outcome_of(results[2]).version == 2
    assert event_names(service, complaint_id) == [
        "complaint.submitted",
        "complaint.verified",
    ]


def test_batch_collision_retried_one_by_one(open_service, commands):
    service, rival = open_service(), open_service()
    submitted = service.execute(commands.submit())
    complaint_id = submitted.complaint_id
    for command in commands.handling_steps(complaint_id)[:2]:
        service.execute(command)
    rival_command = commands.act(
        RecordFollowUp, complaint_id, AGENCY, summary="Dari pesaing."
    )
    batch = [
        commands.act(RecordFollowUp, complaint_id, AGENCY, summary="Pertama."),
        commands.submit(),
    ]
    rival_command, *batch = _at_same_time(rival_command, *batch)
    _interleave_once(service, lambda: rival.execute(rival_command))

    results = service.execute_batch(batch)

    assert outcome_of(results[0]).version == 5
    assert outcome_of(results[1]).version == 1
    assert len(stored_events(service, complaint_id)) == 5


def test_batch_keeps_schedule_in_step(service, commands):
    submit = commands.submit()
    complaint_id = _submitted_id(submit)
    service.execute(submit)
    assert schedule_rows(service, complaint_id) == expected_schedule(
        service, complaint_id
    )

    for command in commands.handling_steps(complaint_id):
        service.execute(command)
        assert schedule_rows(service, complaint_id) == expected_schedule(
            service, complaint_id
        )

    service.execute(commands.act(CloseComplaint, complaint_id, REPORTER))
    assert schedule_rows(service, complaint_id) == set()


def test_metrics_count_outcomes(open_service, commands):
    registry = CollectorRegistry()
    service = open_service(metrics=CommandMetrics(registry))
    command = commands.submit()
    foreign = commands.act(
        VerifyComplaint,
        _submitted_id(command),
        OTHER_ADMIN,
        classification=Classification.COMPLAINT,
    )

    service.execute_batch([command, command, foreign])

    def received(outcome: str) -> float | None:
        return registry.get_sample_value(
            "lapor_commands_received_total",
            {
                "command_type": "SubmitComplaint",
                "agency": "lapor-web",
                "outcome": outcome,
            },
        )

    assert received("accepted") == 1
    assert received("duplicate") == 1
    assert (
        registry.get_sample_value(
            "lapor_commands_received_total",
            {
                "command_type": "VerifyComplaint",
                "agency": OTHER_ADMIN.agency,
                "outcome": "unauthorised",
            },
        )
        == 1
    )
    assert (
        registry.get_sample_value(
            "lapor_events_stored_total",
            {"event_type": "id.go.lapor.complaint.submitted.v2"},
        )
        == 1
    )


# Helpers


def _submitted_id(command: SubmitComplaint) -> UUID:
    return submission_complaint_id(command)


def _at_same_time(*commands: ComplaintCommand) -> list[ComplaintCommand]:
    """Return copies of ``commands`` that all happened at the latest of their times."""
    at = max(command.occurred_at for command in commands)
    return [command.model_copy(update={"occurred_at": at}) for command in commands]


def _align_times(groups: list[list[ComplaintCommand]]) -> None:
    """Give every command of ``groups`` the latest of their times, in place.

    Racing commands must not be rejected for coming out of time order.
    """
    at = max(command.occurred_at for group in groups for command in group)
    for group in groups:
        group[:] = [command.model_copy(update={"occurred_at": at}) for command in group]


def _race(
    services: list[ComplaintService], batches: list[list[ComplaintCommand]]
) -> list[object]:
    return [results[0] for results in _race_batches(services, batches)]


def _race_all(
    services: list[ComplaintService], batches: list[list[ComplaintCommand]]
) -> list[object]:
    return [
        result for results in _race_batches(services, batches) for result in results
    ]


def _race_batches(
    services: list[ComplaintService], batches: list[list[ComplaintCommand]]
) -> list[list[object]]:
    """Run each batch on its own service and thread, one command at a time."""
    start = threading.Barrier(len(services), timeout=THREAD_TIMEOUT_SECONDS)

    def run(service: ComplaintService, batch: list[ComplaintCommand]) -> list[object]:
        start.wait()
        return [service.execute_batch([command])[0] for command in batch]

    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        futures = [
            pool.submit(run, service, batch)
            for service, batch in zip(services, batches, strict=True)
        ]
        return [future.result(timeout=THREAD_TIMEOUT_SECONDS) for future in futures]


def _interleave_once(
    service: ComplaintService, rival_write: Callable[[], object]
) -> None:
    """Run ``rival_write`` right after the service first loads a complaint."""
    original = service.find
    done = False

    def find(complaint_id: UUID) -> Complaint | None:
        nonlocal done
        found = original(complaint_id)
        if not done:
            done = True
            rival_write()
        return found

    service.find = find  # type: ignore[method-assign]

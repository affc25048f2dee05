"""Random command sequences through the service on SQLite (Hypothesis).

Every sequence mixes valid and invalid commands. The service must decide each
one as the aggregate alone decides it, and store events that replay to the
same complaint. The schedule must follow the complaint's due dates, and a
single batch must record the same events as the commands sent one by one.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.chain import verify_chain
from events.values import (
    ArchiveReason,
    Classification,
    DeadlineClock,
    DeletionReason,
    PrivacyFlags,
)
from gateway.complaint import Complaint, ComplaintError, handle, submission_complaint_id
from gateway.complaint.commands import (
    ArchiveComplaint,
    ChangePrivacyFlags,
    CloseComplaint,
    CompleteComplaint,
    DeclineComplaint,
    DeleteComplaint,
    DispositionComplaint,
    EscalateComplaint,
    ForwardComplaintToUnit,
    PostResponse,
    RecordFollowUp,
    RecordSatisfaction,
    RedispositionComplaint,
    ReopenComplaint,
    ReplyToResponse,
    SetComplaintPending,
    VerifyComplaint,
)
from gateway.outcomes import CommandOutcome
from tests.gateway.builders import (
    AGENCY,
    HOLDER,
    LIAISON,
    NATIONAL,
    OTHER_ADMIN,
    OTHER_AGENCY,
    REPORTER,
    REPORTER_REF,
    START,
    SYSTEM,
    UNIT,
    CommandFactory,
    ManualClock,
    comparable,
    expected_schedule,
    schedule_rows,
    sqlite_services,
    stored_events,
)

if TYPE_CHECKING:
    from uuid import UUID

    from gateway.application import ComplaintService
    from gateway.complaint.commands import ComplaintCommand

GAPS = st.sampled_from(
    [
        dt.timedelta(minutes=1),
        dt.timedelta(hours=5),
        dt.timedelta(days=2),
        dt.timedelta(days=6),
        dt.timedelta(days=16),
    ]
)

MOVES: dict[str, tuple[type, Any, dict[str, Any]]] = {
    "verify": (VerifyComplaint, NATIONAL, {"classification": Classification.COMPLAINT}),
    "verify_by_agency": (
        VerifyComplaint,
        AGENCY,
        {"classification": Classification.COMPLAINT},
    ),
    "set_pending": (SetComplaintPending, NATIONAL, {"reason": "Kurang jelas."}),
    "complete": (CompleteComplaint, REPORTER, {"addition": "Di depan halte."}),
    "delete": (DeleteComplaint, NATIONAL, {"reason": DeletionReason.UNINTELLIGIBLE}),
    "archive": (
        ArchiveComplaint,
        NATIONAL,
        {"reason": ArchiveReason.ASPIRATION_NEEDS_NO_ANSWER},
    ),
    "disposition": (DispositionComplaint, NATIONAL, {"agency": HOLDER}),
    "decline": (DeclineComplaint, AGENCY, {"reason": "Bukan wewenang."}),
    "redisposition": (RedispositionComplaint, NATIONAL, {"to_agency": OTHER_AGENCY}),
    "forward": (ForwardComplaintToUnit, AGENCY, {"unit": UNIT}),
    "follow_up": (RecordFollowUp, AGENCY, {"summary": "Survei."}),
    "follow_up_by_unit": (RecordFollowUp, LIAISON, {"summary": "Perbaikan."}),
    "follow_up_by_other": (RecordFollowUp, OTHER_ADMIN, {"summary": "Ditangani."}),
    "respond": (PostResponse, AGENCY, {"response": "Sudah beres."}),
    "respond_by_unit": (PostResponse, LIAISON, {"response": "Sudah ditambal."}),
    "reply": (ReplyToResponse, REPORTER, {"reply": "Belum beres."}),
    "rate": (RecordSatisfaction, REPORTER, {"satisfied": True, "rating": 4}),
    "close": (CloseComplaint, REPORTER, {}),
    "close_by_national": (CloseComplaint, NATIONAL, {}),
    "reopen": (ReopenComplaint, REPORTER, {"reason": "Rusak lagi."}),
    "hide": (
        ChangePrivacyFlags,
        REPORTER,
        {"flags": PrivacyFlags(anonymous=True, confidential=True), "reason": "Takut."},
    ),
    "escalate": (
        EscalateComplaint,
        SYSTEM,
        {"clock": DeadlineClock.RESOLUTION, "due_at": START},
    ),
}


@st.composite
def sequences(draw: st.DrawFn) -> list[ComplaintCommand]:
    """A submission followed by random moves, mostly ones the complaint accepts.

    Four moves in five are drawn from those that a copy of the complaint
    accepts at that moment. The rest are any move, often a rejected one.
    Some moves carry an expected version, which may be stale.
    """
    commands = CommandFactory(ManualClock(START), prefix="prop")
    submission = commands.submit(
        target_agency=draw(st.sampled_from([None, HOLDER])),
        anonymous=draw(st.booleans()),
    )
    complaint = handle(submission, None, recorded_at=submission.occurred_at)
    steps: list[ComplaintCommand] = [submission]
    at = submission.occurred_at
    for number in range(draw(st.integers(min_value=0, max_value=14))):
        at += draw(GAPS)
        version = draw(st.sampled_from([None, None, complaint.version, number]))
        candidates = {
            name: move(name, complaint.id, at, f"move-{number}", version)
            for name in sorted(MOVES)
        }
        accepted = [n for n, c in candidates.items() if _accepts(complaint, c)]
        if accepted and draw(st.integers(min_value=1, max_value=5)) > 1:
            name = draw(st.sampled_from(accepted))
        else:
            name = draw(st.sampled_from(sorted(MOVES)))
        command = candidates[name]
        steps.append(command)
        if name in accepted:
            complaint = handle(command, complaint, recorded_at=at)
    return steps


def move(
    name: str, complaint_id: UUID, at: dt.datetime, command_id: str, version: int | None
) -> ComplaintCommand:
    command_type, actor, fields = MOVES[name]
    reporter = {"reporter_ref": REPORTER_REF} if actor is REPORTER else {}
    command: ComplaintCommand = command_type(
        command_id=command_id,
        complaint_id=complaint_id,
        occurred_at=at,
        actor=actor,
        correlation_id="corr-prop",
        expected_version=version,
        **reporter,
        **fields,
    )
    return command


def _accepts(complaint: Complaint, command: ComplaintCommand) -> bool:
    try:
        handle(command, copy.deepcopy(complaint), recorded_at=command.occurred_at)
    except ComplaintError:
        return False
    return True


def decide_in_memory(steps: list[ComplaintCommand]) -> tuple[Complaint, list[str]]:
    """Apply the commands to one in-memory complaint; return it and each outcome."""
    complaint: Complaint | None = None
    results = []
    for command in steps:
        try:
            complaint = handle(command, complaint, recorded_at=command.occurred_at)
        except ComplaintError as exc:
            results.append(type(exc).__name__)
        else:
            results.append(CommandOutcome.__name__)
    assert complaint is not None
    return complaint, results


def execute_one_by_one(
    service: ComplaintService, clock: ManualClock, steps: list[ComplaintCommand]
) -> list[str]:
    results = []
    for command in steps:
        clock.set(command.occurred_at)
        results.append(type(service.execute_batch([command])[0]).__name__)
    return results


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(steps=sequences())
def test_service_decides_as_aggregate(steps):
    complaint_id: UUID = submission_complaint_id(steps[0])
    expected, expected_results = decide_in_memory(steps)
    with sqlite_services() as open_sqlite:
        clock = ManualClock()
        service = open_sqlite("single", clock)

        results = execute_one_by_one(service, clock, steps)

        assert results == expected_results
        loaded = service.find(complaint_id)
        assert loaded is not None
        assert loaded.state == expected.state
        assert loaded.version == expected.version
        assert loaded.due_dates == expected.due_dates
        events = stored_events(service, complaint_id)
        replayed = Complaint.replay(event.envelope for event in events)
        assert replayed.state == expected.state
        assert verify_chain(events, complaint_id=str(complaint_id)).valid
        assert schedule_rows(service, complaint_id) == expected_schedule(
            service, complaint_id
        )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(steps=sequences())
def test_batch_records_as_one_by_one(steps):
    complaint_id: UUID = submission_complaint_id(steps[0])
    with sqlite_services() as open_sqlite:
        single_clock, batch_clock = ManualClock(), ManualClock()
        single = open_sqlite("single", single_clock)
        batched = open_sqlite("batched", batch_clock)

        single_results = execute_one_by_one(single, single_clock, steps)
        batch_clock.set(max(command.occurred_at for command in steps))
        batch_results = [type(r).__name__ for r in batched.execute_batch(steps)]

        assert batch_results == single_results
        single_documents = [comparable(e) for e in stored_events(single, complaint_id)]
        batch_documents = [comparable(e) for e in stored_events(batched, complaint_id)]
        assert batch_documents == single_documents
        assert schedule_rows(batched, complaint_id) == expected_schedule(
            batched, complaint_id
        )

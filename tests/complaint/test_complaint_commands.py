"""Command models and the handler that applies them to a complaint."""

from __future__ import annotations

import datetime as dt
import inspect
import uuid

import pytest
from pydantic import TypeAdapter, ValidationError

from events.values import Channel, Classification, PrivacyFlags
from gateway.complaint import (
    AnyCommand,
    CommandTargetError,
    Complaint,
    ComplaintCommand,
    LifecyclePolicy,
    NotAuthorisedError,
    Status,
    SubmitComplaint,
    TransitionRejectedError,
    VersionConflictError,
    handle,
    submission_complaint_id,
)
from gateway.complaint import commands as command_module
from gateway.complaint.commands import (
    ChangePrivacyFlags,
    CloseComplaint,
    ComplaintActionCommand,
    DispositionComplaint,
    ForwardComplaintToUnit,
    PostResponse,
    RecordFollowUp,
    ReopenComplaint,
    VerifyComplaint,
)
from tests.complaint.builders import (
    AGENCY,
    HOLDER,
    LIAISON,
    NATIONAL,
    REPORTER,
    REPORTER_REF,
    START,
    UNIT,
    envelopes_of,
    snapshot,
)

ACTION_COMMANDS = [
    value
    for value in vars(command_module).values()
    if isinstance(value, type)
    and issubclass(value, ComplaintActionCommand)
    and value is not ComplaintActionCommand
]

ANY_COMMAND = TypeAdapter(AnyCommand)


class Timeline:
    """Numbers commands and dates them one hour apart."""

    def __init__(self) -> None:
        self.count = 0

    def common(self, actor, **extra):
        self.count += 1
        return {
            "command_id": f"cmd-{self.count}",
            "occurred_at": START + dt.timedelta(hours=self.count),
            "actor": actor,
            "correlation_id": "flow-1",
            **extra,
        }

    def recorded_at(self):
        return START + dt.timedelta(hours=self.count, minutes=1)


def _submission(timeline, **overrides):
    return SubmitComplaint(
        **timeline.common(REPORTER, reporter_ref=REPORTER_REF),
        tracking_id="1916449",
        channel=Channel.WEBSITE,
        classification=Classification.COMPLAINT,
        title="Drainase tersumbat",
        description="Air meluap ke jalan setiap hujan.",
        **overrides,
    )


def _apply(timeline, command, complaint, policy=None):
    return handle(
        command,
        complaint,
        recorded_at=timeline.recorded_at(),
        policy=policy or LifecyclePolicy(),
    )


def test_handler_runs_full_flow():
    timeline = Timeline()
    complaint = _apply(timeline, _submission(timeline), None)
    cid = complaint.id
    flow = [
        VerifyComplaint(
            **timeline.common(NATIONAL),
            complaint_id=cid,
            classification=Classification.COMPLAINT,
        ),
        DispositionComplaint(
            **timeline.common(NATIONAL), complaint_id=cid, agency=HOLDER
        ),
        ForwardComplaintToUnit(**timeline.common(AGENCY), complaint_id=cid, unit=UNIT),
        RecordFollowUp(**timeline.common(LIAISON), complaint_id=cid, summary="Cek."),
        PostResponse(**timeline.common(LIAISON), complaint_id=cid, response="Beres."),
        CloseComplaint(
            **timeline.common(REPORTER, reporter_ref=REPORTER_REF), complaint_id=cid
        ),
    ]
    for command in flow:
        assert _apply(timeline, command, complaint) is complaint

    assert complaint.status is Status.CLOSED
    assert complaint.version == 7
    causes = [envelope.causation_id for envelope in envelopes_of(complaint)]
    assert causes == [f"cmd-{number}" for number in range(1, 8)]
    correlations = {envelope.correlation_id for envelope in envelopes_of(complaint)}
    assert correlations == {"flow-1"}


def test_handler_records_source_and_times():
    timeline = Timeline()
    command = _submission(timeline, source="/systems/lapor-web")

    complaint = _apply(timeline, command, None)

    envelope = envelopes_of(complaint)[0]
    assert envelope.source == "/systems/lapor-web"
    assert envelope.time == command.occurred_at
    assert envelope.recorded_at == timeline.recorded_at()


def test_submission_id_is_derived_from_command():
    timeline = Timeline()
    command = _submission(timeline)

    first = _apply(timeline, command, None)
    second = _apply(timeline, command, None)

    assert first.id == second.id == submission_complaint_id(command)


def test_submission_id_differs_per_agency():
    timeline = Timeline()
    command = _submission(timeline)
    other = command.model_copy(update={"actor": NATIONAL})

    assert submission_complaint_id(command) != submission_complaint_id(other)


def test_submission_keeps_given_id():
    timeline = Timeline()
    given = uuid.uuid4()

    complaint = _apply(timeline, _submission(timeline, complaint_id=given), None)

    assert complaint.id == given


def test_submission_to_existing_complaint():
    timeline = Timeline()
    complaint = _apply(timeline, _submission(timeline), None)
    with pytest.raises(CommandTargetError, match="already exists"):
        _apply(timeline, _submission(timeline), complaint)


def test_submission_expecting_later_version():
    timeline = Timeline()
    with pytest.raises(VersionConflictError, match="send expected_version 0 or none"):
        _apply(timeline, _submission(timeline, expected_version=3), None)


def test_action_without_complaint():
    timeline = Timeline()
    cid = uuid.uuid4()
    command = VerifyComplaint(
        **timeline.common(NATIONAL),
        complaint_id=cid,
        classification=Classification.COMPLAINT,
    )
    with pytest.raises(CommandTargetError, match=f"complaint {cid} was not found"):
        _apply(timeline, command, None)


def test_action_on_other_complaint():
    timeline = Timeline()
    complaint = _apply(timeline, _submission(timeline), None)
    command = VerifyComplaint(
        **timeline.common(NATIONAL),
        complaint_id=uuid.uuid4(),
        classification=Classification.COMPLAINT,
    )
    with pytest.raises(CommandTargetError, match="load the named complaint"):
        _apply(timeline, command, complaint)


def test_stale_expected_version():
    timeline = Timeline()
    complaint = _apply(timeline, _submission(timeline), None)
    before = snapshot(complaint)
    command = VerifyComplaint(
        **timeline.common(NATIONAL, expected_version=2),
        complaint_id=complaint.id,
        classification=Classification.COMPLAINT,
    )
    with pytest.raises(VersionConflictError) as raised:
        _apply(timeline, command, complaint)

    assert raised.value.retriable
    assert "expects version 2, but the complaint is at version 1" in str(raised.value)
    assert f"complaint {complaint.id} is in state 'submitted'" in str(raised.value)
    assert snapshot(complaint) == before


def test_matching_expected_version():
    timeline = Timeline()
    complaint = _apply(timeline, _submission(timeline), None)
    command = VerifyComplaint(
        **timeline.common(NATIONAL, expected_version=1),
        complaint_id=complaint.id,
        classification=Classification.COMPLAINT,
    )

    _apply(timeline, command, complaint)

    assert complaint.version == 2


def test_rejection_passes_through_handler():
    timeline = Timeline()
    complaint = _apply(timeline, _submission(timeline), None)
    command = PostResponse(
        **timeline.common(LIAISON), complaint_id=complaint.id, response="Beres."
    )
    with pytest.raises(NotAuthorisedError):
        _apply(timeline, command, complaint)


def test_handler_passes_policy():
    timeline = Timeline()
    complaint = _apply(timeline, _submission(timeline), None)
    flow = [
        VerifyComplaint(
            **timeline.common(NATIONAL),
            complaint_id=complaint.id,
            classification=Classification.COMPLAINT,
        ),
        DispositionComplaint(
            **timeline.common(NATIONAL), complaint_id=complaint.id, agency=HOLDER
        ),
        PostResponse(
            **timeline.common(AGENCY), complaint_id=complaint.id, response="Beres."
        ),
        CloseComplaint(**timeline.common(AGENCY), complaint_id=complaint.id),
    ]
    for command in flow:
        _apply(timeline, command, complaint)
    reopen = ReopenComplaint(
        **timeline.common(AGENCY), complaint_id=complaint.id, reason="Keliru."
    )
    with pytest.raises(TransitionRejectedError):
        _apply(timeline, reopen, complaint)

    _apply(timeline, reopen, complaint, LifecyclePolicy(reopen_roles={"agency_admin"}))

    assert complaint.status is Status.IN_FOLLOW_UP


@pytest.mark.parametrize("command_type", ACTION_COMMANDS, ids=lambda t: t.__name__)
def test_command_fields_match_aggregate_method(command_type):
    method = getattr(Complaint, command_type.action.value)
    parameters = inspect.signature(method).parameters
    keywords = {
        name
        for name, parameter in parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    fields = set(command_type.model_fields) - set(ComplaintActionCommand.model_fields)

    assert fields - {"type"} == keywords


def test_submission_fields_match_aggregate_method():
    parameters = inspect.signature(Complaint.submit).parameters
    keywords = {
        name
        for name, parameter in parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    fields = set(SubmitComplaint.model_fields) - set(ComplaintCommand.model_fields)

    assert fields - {"type"} | {"complaint_id", "reporter_ref"} == keywords


def test_every_command_has_distinct_type():
    commands = [*ACTION_COMMANDS, SubmitComplaint]
    types = [command.model_fields["type"].default for command in commands]
    assert len(set(types)) == len(commands)


def test_any_command_parses_json():
    cid = uuid.uuid4()
    document = {
        "type": "change_privacy_flags",
        "command_id": "ext-991",
        "occurred_at": "2025-06-02T10:15:00+07:00",
        "actor": {"agency": "lapor-web", "role": "reporter"},
        "reporter_ref": REPORTER_REF,
        "correlation_id": "flow-9",
        "complaint_id": str(cid),
        "flags": {"anonymous": True, "confidential": False},
        "reason": "Takut diintimidasi.",
    }

    command = ANY_COMMAND.validate_python(document)

    assert isinstance(command, ChangePrivacyFlags)
    assert command.flags == PrivacyFlags(anonymous=True)
    assert command.occurred_at == dt.datetime(2025, 6, 2, 3, 15, tzinfo=dt.UTC)


def test_command_rejects_naive_time():
    timeline = Timeline()
    fields = timeline.common(NATIONAL)
    fields["occurred_at"] = dt.datetime(2025, 6, 2, 9)  # noqa: DTZ001 (the naive input)
    with pytest.raises(ValidationError, match="has no UTC offset"):
        VerifyComplaint(
            **fields,
            complaint_id=uuid.uuid4(),
            classification=Classification.COMPLAINT,
        )


def test_reporter_command_needs_reference():
    timeline = Timeline()
    with pytest.raises(ValidationError, match="reporter_ref is missing"):
        CloseComplaint(**timeline.common(REPORTER), complaint_id=uuid.uuid4())


@pytest.mark.parametrize("command_id", ["", "x" * 129, "has space"])
def test_command_id_limits(command_id):
    timeline = Timeline()
    fields = timeline.common(NATIONAL)
    fields["command_id"] = command_id
    with pytest.raises(ValidationError):
        CloseComplaint(**fields, complaint_id=uuid.uuid4())


def test_command_id_of_maximum_length():
    timeline = Timeline()
    fields = timeline.common(NATIONAL)
    fields["command_id"] = "x" * 128

    command = CloseComplaint(**fields, complaint_id=uuid.uuid4())

    assert len(command.command_id) == 128


def test_command_is_frozen():
    timeline = Timeline()
    command = CloseComplaint(**timeline.common(NATIONAL), complaint_id=uuid.uuid4())
    with pytest.raises(ValidationError):
        command.note = "Diubah."


def test_command_rejects_unknown_field():
    timeline = Timeline()
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        CloseComplaint(
            **timeline.common(NATIONAL), complaint_id=uuid.uuid4(), priority="high"
        )


def test_policy_rejects_unknown_reopen_role():
    with pytest.raises(ValidationError, match="cannot reopen a complaint"):
        LifecyclePolicy(reopen_roles={"system"})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reopen_window", dt.timedelta(0), "is not positive"),
        ("max_reopens", -1, "is negative"),
        ("clock_skew", dt.timedelta(seconds=-1), "is negative"),
    ],
)
def test_policy_rejects_invalid_values(field, value, message):
    with pytest.raises(ValidationError, match=message):
        LifecyclePolicy(**{field: value})

"""Kafka records of the command intake: commands in, results and dead letters out.

A command record's value is the command's JSON, exactly as the HTTP API
takes it. Its headers are ``authorization`` (``Bearer <token>``) and, for a
system that signs, ``x-lapor-signature`` (base64 Ed25519 over the value). A
re-driven record carries ``lapor-redrive-system`` and ``lapor-redrive-grant``
in place of the token (see ``gateway.intake.grants``).

A dead letter keeps the original key, value and headers, minus the
``authorization`` header, and adds ``lapor-dlq-*`` headers: the original
topic, partition, offset and timestamp, the error class, the problem code,
the reason, the command id and the authenticated system when known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.intake.errors import UndecodableMessageError
from gateway.intake.pipeline import CommandRequest
from gateway.intake.results import CommandResult, FieldError, Position, ResultProblem
from gateway.intake.verdicts import verdict_of
from gateway.kafka.producer import OutgoingRecord
from gateway.outcomes import CommandOutcome

if TYPE_CHECKING:
    from gateway.intake.grants import RedriveGrants
    from gateway.intake.pipeline import Processed

AUTHORIZATION = "authorization"
SIGNATURE = "x-lapor-signature"
REDRIVE_SYSTEM = "lapor-redrive-system"
REDRIVE_GRANT = "lapor-redrive-grant"
REDRIVEN_FROM = "lapor-redriven-from"
"""``<dead-letter topic>/<partition>/<offset>`` of the letter a record re-drives."""

DLQ_PREFIX = "lapor-dlq-"
DLQ_TOPIC = "lapor-dlq-topic"
DLQ_PARTITION = "lapor-dlq-partition"
DLQ_OFFSET = "lapor-dlq-offset"
DLQ_TIMESTAMP = "lapor-dlq-timestamp"
"""The original record's timestamp, in milliseconds since the epoch."""
DLQ_ERROR = "lapor-dlq-error"
DLQ_CODE = "lapor-dlq-code"
DLQ_REASON = "lapor-dlq-reason"
DLQ_COMMAND_ID = "lapor-dlq-command-id"
DLQ_SYSTEM = "lapor-dlq-system"
DLQ_GRANT = "lapor-dlq-redrive-grant"

STRIPPED_HEADERS = frozenset({AUTHORIZATION, REDRIVE_SYSTEM, REDRIVE_GRANT})
"""Headers a dead letter never copies: credentials, which it replaces."""

RESULT_HEADERS = (("content-type", b"application/json"),)


@dataclass(frozen=True, slots=True)
class Inbound:
    """One record read from the command topic."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, record: Any) -> Inbound:  # noqa: ANN401 (aiokafka's untyped record)
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            timestamp=record.timestamp,
            key=record.key,
            value=record.value,
            headers=tuple(record.headers or ()),
        )

    @property
    def position(self) -> Position:
        return Position(topic=self.topic, partition=self.partition, offset=self.offset)

    def header(self, name: str) -> str | None:
        """Return the last header called ``name`` (any case) as text, or ``None``."""
        found = None
        for key, raw in self.headers:
            if key.lower() == name:
                try:
                    found = raw.decode()
                except UnicodeDecodeError:
                    raise UndecodableMessageError(
                        f"header {key!r} of {self.topic}/{self.partition}/"
                        f"{self.offset} is not UTF-8 text: send it as text"
                    ) from None
        return found


def command_request(inbound: Inbound, grants: RedriveGrants | None) -> CommandRequest:
    """Return the command request in a record; raise if it cannot be read."""
    if inbound.value is None:
        raise UndecodableMessageError(
            f"record {inbound.topic}/{inbound.partition}/{inbound.offset} has no "
            "value: send the command's JSON as the record value"
        )
    granted = None
    system = inbound.header(REDRIVE_SYSTEM)
    grant = inbound.header(REDRIVE_GRANT)
    if grants and system and grant and grants.verify(system, inbound.value, grant):
        granted = system
    return CommandRequest(
        body=inbound.value,
        authorization=inbound.header(AUTHORIZATION),
        signature=inbound.header(SIGNATURE),
        granted_system=granted,
    )


def dead_letter(
    inbound: Inbound,
    processed: Processed | None,
    failure: Exception,
    *,
    topic: str,
    grants: RedriveGrants | None,
) -> OutgoingRecord:
    """Return the dead letter of a record that failed with ``failure``."""
    command = None if processed is None else processed.command
    system = None if processed is None else processed.system
    verdict = verdict_of(failure, command)
    headers = [(k, v) for k, v in inbound.headers if not _stripped(k)]
    added = {
        DLQ_TOPIC: inbound.topic,
        DLQ_PARTITION: str(inbound.partition),
        DLQ_OFFSET: str(inbound.offset),
        DLQ_TIMESTAMP: str(inbound.timestamp),
        DLQ_ERROR: type(failure).__name__,
        DLQ_CODE: verdict.code,
        DLQ_REASON: str(failure),
    }
    command_id = command_id_of(inbound, processed)
    if command_id is not None:
        added[DLQ_COMMAND_ID] = command_id
    if system is not None:
        added[DLQ_SYSTEM] = system.id
        if grants is not None and inbound.value is not None:
            added[DLQ_GRANT] = grants.grant(system.id, inbound.value)
    headers += [(name, text.encode()) for name, text in added.items()]
    return OutgoingRecord(
        topic, inbound.key or b"", inbound.value or b"", tuple(headers)
    )


def result_record(
    inbound: Inbound, processed: Processed, *, topic: str
) -> OutgoingRecord:
    """Return the results-topic record of a command from an authenticated system."""
    assert processed.system is not None  # noqa: S101 (callers check)
    result = _result(inbound, processed)
    headers = (*RESULT_HEADERS, ("lapor-outcome", result.outcome.encode()))
    return OutgoingRecord(
        topic,
        processed.system.agency.encode(),
        result.model_dump_json().encode(),
        headers,
    )


def _result(inbound: Inbound, processed: Processed) -> CommandResult:
    assert processed.system is not None  # noqa: S101 (callers check)
    command = processed.command
    common: dict[str, Any] = {
        "command_id": command_id_of(inbound, processed),
        "command_type": None if command is None else command.type,  # type: ignore[attr-defined]
        "system": processed.system.id,
        "agency": processed.system.agency,
        "source": inbound.position,
    }
    outcome = processed.result
    if isinstance(outcome, CommandOutcome):
        return CommandResult(
            outcome="duplicate" if outcome.duplicate else "accepted",
            complaint_id=outcome.complaint_id,
            version=outcome.version,
            event_ids=outcome.event_ids,
            status=outcome.status,
            **common,
        )
    verdict = verdict_of(outcome, command)
    problems = getattr(outcome, "problems", ())
    problem = ResultProblem(
        code=verdict.code,
        title=verdict.title,
        detail=str(outcome),
        errors=tuple(FieldError(field=p.field, expected=p.expected) for p in problems),
    )
    complaint_id = getattr(outcome, "complaint_id", None)
    return CommandResult(
        outcome="rejected", complaint_id=complaint_id, problem=problem, **common
    )


def command_id_of(inbound: Inbound, processed: Processed | None) -> str | None:
    """Return the command id, read loosely from the JSON if it did not parse."""
    if processed is not None and processed.command is not None:
        return processed.command.command_id
    try:
        document = json.loads(inbound.value or b"")
    except ValueError:
        return None
    command_id = document.get("command_id") if isinstance(document, dict) else None
    return command_id if isinstance(command_id, str) else None


def _stripped(name: str) -> bool:
    lowered = name.lower()
    return lowered in STRIPPED_HEADERS or lowered.startswith(DLQ_PREFIX)

"""What a command returns: its outcome, or the error that stopped it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from events.envelope import event_id_of
from events.values import FrozenModel
from gateway.complaint import (
    ActionRejectedError,
    ComplaintError,
    NotAuthorisedError,
    VersionConflictError,
)

if TYPE_CHECKING:
    from gateway.store.records import CommandRecord


class CommandOutcome(FrozenModel):
    """The events a command recorded on its complaint.

    ``duplicate`` is true when the command had been recorded before and this
    is the first outcome returned again; nothing new was recorded.
    ``status`` and ``event_types`` are known only for the first outcome.
    """

    command_id: str
    complaint_id: UUID
    version: int
    event_ids: tuple[str, ...]
    duplicate: bool = False
    status: str | None = None
    event_types: tuple[str, ...] = ()

    @classmethod
    def of_record(
        cls,
        record: CommandRecord,
        *,
        duplicate: bool = False,
        status: str | None = None,
        event_types: tuple[str, ...] = (),
    ) -> CommandOutcome:
        subject = str(record.complaint_id)
        return cls(
            command_id=record.command_id.partition("/")[2],
            complaint_id=record.complaint_id,
            version=record.last_sequence,
            event_ids=tuple(
                event_id_of(subject, sequence)
                for sequence in range(record.first_sequence, record.last_sequence + 1)
            ),
            duplicate=duplicate,
            status=status,
            event_types=event_types,
        )


class CommandReuseError(Exception):
    """A command id was sent again with a different command."""


class UndecidableCommandError(Exception):
    """A command failed in a way its own values caused; the batch went on."""


class CommandConflictError(Exception):
    """Another command changed the complaint while this one was decided."""

    retriable = True


def outcome_label(result: object) -> str:
    """Return the metric label of a command result (a closed set of values)."""
    labels: list[tuple[type, str]] = [
        (VersionConflictError, "conflict"),
        (CommandConflictError, "conflict"),
        (NotAuthorisedError, "unauthorised"),
        (ActionRejectedError, "rejected"),
        (ComplaintError, "invalid"),
        (CommandReuseError, "invalid"),
        (UndecidableCommandError, "invalid"),
    ]
    if isinstance(result, CommandOutcome):
        return "duplicate" if result.duplicate else "accepted"
    for error_type, label in labels:
        if isinstance(result, error_type):
            return label
    return "failed"

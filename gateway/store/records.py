"""Rows the gateway keeps beside its stored events, in the same database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from pydantic import AwareDatetime

from events.values import DeadlineClock, FrozenModel

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime


class CommandRecord(FrozenModel):
    """The first outcome of a command, kept so that a repeat returns it unchanged.

    ``first_sequence`` and ``last_sequence`` bound the events the command
    recorded on its complaint; a command that recorded nothing is not kept.
    """

    command_id: str
    """The sending agency and its command id: ``<agency>/<command id>``."""
    command_type: str
    digest: str
    """SHA-256 of the command's canonical JSON, to spot a reused command id."""
    agency: str
    complaint_id: UUID
    first_sequence: int
    last_sequence: int
    recorded_at: AwareDatetime


class ScheduledDeadline(FrozenModel):
    """A complaint's running deadline clock, as of its latest event.

    Rows sort by ``(due_at, complaint_id, clock)``, the order the scheduler
    reads them in.
    """

    complaint_id: UUID
    clock: DeadlineClock
    due_at: AwareDatetime
    version: int
    """The complaint's version when this deadline was computed."""
    last_occurred_at: AwareDatetime
    """When the complaint's latest event happened: no action on it may be older."""


class ComplaintRecorderProtocol(Protocol):
    """The recorder methods the application needs beyond eventsourcing's own."""

    def select_command(self, command_id: str) -> CommandRecord | None: ...

    def select_position(self, name: str) -> int: ...

    def update_position(self, name: str, notification_id: int) -> None: ...

    def select_due_deadlines(
        self,
        until: datetime,
        limit: int,
        after: ScheduledDeadline | None = None,
        complaint_ids: Collection[UUID] | None = None,
    ) -> list[ScheduledDeadline]:
        """Return deadlines due by ``until`` in row order, after ``after`` if given.

        ``complaint_ids`` limits the rows to those complaints.
        """
        ...

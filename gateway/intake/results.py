"""The result of one command from the Kafka intake, as published to the results topic.

Each record is keyed by the sending agency, so an agency system reads the
results topic and keeps the records under its own key. A result never
carries the values of the command's fields, only their paths.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from events.values import FrozenModel


class Position(FrozenModel):
    """The position the command was read from: topic, partition and offset."""

    topic: str
    partition: int
    offset: int


class FieldError(FrozenModel):
    """An invalid field: its JSON path and what is expected there."""

    field: str
    expected: str


class ResultProblem(FrozenModel):
    """The reason a command was rejected, with the code the HTTP API uses."""

    code: str
    title: str
    detail: str
    errors: tuple[FieldError, ...] = ()


class CommandResult(FrozenModel):
    """What happened to one command read from the command topic.

    ``accepted``: its events were recorded now. ``duplicate``: it had been
    recorded before (after a re-delivery, or when sent twice), and the fields
    describe that first recording. ``rejected``: nothing was recorded, and
    ``problem`` says why; the command is also on the dead-letter topic.
    """

    outcome: Literal["accepted", "duplicate", "rejected"]
    command_id: str | None
    command_type: str | None
    system: str
    agency: str
    complaint_id: UUID | None = None
    version: int | None = None
    """The complaint's version after the command."""
    event_ids: tuple[str, ...] = ()
    status: str | None = None
    """The complaint's status after the command; only on ``accepted``."""
    problem: ResultProblem | None = None
    source: Position

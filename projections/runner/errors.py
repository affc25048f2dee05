"""Exceptions of the projection runner, all under one root.

::

    ProjectionRunnerError           root; ``exit_code`` is the CLI's exit status
    ├── ConfigurationError          a setting, projection name or database is wrong
    ├── HaltError                   the runner stopped on an event it must not apply
    │   ├── SequenceGapError        a complaint's sequence skipped ahead
    │   └── ConflictError           an event contradicts one already applied
    ├── ApplyError                  the projection failed on an event
    ├── StoreError                  the projection's database failed past retries
    ├── SourceError                 the events topic could not be read to its end
    └── DeadLetterError             the dead-letter topic did not take a record

A halt names the Kafka coordinates and the event id, so an operator can find
the record; it never carries event data.
"""

from __future__ import annotations

from dataclasses import dataclass


class ProjectionRunnerError(Exception):
    """Root of the runner's errors; ``exit_code`` is what the CLI exits with."""

    exit_code = 1
    halt_reason = "error"
    """The ``lapor_projection_halted`` reason label this error sets."""


class ConfigurationError(ProjectionRunnerError):
    """A setting, a projection name or the database location is invalid."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class HaltedAt:
    """Where the runner halted: the record's coordinates and the event."""

    topic: str
    partition: int
    offset: int
    event_id: str
    complaint_id: str
    sequence: int


class HaltError(ProjectionRunnerError):
    """The runner stopped before an event it must not apply; nothing after it ran."""

    def __init__(self, message: str, *, at: HaltedAt) -> None:
        super().__init__(message)
        self.at = at


class SequenceGapError(HaltError):
    """A complaint's next event is missing: the record's sequence skipped ahead."""

    exit_code = 3
    halt_reason = "sequence_gap"


class ConflictError(HaltError):
    """An event has an applied event's id but another hash, or breaks the chain."""

    exit_code = 4
    halt_reason = "conflict"


class ApplyError(ProjectionRunnerError):
    """The projection raised on an event; the batch was rolled back."""


class StoreError(ProjectionRunnerError):
    """The projection's database kept failing after the retries."""


class SourceError(ProjectionRunnerError):
    """The events topic is missing, or reading it made no progress in time."""


class DeadLetterError(ProjectionRunnerError):
    """A record could not be published to the dead-letter topic."""

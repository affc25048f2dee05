"""Exceptions of the command intakes (HTTP and Kafka), all under one root.

::

    IntakeError                  root: a command could not be taken in
    ├── InvalidCommandError      not JSON, or no command's schema matches
    │   └── UnknownAgencyError   the command names an agency the registry lacks
    ├── UndecodableMessageError  a Kafka record's headers cannot be read
    ├── StoreUnavailableError    the event store did not answer (retriable)
    └── BatcherClosedError       the API is stopping (retriable; in ``batcher``)

Authentication and claim errors come from ``gateway.authorisation``; the
complaint rules' errors from ``gateway.complaint``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.intake.validation import FieldProblem


class IntakeError(Exception):
    """Root of the intake errors."""

    retriable: bool = False
    """Whether the same command may succeed later, unchanged."""


class InvalidCommandError(IntakeError):
    """The body is not a valid command; ``problems`` names each invalid field."""

    def __init__(self, message: str, problems: tuple[FieldProblem, ...]) -> None:
        super().__init__(message)
        self.problems = problems


class UnknownAgencyError(InvalidCommandError):
    """The command names an agency that is not in the agency registry."""


class UndecodableMessageError(IntakeError):
    """A Kafka record's headers are not UTF-8 text."""


class StoreUnavailableError(IntakeError):
    """The event store did not answer; the command was not decided."""

    retriable = True

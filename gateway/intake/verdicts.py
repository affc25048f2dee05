"""What each failure means to a sender: an HTTP status, a stable code and a title.

The HTTP API answers with these, and the Kafka intake puts the same code in
its results and dead letters, so an agency reads one vocabulary whichever
intake it uses. Codes are a closed set, so they also serve as metric labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.authorisation import AuthenticationError, ClaimError
from gateway.complaint import (
    ActionRejectedError,
    CommandTargetError,
    ComplaintError,
    NotAuthorisedError,
    SubmitComplaint,
    TransitionRejectedError,
    VersionConflictError,
)
from gateway.complaint.errors import InvalidActionError, OutOfOrderActionError
from gateway.intake.batcher import BatcherClosedError
from gateway.intake.errors import (
    InvalidCommandError,
    StoreUnavailableError,
    UndecodableMessageError,
    UnknownAgencyError,
)
from gateway.outcomes import (
    CommandConflictError,
    CommandReuseError,
    UndecidableCommandError,
)

if TYPE_CHECKING:
    from gateway.complaint import ComplaintCommand


@dataclass(frozen=True, slots=True)
class Verdict:
    """How a failure is reported: HTTP status, problem code and title."""

    status: int
    code: str
    title: str


_VERDICTS: tuple[tuple[type[Exception], Verdict], ...] = (
    (AuthenticationError, Verdict(401, "unauthenticated", "Authentication failed")),
    (ClaimError, Verdict(403, "claim-rejected", "Actor not allowed for this system")),
    (UnknownAgencyError, Verdict(422, "unknown-agency", "Unknown agency")),
    (InvalidCommandError, Verdict(422, "invalid-command", "Invalid command")),
    (UndecidableCommandError, Verdict(422, "invalid-command", "Invalid command")),
    (UndecodableMessageError, Verdict(400, "undecodable", "Undecodable message")),
    (StoreUnavailableError, Verdict(503, "store-unavailable", "Store unavailable")),
    (BatcherClosedError, Verdict(503, "shutting-down", "Server shutting down")),
    (NotAuthorisedError, Verdict(403, "not-authorised", "Action not authorised")),
    (VersionConflictError, Verdict(409, "version-conflict", "Version conflict")),
    (
        TransitionRejectedError,
        Verdict(409, "transition-rejected", "Action not allowed in this state"),
    ),
    (InvalidActionError, Verdict(409, "invalid-action", "Action contradicts state")),
    (OutOfOrderActionError, Verdict(409, "out-of-order", "Action out of order")),
    (ActionRejectedError, Verdict(409, "action-rejected", "Action rejected")),
    (CommandConflictError, Verdict(409, "command-conflict", "Concurrent change")),
    (CommandReuseError, Verdict(409, "command-reuse", "Command id reused")),
    (ComplaintError, Verdict(500, "invalid-history", "Complaint history invalid")),
)

COMPLAINT_NOT_FOUND = Verdict(404, "complaint-not-found", "Complaint not found")
COMPLAINT_EXISTS = Verdict(409, "complaint-exists", "Complaint already exists")
INTERNAL = Verdict(500, "internal-error", "Internal error")

CODES = frozenset(
    [verdict.code for _, verdict in _VERDICTS]
    + [COMPLAINT_NOT_FOUND.code, COMPLAINT_EXISTS.code, INTERNAL.code]
)
"""Every code a verdict can carry."""


def verdict_of(error: Exception, command: ComplaintCommand | None = None) -> Verdict:
    """Return the verdict for ``error``, raised by or returned for ``command``.

    A ``CommandTargetError`` means the complaint was not found, except for a
    submission, where the complaint already exists.
    """
    if isinstance(error, CommandTargetError):
        if isinstance(command, SubmitComplaint):
            return COMPLAINT_EXISTS
        return COMPLAINT_NOT_FOUND
    for error_type, verdict in _VERDICTS:
        if isinstance(error, error_type):
            return verdict
    return INTERNAL

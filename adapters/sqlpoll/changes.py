"""Changes seen in an agency system, and the commands that apply them.

A :class:`SourceChange` is one new version of one agency record (a legacy
helpdesk row, an Open311 request) carrying the agency's own status text. The
status mapping (``adapters.mapping``) says which lifecycle status that text
means; :func:`plan` turns the resulting move into the agency admin's
commands: a follow-up, a response, a closing, or a reopen, with a
verification first when the agency still has to accept a complaint sent
straight to it. Command ids are derived from the change, so a change applied
twice records nothing new.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from adapters.mapping import MoveKind
from events.envelope import Actor
from events.values import Classification, Role
from gateway.complaint import Status
from gateway.complaint.commands import (
    CloseComplaint,
    ComplaintActionCommand,
    PostResponse,
    RecordFollowUp,
    ReopenComplaint,
    VerifyComplaint,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from uuid import UUID

    from adapters.mapping import Move

CommandT = TypeVar("CommandT", bound=ComplaintActionCommand)

MAX_SHORT_TEXT = 500
MAX_LONG_TEXT = 20_000
_SAFE_REFERENCE = re.compile(r"^[A-Za-z0-9._:-]{1,60}$")


@dataclass(frozen=True, slots=True)
class SourceChange:
    """One version of one agency record, as the poller read it."""

    source: str
    """Mapping source name (``helpdesk-simpel``, ``nyc311``)."""
    agency: str
    reference: str
    """The agency's own record id: a ticket id or a service request id."""
    version: str
    """What distinguishes this version of the record (row version, timestamp)."""
    complaint_id: UUID
    status: str
    notes: str | None
    occurred_at: dt.datetime

    @property
    def key(self) -> str:
        """The de-duplication key of this change within its poller."""
        return f"{self.reference}\x1f{self.version}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What planning needs of a complaint's current state."""

    status: Status
    holder: str | None
    classification: Classification
    last_occurred_at: dt.datetime
    last_notes_digest: str | None = None


class PlanKind(StrEnum):
    COMMANDS = "commands"
    UNCHANGED = "unchanged"
    UNMAPPED = "unmapped"
    BACKWARD = "backward"
    NOT_HELD = "not_held"
    """The complaint is not held by the agency, so it may not act on it."""
    UNSUPPORTED = "unsupported"
    """The mapped status needs an action an agency system cannot take here."""


@dataclass(frozen=True, slots=True)
class Plan:
    kind: PlanKind
    commands: tuple[ComplaintActionCommand, ...] = ()


ADVANCE_STEPS: dict[Status, tuple[str, ...]] = {
    Status.IN_FOLLOW_UP: ("follow_up",),
    Status.RESPONDED: ("response",),
    Status.CLOSED: ("response", "close"),
}
"""Steps that bring a held complaint to each target; a responded complaint
skips the response before closing."""

HELD_OPEN = frozenset(
    {Status.DISPOSITIONED, Status.IN_UNIT, Status.IN_FOLLOW_UP, Status.RESPONDED}
)


def plan(change: SourceChange, snapshot: Snapshot, move: Move) -> Plan:
    """Return the commands that apply ``change`` to a complaint in ``snapshot``."""
    if move.kind is MoveKind.UNMAPPED:
        return Plan(PlanKind.UNMAPPED)
    if move.kind is MoveKind.BACKWARD:
        return Plan(PlanKind.BACKWARD)
    if snapshot.holder != change.agency:
        return Plan(PlanKind.NOT_HELD)
    if move.kind is MoveKind.REOPEN:
        return Plan(PlanKind.COMMANDS, (_reopen(change),))
    if move.kind is MoveKind.SAME:
        return _same(change, snapshot, move)
    return _advance(change, snapshot, move.target)


def _advance(change: SourceChange, snapshot: Snapshot, target: Status | None) -> Plan:
    """Plan the steps that take a held complaint forward to ``target``."""
    steps = ADVANCE_STEPS.get(target) if target is not None else None
    if target is Status.DISPOSITIONED and snapshot.status is Status.SUBMITTED:
        steps = ()
    if steps is None:
        return Plan(PlanKind.UNSUPPORTED)
    commands: list[ComplaintActionCommand] = []
    if snapshot.status is Status.SUBMITTED:
        commands.append(_verify(change, snapshot))
    elif snapshot.status not in HELD_OPEN:
        return Plan(PlanKind.UNSUPPORTED)
    for step in steps:
        if step == "response" and snapshot.status is Status.RESPONDED:
            continue
        commands.append(_STEP_BUILDERS[step](change))
    return Plan(PlanKind.COMMANDS, tuple(commands))


def _same(change: SourceChange, snapshot: Snapshot, move: Move) -> Plan:
    """A status of the same rank: a new note on a case in follow-up is a follow-up."""
    if (
        move.target is Status.IN_FOLLOW_UP
        and snapshot.status is Status.IN_FOLLOW_UP
        and change.notes
        and notes_digest(change.notes) != snapshot.last_notes_digest
    ):
        return Plan(PlanKind.COMMANDS, (_follow_up(change),))
    return Plan(PlanKind.UNCHANGED)


def notes_digest(notes: str | None) -> str | None:
    """Return a digest that tells notes apart without keeping their text."""
    if not notes:
        return None
    return hashlib.sha256(notes.strip().encode("utf-8")).hexdigest()[:32]


def command_id(change: SourceChange, step: str) -> str:
    """Return the command id of one step of a change; the same change, the same id."""
    reference = f"{change.reference}:{change.version}"
    if not _SAFE_REFERENCE.match(reference):
        digest = hashlib.sha256(reference.encode("utf-8")).hexdigest()[:24]
        reference = f"h{digest}"
    return f"{change.source}:{reference}:{step}"


def agency_admin(agency: str) -> Actor:
    return Actor(agency=agency, role=Role.AGENCY_ADMIN)


def _build(
    model: type[CommandT], change: SourceChange, step: str, **fields: object
) -> CommandT:
    return model.model_validate(
        {
            "command_id": command_id(change, step),
            "occurred_at": change.occurred_at,
            "actor": agency_admin(change.agency),
            "correlation_id": f"{change.source}:{change.reference}"[:256],
            "complaint_id": change.complaint_id,
            **fields,
        }
    )


def _text(change: SourceChange, limit: int) -> str:
    if change.notes and change.notes.strip():
        return change.notes.strip()[:limit]
    return f"Status in {change.source}: {change.status}"[:limit]


def _verify(change: SourceChange, snapshot: Snapshot) -> VerifyComplaint:
    return _build(
        VerifyComplaint, change, "verify", classification=snapshot.classification
    )


def _follow_up(change: SourceChange) -> RecordFollowUp:
    return _build(
        RecordFollowUp, change, "follow_up", summary=_text(change, MAX_LONG_TEXT)
    )


def _response(change: SourceChange) -> PostResponse:
    return _build(
        PostResponse, change, "response", response=_text(change, MAX_LONG_TEXT)
    )


def _close(change: SourceChange) -> CloseComplaint:
    note = f"Closed in {change.source}"[:MAX_SHORT_TEXT]
    return _build(CloseComplaint, change, "close", note=note)


def _reopen(change: SourceChange) -> ReopenComplaint:
    return _build(
        ReopenComplaint, change, "reopen", reason=_text(change, MAX_SHORT_TEXT)
    )


_STEP_BUILDERS: dict[str, Callable[[SourceChange], ComplaintActionCommand]] = {
    "follow_up": _follow_up,
    "response": _response,
    "close": _close,
}

"""BPI Challenge 2013 incident log (Volvo IT Belgium): one case per ``SR Number``.

Rows are status changes in file order, at ``Change Date+Time``. The handling
team (``Involved ST``) is a unit of the agency named by its organisation
line (``Involved Org line 3``). The first row submits the incident through
the service desk, which verifies it and dispositions it to the first team's
organisation line. That line forwards it to the team. Each later row can:

- reopen: a status that ranks below ``responded`` after a completion. The
  customer replies to a response (``Completed/Resolved`` or ``In Call``) or
  reopens a closed incident, as the lifecycle allows from each;
- hand off: a new team in the same line is a forward to that unit; a team in
  another line is a re-disposition by the service desk, then a forward.
  A hand-off while the incident is completed is not sent (the lifecycle
  allows none), and the row lists it as skipped;
- change status, through ``config/mappings/bpi2013.yaml``: a changed status
  in follow-up is a follow-up by the team, ``responded`` a response,
  ``closed`` a response (if none yet) and a close by the line's admin.

A row that repeats the previous status and team changes nothing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from adapters.files.commands import (
    ComplaintScript,
    ImportActors,
    agency_admin,
    liaison,
)
from adapters.files.outcomes import ConvertedRow, RowRejectedError, SkippedStep
from adapters.files.profiles.base import CaseProfile, guarded
from adapters.files.reading import SourceFormat
from adapters.files.registry import RegistryBuilder, RegistryEntries, slug
from adapters.files.timestamps import ISO_FORMAT, require_timestamp
from adapters.mapping import COMPLETED, MoveKind, rank_of
from events.values import Channel, Classification, Role
from gateway.agencies import AgencyKind
from gateway.complaint import Status
from gateway.complaint.commands import (
    CloseComplaint,
    DispositionComplaint,
    ForwardComplaintToUnit,
    PostResponse,
    RecordFollowUp,
    RedispositionComplaint,
    ReopenComplaint,
    ReplyToResponse,
    VerifyComplaint,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from adapters.files.outcomes import RowOutcome
    from adapters.files.reading import SourceRow
    from adapters.mapping import Move
    from gateway.complaint import ComplaintCommand

ZONE = ZoneInfo("Europe/Brussels")
"""Zone of times without an offset; the published log gives every offset."""
FORMATS = (ISO_FORMAT,)
ACTORS = ImportActors(channel="bpi-service-desk", national="bpi-service-desk")
MAX_TRACKING_DIGITS = 12


@dataclass(slots=True)
class _Case:
    """The incident's status, holding agency and unit after the rows so far."""

    status: Status | None = None
    agency: str = ""
    unit: str = ""
    label: str = ""


@dataclass(frozen=True, slots=True)
class _Change:
    """One row, read and checked."""

    ordinal: int
    at: datetime
    agency: str
    unit: str
    label: str


def agency_of(org_line: str) -> str | None:
    """Return the agency id of an organisation line (``Org line A2``)."""
    line_slug = slug(org_line, max_length=40)
    return None if line_slug is None else f"bpi-{line_slug}"


def unit_of(team: str) -> str | None:
    """Return the unit id of a support team (``V5 3rd`` is ``st-v5-3rd``)."""
    team_slug = slug(team, max_length=59)
    return None if team_slug is None else f"st-{team_slug}"


class Bpi2013Profile(CaseProfile):
    name = "bpi2013"
    source_format = SourceFormat.CSV
    required = (
        "SR Number",
        "Change Date+Time",
        "Status",
        "Sub Status",
        "Involved ST",
        "Involved Org line 3",
        "SR Latest Impact",
        "Product",
    )

    def case_key(self, row: SourceRow) -> str:
        return row.text("SR Number")

    def convert_case(self, key: str, rows: list[SourceRow]) -> list[RowOutcome]:
        script = ComplaintScript(self.name, key, self.source_uri)
        case = _Case()
        outcomes: list[RowOutcome] = []
        for ordinal, row in enumerate(rows, start=1):
            convert = functools.partial(self._convert, script, case, ordinal)
            outcomes.append(guarded(row, convert))
        return outcomes

    def registry_entries(self, rows: Iterable[SourceRow]) -> RegistryEntries:
        builder = RegistryBuilder()
        builder.add_agency(
            ACTORS.national,
            "Volvo IT service desk",
            AgencyKind.NATIONAL,
            {Role.REPORTER, Role.NATIONAL_ADMIN},
        )
        for row in rows:
            agency = agency_of(row.text("Involved Org line 3"))
            unit = unit_of(row.text("Involved ST"))
            if agency is None or unit is None:
                continue
            name = row.text("Involved Org line 3")
            builder.add_agency(
                agency, name, AgencyKind.INSTITUTION, {Role.AGENCY_ADMIN}
            )
            builder.add_unit(agency, unit)
        return builder.build()

    def _convert(
        self, script: ComplaintScript, case: _Case, ordinal: int, row: SourceRow
    ) -> ConvertedRow:
        change = _read(row, ordinal)
        commands: list[ComplaintCommand] = []
        skipped: list[SkippedStep] = []
        handed_off = False
        if case.status is None:
            commands += self._intake(script, case, row, change)
        move = self.context.mapper.move(
            self.name, change.agency, change.label, case.status
        )
        if move.kind is MoveKind.REOPEN:
            commands.append(_reopening(script, case, change))
        if (change.agency, change.unit) != (case.agency, case.unit):
            if case.status in COMPLETED:
                skipped.append(_late_hand_off(change))
            else:
                commands += _hand_off(script, case, change)
                handed_off = True
        commands += _status_step(script, case, change, move, changed=handed_off)
        case.label = change.label
        return ConvertedRow(row.line, tuple(commands), tuple(skipped))

    def _intake(
        self, script: ComplaintScript, case: _Case, row: SourceRow, change: _Change
    ) -> list[ComplaintCommand]:
        key = row.text("SR Number")
        tracking = re.sub(r"\D", "", key)
        if not tracking or len(tracking) > MAX_TRACKING_DIGITS:
            raise RowRejectedError(
                "invalid key", f"SR Number {key[:20]!r} has no 1 to 12 digits"
            )
        national = ACTORS.national_admin()
        impact = row.text("SR Latest Impact") or "unknown"
        product = row.text("Product") or "unknown"
        commands: list[ComplaintCommand] = [
            script.submit(
                change.at,
                ACTORS.reporter(),
                tracking_id=tracking,
                channel=Channel.OTHER,
                classification=Classification.COMPLAINT,
                title=f"Incident {key}"[:500],
                description=f"Incident {key}: impact {impact}, product {product}",
                category=f"impact {impact}"[:500],
                source_reference=key[:500],
            ),
            script.act(
                VerifyComplaint,
                "verify",
                change.at,
                national,
                classification=Classification.COMPLAINT,
            ),
            script.act(
                DispositionComplaint,
                "disposition",
                change.at,
                national,
                agency=change.agency,
            ),
        ]
        case.status = Status.DISPOSITIONED
        case.agency = change.agency
        return commands


def _read(row: SourceRow, ordinal: int) -> _Change:
    at = require_timestamp(
        row.text("Change Date+Time"), FORMATS, ZONE, "Change Date+Time"
    )
    agency = agency_of(row.text("Involved Org line 3"))
    unit = unit_of(row.text("Involved ST"))
    if agency is None or unit is None:
        raise RowRejectedError(
            "missing team", "Involved ST or Involved Org line 3 is empty"
        )
    label = f"{row.text('Status')}/{row.text('Sub Status')}"
    return _Change(ordinal, at, agency, unit, label)


def _reopening(
    script: ComplaintScript, case: _Case, change: _Change
) -> ComplaintCommand:
    reporter = ACTORS.reporter()
    text = f"Status {change.label} after completion in the incident log"
    step = f"{change.ordinal}"
    if case.status is Status.CLOSED:
        command: ComplaintCommand = script.act(
            ReopenComplaint, f"{step}/reopen", change.at, reporter, reason=text
        )
    else:
        command = script.act(
            ReplyToResponse, f"{step}/reply", change.at, reporter, reply=text
        )
    case.status = Status.IN_FOLLOW_UP
    return command


def _hand_off(
    script: ComplaintScript, case: _Case, change: _Change
) -> list[ComplaintCommand]:
    commands: list[ComplaintCommand] = []
    if change.agency != case.agency:
        commands.append(
            script.act(
                RedispositionComplaint,
                f"{change.ordinal}/redisposition",
                change.at,
                ACTORS.national_admin(),
                to_agency=change.agency,
            )
        )
    commands.append(
        script.act(
            ForwardComplaintToUnit,
            f"{change.ordinal}/forward",
            change.at,
            agency_admin(change.agency),
            unit=change.unit,
        )
    )
    case.status = Status.IN_UNIT
    case.agency = change.agency
    case.unit = change.unit
    return commands


def _late_hand_off(change: _Change) -> SkippedStep:
    return SkippedStep(
        "hand-off after completion",
        f"team {change.unit} in {change.agency} took over a completed incident "
        f"with status {change.label}: the lifecycle allows no hand-off there",
    )


def _status_step(
    script: ComplaintScript,
    case: _Case,
    change: _Change,
    move: Move,
    *,
    changed: bool,
) -> list[ComplaintCommand]:
    target = move.target
    current = case.status
    ignored = move.kind in {MoveKind.UNMAPPED, MoveKind.BACKWARD}
    if target is None or current is None or ignored:
        return []
    if rank_of(target) < rank_of(current):
        return []
    team = liaison(case.agency, case.unit)
    step = f"{change.ordinal}"
    text = f"Status {change.label} in the incident log"

    commands: list[ComplaintCommand] = []
    if target is Status.IN_FOLLOW_UP and (
        current is not Status.IN_FOLLOW_UP or changed or change.label != case.label
    ):
        commands.append(
            script.act(
                RecordFollowUp, f"{step}/follow-up", change.at, team, summary=text
            )
        )
    if target in COMPLETED and current not in COMPLETED:
        commands.append(
            script.act(PostResponse, f"{step}/response", change.at, team, response=text)
        )
    if target is Status.CLOSED and current is not Status.CLOSED:
        commands.append(
            script.act(
                CloseComplaint, f"{step}/close", change.at, agency_admin(case.agency)
            )
        )
    case.status = target if commands else current
    return commands

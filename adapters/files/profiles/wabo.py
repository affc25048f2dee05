"""WABO permit log (receipt phase, a Dutch municipality): one case per application.

``case:concept:name`` is the complaint, submitted at ``case:startdate``
through the ``case:channel`` straight to the municipality, which verifies it
when its first task is done. Every task row is a follow-up by the unit its
``org:group`` names, and the municipality forwards the case when the group
changes. A task of the group ``EMPTY`` is a follow-up by the municipality's
admin. A case
with ``case:enddate`` ends there: after its last task, the municipality
posts a response that marks the end of the receipt phase and closes the
case at ``case:enddate``.

``case:deadline`` travels as the verification tag ``source-deadline:<time>``:
the gateway computes its own deadlines from its rule sets. A task completed
before the case started is rejected with that reason. An end date earlier
than the case's last task (the log often ends a case a second before its
last task) is not corrected: the close is not sent, and the last row lists
the skipped close.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from adapters.files.commands import ComplaintScript, agency_admin, liaison
from adapters.files.outcomes import (
    ConvertedRow,
    RejectedRow,
    RowRejectedError,
    SkippedStep,
)
from adapters.files.profiles.base import CaseProfile, guarded
from adapters.files.reading import SourceFormat
from adapters.files.registry import RegistryBuilder, RegistryEntries, slug
from adapters.files.timestamps import ISO_FORMAT, parse_timestamp, require_timestamp
from events.envelope import Actor
from events.values import Channel, Classification, Role
from gateway.agencies import AgencyKind
from gateway.complaint.commands import (
    CloseComplaint,
    ForwardComplaintToUnit,
    PostResponse,
    RecordFollowUp,
    VerifyComplaint,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from adapters.files.outcomes import RowOutcome
    from adapters.files.reading import SourceRow
    from gateway.complaint import ComplaintCommand

ZONE = ZoneInfo("Europe/Amsterdam")
"""Zone of times without an offset; the published log gives every offset."""
FORMATS = (ISO_FORMAT,)
MUNICIPALITY = "wabo-municipality"
NO_GROUP = "EMPTY"
CHANNELS = {
    "internet": Channel.WEBSITE,
    "desk": Channel.WALK_IN,
    "post": Channel.LETTER,
    "e-mail": Channel.EMAIL,
    "intern": Channel.OTHER,
}
END_TEXT = "The receipt phase of the permit application ended (case:enddate)."
MAX_TRACKING_DIGITS = 12


@dataclass(frozen=True, slots=True)
class _CaseFacts:
    """Facts about a case that each of its rows repeats."""

    key: str
    tracking_id: str
    start: datetime
    end: datetime | None
    deadline: datetime | None
    channel: Channel


@dataclass(slots=True)
class _Progress:
    """The case so far: whether it is verified, and the unit that has it."""

    verified: bool = False
    unit: str | None = None
    last_accepted: int | None = None
    """Index in ``outcomes`` of the last row that became commands."""
    last_task_at: datetime | None = None
    outcomes: list[RowOutcome] = field(default_factory=list)


def unit_of(group: str) -> str | None:
    """Return the unit id of an ``org:group`` (``Group 4`` is ``group-4``)."""
    if group == NO_GROUP:
        return None
    return slug(group, max_length=60)


class WaboProfile(CaseProfile):
    name = "wabo"
    source_format = SourceFormat.CSV
    required = (
        "case:concept:name",
        "case:channel",
        "case:deadline",
        "case:enddate",
        "case:startdate",
        "concept:instance",
        "concept:name",
        "org:group",
        "time:timestamp",
    )

    def case_key(self, row: SourceRow) -> str:
        return row.text("case:concept:name")

    def convert_case(self, key: str, rows: list[SourceRow]) -> list[RowOutcome]:
        try:
            facts = _case_facts(key, rows[0])
        except RowRejectedError as exc:
            return [RejectedRow(row.line, exc.reason, exc.detail) for row in rows]
        script = ComplaintScript(self.name, key, self.source_uri)
        progress = _Progress()
        for ordinal, row in enumerate(rows, start=1):
            task = functools.partial(self._task, script, facts, progress, ordinal)
            outcome = guarded(row, task)
            if isinstance(outcome, ConvertedRow):
                progress.last_accepted = len(progress.outcomes)
            progress.outcomes.append(outcome)
        if facts.end is not None and progress.last_accepted is not None:
            _append_end(script, facts, progress)
        return progress.outcomes

    def registry_entries(self, rows: Iterable[SourceRow]) -> RegistryEntries:
        builder = RegistryBuilder()
        builder.add_agency(
            MUNICIPALITY,
            "Municipality (WABO permit receipt log)",
            AgencyKind.REGIONAL,
            {Role.REPORTER, Role.AGENCY_ADMIN},
        )
        for row in rows:
            unit = unit_of(row.text("org:group"))
            if unit is not None:
                builder.add_unit(MUNICIPALITY, unit)
        return builder.build()

    def _task(
        self,
        script: ComplaintScript,
        facts: _CaseFacts,
        progress: _Progress,
        ordinal: int,
        row: SourceRow,
    ) -> ConvertedRow:
        at = require_timestamp(
            row.text("time:timestamp"), FORMATS, ZONE, "time:timestamp"
        )
        if at < facts.start:
            raise RowRejectedError(
                "task before case start",
                f"time:timestamp {row.text('time:timestamp')} is before "
                f"case:startdate {facts.start.isoformat()}",
            )
        task = row.text("concept:name") or "task"
        unit = unit_of(row.text("org:group") or NO_GROUP)
        admin = agency_admin(MUNICIPALITY)

        commands: list[ComplaintCommand] = []
        if not progress.verified:
            commands += _intake(script, facts, at)
        actor: Actor = admin
        if unit is not None:
            if unit != progress.unit:
                commands.append(
                    script.act(
                        ForwardComplaintToUnit,
                        f"{ordinal}/forward",
                        at,
                        admin,
                        unit=unit,
                    )
                )
            actor = liaison(MUNICIPALITY, unit)

        commands.append(
            script.act(
                RecordFollowUp, f"{ordinal}/follow-up", at, actor, summary=task[:20_000]
            )
        )
        progress.verified = True
        progress.unit = unit or progress.unit
        progress.last_task_at = at
        return ConvertedRow(row.line, tuple(commands))


def _case_facts(key: str, row: SourceRow) -> _CaseFacts:
    tracking = re.sub(r"\D", "", key)
    if not tracking or len(tracking) > MAX_TRACKING_DIGITS:
        raise RowRejectedError(
            "invalid key", f"case:concept:name {key[:20]!r} has no 1 to 12 digits"
        )
    start = require_timestamp(
        row.text("case:startdate"), FORMATS, ZONE, "case:startdate"
    )
    return _CaseFacts(
        key=key,
        tracking_id=tracking,
        start=start,
        end=parse_timestamp(row.text("case:enddate"), FORMATS, ZONE, "case:enddate"),
        deadline=parse_timestamp(
            row.text("case:deadline"), FORMATS, ZONE, "case:deadline"
        ),
        channel=CHANNELS.get(row.text("case:channel").casefold(), Channel.OTHER),
    )


def _intake(
    script: ComplaintScript, facts: _CaseFacts, verified_at: datetime
) -> list[ComplaintCommand]:
    tags: tuple[str, ...] = ()
    if facts.deadline is not None:
        tags = (f"source-deadline:{facts.deadline.isoformat()}",)
    return [
        script.submit(
            facts.start,
            Actor(agency=MUNICIPALITY, role=Role.REPORTER),
            tracking_id=facts.tracking_id,
            channel=facts.channel,
            classification=Classification.COMPLAINT,
            title=f"Permit application {facts.key}"[:500],
            description=f"Environmental permit application {facts.key}, receipt phase",
            source_reference=facts.key[:500],
            target_agency=MUNICIPALITY,
        ),
        script.act(
            VerifyComplaint,
            "verify",
            verified_at,
            agency_admin(MUNICIPALITY),
            classification=Classification.COMPLAINT,
            tags=tags,
        ),
    ]


def _append_end(
    script: ComplaintScript, facts: _CaseFacts, progress: _Progress
) -> None:
    """Add the response and close at the case's end to its last accepted row.

    An end before the last task adds the skipped close to that row instead.
    """
    assert progress.last_accepted is not None  # noqa: S101 (checked by the caller)
    assert facts.end is not None  # noqa: S101 (checked by the caller)
    assert progress.last_task_at is not None  # noqa: S101 (set with last_accepted)
    last = progress.outcomes[progress.last_accepted]
    assert isinstance(last, ConvertedRow)  # noqa: S101 (only accepted rows count)
    if facts.end < progress.last_task_at:
        skipped = SkippedStep(
            "end before last task",
            f"case:enddate {facts.end.isoformat()} is before the last task at "
            f"{progress.last_task_at.isoformat()}: the close is not sent",
        )
        closing: tuple[ComplaintCommand, ...] = ()
        steps = (*last.skipped, skipped)
    else:
        admin = agency_admin(MUNICIPALITY)
        closing = (
            script.act(PostResponse, "response", facts.end, admin, response=END_TEXT),
            script.act(CloseComplaint, "close", facts.end, admin),
        )
        steps = last.skipped
    progress.outcomes[progress.last_accepted] = ConvertedRow(
        last.line, last.commands + closing, steps
    )

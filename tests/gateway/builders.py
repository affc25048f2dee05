"""Commands, a manual clock and store readers for the write path's behaviour suite."""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL

from events.codec import decode_json
from events.envelope import Actor
from events.values import Channel, Classification, PrivacyFlags, Role, SealedIdentity
from gateway.application import ComplaintService, schedule_of, target_of
from gateway.bootstrap import store_environment
from gateway.complaint import Complaint, handle
from gateway.complaint.commands import (
    ComplaintActionCommand,
    DispositionComplaint,
    ForwardComplaintToUnit,
    PostResponse,
    RecordFollowUp,
    SubmitComplaint,
    VerifyComplaint,
)
from gateway.settings import Settings, StoreKind
from gateway.store.postgres import PostgresComplaintRecorder

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from uuid import UUID

    from events.envelope import Envelope
    from events.structured import DecodedEvent
    from gateway.complaint.commands import ComplaintCommand
    from gateway.outcomes import CommandOutcome
    from gateway.store.records import ScheduledDeadline

WIB = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2025, 6, 2, 9, 0, tzinfo=WIB)
"""A Monday under the 2025 rule set, with no holiday in the following weeks."""

HOLDER = "pemkot-bandung"
OTHER_AGENCY = "pemprov-jabar"
UNIT = "dinas-pupr"
REPORTER_REF = "reporter-7f3a"

REPORTER = Actor(agency="lapor-web", role=Role.REPORTER)
NATIONAL = Actor(agency="kemenpanrb", role=Role.NATIONAL_ADMIN)
AGENCY = Actor(agency=HOLDER, role=Role.AGENCY_ADMIN)
OTHER_ADMIN = Actor(agency=OTHER_AGENCY, role=Role.AGENCY_ADMIN)
LIAISON = Actor(agency=HOLDER, role=Role.UNIT_LIAISON, unit=UNIT)
SYSTEM = Actor(agency="lapor-gateway", role=Role.SYSTEM)

IDENTITY = SealedIdentity(
    key_id="reporter-key-1", nonce="AAECAwQFBgcICQoL", ciphertext="c2VhbGVk"
)

HOUR = dt.timedelta(hours=1)
FAR_FUTURE = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class ManualClock:
    """A clock that moves only when a test moves it, for services to read."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self.now += delta
        return self.now

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        return moment


class CommandFactory:
    """Builds commands with fresh ids, each one ``after`` the previous on the clock.

    Building a command moves the clock to the command's ``occurred_at``, so the
    service records it at the moment it happened.
    """

    def __init__(self, clock: ManualClock, prefix: str = "cmd") -> None:
        self.clock = clock
        self.prefix = prefix
        self._numbers = itertools.count(1)

    def common(
        self, actor: Actor, *, after: dt.timedelta = HOUR, **overrides: Any
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "command_id": f"{self.prefix}-{next(self._numbers)}",
            "occurred_at": self.clock.advance(after),
            "actor": actor,
            "correlation_id": "corr-1",
        }
        if actor.role is Role.REPORTER:
            fields["reporter_ref"] = REPORTER_REF
        fields.update(overrides)
        return fields

    def submit(
        self,
        *,
        actor: Actor = REPORTER,
        after: dt.timedelta = HOUR,
        anonymous: bool = False,
        confidential: bool = False,
        **overrides: Any,
    ) -> SubmitComplaint:
        fields = {
            "reporter_ref": REPORTER_REF,
            "tracking_id": "1916449",
            "channel": Channel.WEBSITE,
            "classification": Classification.COMPLAINT,
            "title": "Jalan berlubang",
            "description": "Lubang besar di Jalan Dago dekat halte.",
            "source_reference": "LPR-2025-0001",
            "privacy": PrivacyFlags(anonymous=anonymous, confidential=confidential),
            "reporter_identity": IDENTITY,
            **self.common(actor, after=after),
            **overrides,
        }
        return SubmitComplaint(**fields)

    def act(
        self,
        command_type: type[ComplaintActionCommand],
        complaint_id: UUID,
        actor: Actor,
        *,
        after: dt.timedelta = HOUR,
        **fields: Any,
    ) -> ComplaintActionCommand:
        common = self.common(actor, after=after)
        for name in ("command_id", "occurred_at", "expected_version"):
            if name in fields:
                common[name] = fields.pop(name)
        return command_type(complaint_id=complaint_id, **common, **fields)

    def handling_steps(
        self, complaint_id: UUID, agency: Actor = AGENCY
    ) -> list[ComplaintActionCommand]:
        """Verify, disposition to ``agency``, forward to a unit, follow up, respond."""
        liaison = Actor(agency=agency.agency, role=Role.UNIT_LIAISON, unit=UNIT)
        return [
            self.act(
                VerifyComplaint,
                complaint_id,
                NATIONAL,
                classification=Classification.COMPLAINT,
            ),
            self.act(
                DispositionComplaint, complaint_id, NATIONAL, agency=agency.agency
            ),
            self.act(ForwardComplaintToUnit, complaint_id, agency, unit=UNIT),
            self.act(RecordFollowUp, complaint_id, liaison, summary="Survei lokasi."),
            self.act(PostResponse, complaint_id, liaison, response="Sudah ditambal."),
        ]


def respond(service: ComplaintService, commands: CommandFactory) -> CommandOutcome:
    """Submit a complaint and take it to a posted response; return the last outcome."""
    submitted = service.execute(commands.submit())
    outcome = submitted
    for command in commands.handling_steps(submitted.complaint_id):
        outcome = service.execute(command)
    return outcome


def stored_events(service: ComplaintService, complaint_id: UUID) -> list[DecodedEvent]:
    """Return the complaint's stored events, decoded from their stored documents."""
    return [
        decode_json(stored.state)
        for stored in service.recorder.select_events(complaint_id)
    ]


def event_names(service: ComplaintService, complaint_id: UUID) -> list[str]:
    return [
        event.envelope.data.event_name for event in stored_events(service, complaint_id)
    ]


def notification_count(service: ComplaintService) -> int:
    return len(service.recorder.select_notifications(start=1, limit=1_000_000))


def command_row_count(service: ComplaintService) -> int:
    """Return how many command outcomes the store keeps."""
    return _count_rows(service, "command_results")


def schedule_row_count(service: ComplaintService) -> int:
    return _count_rows(service, "deadline_schedule")


def _count_rows(service: ComplaintService, table: str) -> int:
    recorder = service.recorder
    if isinstance(recorder, PostgresComplaintRecorder):
        composed = {
            "command_results": recorder.commands_table,
            "deadline_schedule": recorder.deadlines_table,
        }[table]
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT count(*) AS n FROM {0}").format(composed))
            row = curs.fetchone()
        assert row is not None
        return int(row["n"])
    assert isinstance(recorder, SQLiteApplicationRecorder)
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT count(*) AS n FROM {table}")  # noqa: S608 (fixed names)
        found = cursor.fetchone()
    return int(found["n"])


def comparable(event: DecodedEvent) -> dict[str, Any]:
    """Return the stored document without what depends on when it was recorded.

    ``recordedtime`` is the gateway's clock; ``hash`` and ``prevhash`` cover it.
    """
    ignored = {"recordedtime", "hash", "prevhash"}
    return {key: value for key, value in event.document.items() if key not in ignored}


ScheduleRow = tuple[str, dt.datetime, int]


def schedule_rows(service: ComplaintService, complaint_id: UUID) -> set[ScheduleRow]:
    """Return the complaint's stored schedule as (clock, due instant, version)."""
    rows = service.store.select_due_deadlines(FAR_FUTURE, 10_000)
    return {_row(row) for row in rows if row.complaint_id == complaint_id}


def expected_schedule(
    service: ComplaintService, complaint_id: UUID
) -> set[ScheduleRow]:
    """Return the schedule that the complaint's current due dates call for."""
    complaint = service.find(complaint_id)
    assert complaint is not None
    return {_row(row) for row in schedule_of(complaint)}


def _row(row: ScheduledDeadline) -> ScheduleRow:
    return (row.clock.value, row.due_at.astimezone(dt.UTC), row.version)


def decide(command_list: Iterable[ComplaintCommand]) -> list[Envelope]:
    """Apply commands to in-memory complaints; return the envelopes, in order.

    Each command is recorded at the moment it happened. A rejected command
    raises, so the list describes one valid history.
    """
    complaints: dict[UUID, Complaint] = {}
    envelopes: list[Envelope] = []
    for command in command_list:
        target = target_of(command)
        complaint = handle(
            command, complaints.get(target), recorded_at=command.occurred_at
        )
        complaints[target] = complaint
        envelopes += [event.envelope for event in complaint.collect_events()]  # type: ignore[attr-defined]
    return envelopes


@contextmanager
def sqlite_services() -> Iterator[Callable[[str, ManualClock], ComplaintService]]:
    """Open services on SQLite stores in a temporary folder, one per name.

    For Hypothesis tests, which cannot use function-scoped fixtures. Every
    service is closed and the folder removed on exit.
    """
    opened: list[ComplaintService] = []
    with tempfile.TemporaryDirectory() as folder:

        def open_one(name: str, clock: ManualClock) -> ComplaintService:
            path = Path(folder) / f"{name}.sqlite"
            env = store_environment(Settings(store=StoreKind.SQLITE, sqlite_path=path))
            service = ComplaintService(env, clock=clock)
            opened.append(service)
            return service

        try:
            yield open_one
        finally:
            for service in opened:
                service.close()

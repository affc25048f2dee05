"""Complaint histories at chosen moments, driven through the Complaint aggregate.

Each method takes one action at the given local time (WIB by default) as the
actor the lifecycle table expects, so the envelopes are the ones the write
model would record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, cast

from sqlalchemy import create_engine

from events.envelope import Actor
from events.structured import DecodedEvent
from events.values import (
    ArchiveReason,
    Channel,
    Classification,
    DeadlineClock,
    DeletionReason,
    Role,
)
from gateway.calendar import calendar_for
from gateway.complaint import ActionContext, Complaint, LifecyclePolicy
from projections.base import Position
from projections.performance.backlog import Snapshot, take_snapshot
from projections.performance.database import open_view
from projections.performance.periods import Period
from projections.performance.projection import PerformanceProjection, known_at
from projections.performance.queries import PeriodFigures, compute_period
from projections.performance.tables import metadata
from projections.runner.database import sqlite_location

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from sqlalchemy import Engine

    from events.envelope import Envelope
    from projections.performance.figures import Figures

WIB = dt.timezone(dt.timedelta(hours=7))
REPORTER_REF = "reporter-7f3a"
REPORTER = Actor(agency="lapor-web", role=Role.REPORTER)
NATIONAL = Actor(agency="kemenpanrb", role=Role.NATIONAL_ADMIN)
SYSTEM = Actor(agency="lapor-gateway", role=Role.SYSTEM)
POLICY = LifecyclePolicy(
    reopen_roles=frozenset({Role.REPORTER, Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN}),
    reopen_window=None,
)


def wib(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """Return a moment in WIB (UTC+07:00)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=WIB)


def admin(agency: str) -> Actor:
    return Actor(agency=agency, role=Role.AGENCY_ADMIN)


def liaison(agency: str, unit: str) -> Actor:
    return Actor(agency=agency, role=Role.UNIT_LIAISON, unit=unit)


class History:
    """One complaint's actions, each at a chosen moment."""

    def __init__(
        self,
        submitted_at: dt.datetime,
        *,
        target: str | None = None,
        recorded_delay: dt.timedelta = dt.timedelta(0),
    ) -> None:
        self.recorded_delay = recorded_delay
        self.complaint = Complaint.submit(
            self._context(REPORTER, submitted_at),
            complaint_id=uuid.uuid4(),
            tracking_id="1916449",
            channel=Channel.WEBSITE,
            classification=Classification.COMPLAINT,
            title="Jalan berlubang",
            description="Lubang besar di Jalan Dago dekat halte.",
            reporter_ref=REPORTER_REF,
            target_agency=target,
        )

    @property
    def complaint_id(self) -> str:
        return str(self.complaint.id)

    @property
    def envelopes(self) -> list[Envelope]:
        events = self.complaint.pending_events
        return [cast("Complaint.ActionRecorded", event).envelope for event in events]

    def _context(self, actor: Actor, at: dt.datetime) -> ActionContext:
        return ActionContext(
            actor=actor,
            occurred_at=at,
            recorded_at=at + self.recorded_delay,
            correlation_id="corr-1",
            causation_id=f"cmd-{uuid.uuid4().hex[:12]}",
            reporter_ref=REPORTER_REF if actor.role is Role.REPORTER else None,
            policy=POLICY,
        )

    def _holder_admin(self) -> Actor:
        holder = self.complaint.state.holder
        return NATIONAL if holder is None else admin(holder)

    def _handler(self) -> Actor:
        state = self.complaint.state
        if state.holder is None:
            msg = "no agency holds the complaint"
            raise AssertionError(msg)
        if state.unit is None:
            return admin(state.holder)
        return liaison(state.holder, state.unit)

    def verify(self, at: dt.datetime) -> History:
        context = self._context(self._holder_admin(), at)
        self.complaint.verify(context, classification=Classification.COMPLAINT)
        return self

    def set_pending(self, at: dt.datetime) -> History:
        context = self._context(self._holder_admin(), at)
        self.complaint.set_pending(context, reason="Lokasi belum jelas.")
        return self

    def complete(self, at: dt.datetime) -> History:
        context = self._context(REPORTER, at)
        self.complaint.complete(context, addition="Alamat lengkap.")
        return self

    def delete(self, at: dt.datetime) -> History:
        context = self._context(self._holder_admin(), at)
        self.complaint.delete(context, reason=DeletionReason.UNINTELLIGIBLE)
        return self

    def archive(self, at: dt.datetime) -> History:
        context = self._context(self._holder_admin(), at)
        self.complaint.archive(context, reason=ArchiveReason.ASPIRATION_NEEDS_NO_ANSWER)
        return self

    def disposition(self, at: dt.datetime, agency: str) -> History:
        self.complaint.disposition(self._context(NATIONAL, at), agency=agency)
        return self

    def decline(self, at: dt.datetime) -> History:
        context = self._context(self._holder_admin(), at)
        self.complaint.decline(context, reason="Bukan wewenang kami.")
        return self

    def redisposition(self, at: dt.datetime, agency: str) -> History:
        self.complaint.redisposition(self._context(NATIONAL, at), to_agency=agency)
        return self

    def forward(self, at: dt.datetime, unit: str) -> History:
        context = self._context(self._holder_admin(), at)
        self.complaint.forward_to_unit(context, unit=unit)
        return self

    def follow_up(self, at: dt.datetime) -> History:
        context = self._context(self._handler(), at)
        self.complaint.record_follow_up(context, summary="Tim turun ke lokasi.")
        return self

    def respond(self, at: dt.datetime) -> History:
        context = self._context(self._handler(), at)
        self.complaint.post_response(context, response="Lubang sudah ditambal.")
        return self

    def reply(self, at: dt.datetime) -> History:
        self.complaint.reply(self._context(REPORTER, at), reply="Belum selesai.")
        return self

    def close(self, at: dt.datetime, *, automatic: bool = False) -> History:
        actor = SYSTEM if automatic else REPORTER
        self.complaint.close(self._context(actor, at))
        return self

    def reopen(self, at: dt.datetime) -> History:
        self.complaint.reopen(self._context(NATIONAL, at), reason="Muncul lagi.")
        return self

    def escalate(self, at: dt.datetime, clock: DeadlineClock) -> History:
        due = self.complaint.due_dates
        if due is None:
            msg = "the complaint has no due dates"
            raise AssertionError(msg)
        due_at = getattr(due, f"{clock.value}_due")
        self.complaint.escalate(self._context(SYSTEM, at), clock=clock, due_at=due_at)
        return self


def sqlite_engine(folder: Path) -> Engine:
    """Return a writer engine on a fresh SQLite file with the projection's tables."""
    location = sqlite_location(folder / "performance.sqlite")
    return open_view(location, writer=True)


def memory_engine() -> Engine:
    """Return an engine on a private in-memory SQLite database."""
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    return engine


def apply_all(
    engine: Engine, histories: Iterable[History], until: dt.datetime | None = None
) -> int:
    """Apply the histories' envelopes in one transaction; return how many.

    With ``until``, only the envelopes known by then (see ``known_at``) are applied.
    """
    projection = PerformanceProjection()
    applied = 0
    with engine.begin() as connection:
        for history in histories:
            for envelope in history.envelopes:
                if until is not None and known_at(envelope) > until:
                    break
                event = DecodedEvent.from_envelope(envelope)
                projection.apply(connection, event, Position("test", 0, applied))
                applied += 1
    return applied


def figures(engine: Engine, period: str, as_of: dt.datetime) -> PeriodFigures:
    """Return the figures of ``period`` (YYYY-MM or YYYY) as of ``as_of``."""
    with engine.connect() as connection:
        return compute_period(connection, Period.parse(period), as_of)


def snapshot(engine: Engine, as_of: dt.datetime) -> Snapshot:
    with engine.connect() as connection:
        return take_snapshot(connection, as_of, calendar_for(None))


def scope_of(result: PeriodFigures, agency: str = "", unit: str = "") -> Figures:
    """Return the figures of a scope, failing the test when there are none."""
    found = result.scope(agency, unit)
    if found is None:
        msg = f"no figures for agency {agency!r} unit {unit!r}"
        raise AssertionError(msg)
    return found

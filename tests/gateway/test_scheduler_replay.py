"""Replaying a history with the scheduler gives the events of living through it.

Three runs execute the same external commands, each on an empty store of its
own. *Living* lets the scheduler poll every few hours and right before each
command, as the running gateway does. *Replay* steps the clock through the
commands' times only, running the scheduler just before each command. *Late*
executes every command first and runs the scheduler once at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from events.values import Classification, ClosingMode, DeadlineClock
from events.values import SopTier as EventSopTier
from gateway.complaint import SubmitComplaint, submission_complaint_id
from gateway.complaint.commands import (
    CompleteComplaint,
    DispositionComplaint,
    ForwardComplaintToUnit,
    PostResponse,
    RecordFollowUp,
    RecordSatisfaction,
    ReplyToResponse,
    SetComplaintPending,
    VerifyComplaint,
)
from gateway.scheduler import DeadlineScheduler
from monitoring.metrics import SchedulerMetrics
from tests.gateway.builders import (
    AGENCY,
    HOLDER,
    LIAISON,
    NATIONAL,
    REPORTER,
    START,
    UNIT,
    CommandFactory,
    ManualClock,
    comparable,
    sqlite_services,
    stored_events,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from uuid import UUID

    from gateway.application import ComplaintService
    from gateway.complaint.commands import ComplaintCommand
    from tests.gateway.conftest import ServiceFactory

POLL = dt.timedelta(hours=6)
DAY = dt.timedelta(days=1)
END = START + dt.timedelta(days=90)


@dataclass
class Run:
    service: ComplaintService
    scheduler: DeadlineScheduler
    clock: ManualClock

    def poll(self, moment: dt.datetime) -> None:
        self.scheduler.run_until(self.clock.set(moment))

    def execute(self, command: ComplaintCommand) -> str:
        self.clock.set(command.occurred_at)
        return type(self.service.execute_batch([command])[0]).__name__

    def documents(self, complaint_id: UUID) -> list[dict[str, Any]]:
        return [comparable(e) for e in stored_events(self.service, complaint_id)]


def run_on(service: ComplaintService, clock: ManualClock) -> Run:
    scheduler = DeadlineScheduler(service, SchedulerMetrics(CollectorRegistry()))
    return Run(service, scheduler, clock)


def open_run(open_service: ServiceFactory, env: dict[str, str]) -> Run:
    clock = ManualClock()
    return run_on(open_service(env=env, service_clock=clock), clock)


def live_through(
    run: Run, history: Sequence[ComplaintCommand], end: dt.datetime = END
) -> list[str]:
    """Poll every ``POLL`` and right before each command, then up to ``end``."""
    results = []
    next_poll = START
    for command in history:
        while next_poll < command.occurred_at:
            run.poll(next_poll)
            next_poll += POLL
        run.poll(command.occurred_at)
        results.append(run.execute(command))
    while next_poll < end:
        run.poll(next_poll)
        next_poll += POLL
    run.poll(end)
    return results


def replay(
    run: Run, history: Sequence[ComplaintCommand], end: dt.datetime = END
) -> list[str]:
    """Step the clock through the commands' times, then to ``end``."""
    results = []
    for command in history:
        run.poll(command.occurred_at)
        results.append(run.execute(command))
    run.poll(end)
    return results


def late(
    run: Run, history: Sequence[ComplaintCommand], end: dt.datetime = END
) -> list[str]:
    """Execute every command, then run the scheduler once at ``end``."""
    results = [run.execute(command) for command in history]
    run.poll(end)
    return results


@dataclass
class History:
    commands: list[ComplaintCommand]
    handled: UUID
    """Submitted, verified late, dispositioned, responded, then rated late."""
    pending: UUID
    """Set pending and never completed."""
    untouched: UUID
    """Submitted late in the history and never verified."""


def fixed_history() -> History:
    """Return a history in which deadlines pass before the commands that stop them."""
    commands = CommandFactory(ManualClock(START), prefix="history")
    handled = commands.submit(after=dt.timedelta(hours=1))
    pending = commands.submit(after=dt.timedelta(hours=1))
    handled_id = _complaint_of(handled)
    pending_id = _complaint_of(pending)

    steps: list[ComplaintCommand] = [handled, pending]
    steps.append(
        commands.act(SetComplaintPending, pending_id, NATIONAL, after=DAY, reason="?")
    )
    # Verified after the verification clock ran out, with an SOP tier whose
    # clock falls due together with the first follow-up clock.
    steps += [
        commands.act(
            VerifyComplaint,
            handled_id,
            NATIONAL,
            after=7 * DAY,
            classification=Classification.COMPLAINT,
            sop_tier=EventSopTier.NORMATIVE,
        ),
        commands.act(DispositionComplaint, handled_id, NATIONAL, agency=HOLDER),
    ]
    # Forwarded after both clocks ran out, rated after the auto-close clock.
    steps += [
        commands.act(
            ForwardComplaintToUnit, handled_id, AGENCY, after=9 * DAY, unit=UNIT
        ),
        commands.act(RecordFollowUp, handled_id, LIAISON, after=DAY, summary="Survei."),
        commands.act(
            PostResponse, handled_id, LIAISON, after=3 * DAY, response="Beres."
        ),
        commands.act(
            RecordSatisfaction, handled_id, REPORTER, after=17 * DAY, satisfied=True
        ),
    ]

    untouched = commands.submit(after=10 * DAY)
    steps.append(untouched)
    return History(steps, handled_id, pending_id, _complaint_of(untouched))


def _complaint_of(command: ComplaintCommand) -> UUID:
    assert isinstance(command, SubmitComplaint)
    return submission_complaint_id(command)


def test_replay_equals_living_through(open_service, new_store_env):
    history = fixed_history()
    living = open_run(open_service, new_store_env("living"))
    replayed = open_run(open_service, new_store_env("replayed"))

    living_results = live_through(living, history.commands)
    replay_results = replay(replayed, history.commands)

    assert replay_results == living_results
    for complaint_id in (history.handled, history.pending, history.untouched):
        assert replayed.documents(complaint_id) == living.documents(complaint_id)


def test_living_through_escalates_every_miss(open_service, new_store_env):
    history = fixed_history()
    living = open_run(open_service, new_store_env("living"))

    live_through(living, history.commands)

    names = [d["type"].split(".")[-2] for d in living.documents(history.handled)]
    assert names == [
        "submitted",
        "escalated",
        "verified",
        "dispositioned",
        "escalated",
        "escalated",
        "forwarded_to_unit",
        "follow_up_recorded",
        "response_posted",
        "closed",
        "satisfaction_recorded",
    ]
    escalated = [
        d["data"]["clock"]
        for d in living.documents(history.handled)
        if d["type"].startswith("id.go.lapor.complaint.escalated")
    ]
    assert escalated == [
        DeadlineClock.VERIFICATION.value,
        DeadlineClock.FIRST_FOLLOW_UP.value,
        DeadlineClock.SOP.value,
    ]


def test_late_pass_acts_only_on_running_clocks(open_service, new_store_env):
    history = fixed_history()
    living = open_run(open_service, new_store_env("living"))
    after_the_fact = open_run(open_service, new_store_env("late"))

    live_through(living, history.commands)
    late(after_the_fact, history.commands)

    for complaint_id in (history.pending, history.untouched):
        assert after_the_fact.documents(complaint_id) == living.documents(complaint_id)
    late_documents = after_the_fact.documents(history.handled)
    names = [d["type"].split(".")[-2] for d in late_documents]
    assert names == [
        "submitted",
        "verified",
        "dispositioned",
        "forwarded_to_unit",
        "follow_up_recorded",
        "response_posted",
        "satisfaction_recorded",
        "closed",
    ]
    closing, rating = late_documents[-1], late_documents[-2]
    assert closing["data"]["mode"] == ClosingMode.AUTOMATIC.value
    assert closing["time"] == rating["time"]


# Random histories on SQLite


GAPS = st.sampled_from(
    [
        dt.timedelta(hours=1),
        dt.timedelta(hours=20),
        dt.timedelta(days=2),
        dt.timedelta(days=4),
        dt.timedelta(days=8),
        dt.timedelta(days=12),
        dt.timedelta(days=31),
    ]
)


@st.composite
def histories(draw: st.DrawFn) -> list[ComplaintCommand]:
    """Two complaints' commands interleaved at random, with random gaps."""
    commands = CommandFactory(ManualClock(START), prefix="random")
    first = commands.submit(after=draw(GAPS))
    second = commands.submit(after=draw(GAPS), target_agency=HOLDER)
    first_id, second_id = _complaint_of(first), _complaint_of(second)
    plots: dict[UUID, list[Callable[[dt.timedelta], ComplaintCommand]]] = {
        first_id: _national_plot(commands, first_id),
        second_id: _chosen_agency_plot(commands, second_id),
    }
    order = draw(st.permutations([first_id] * 7 + [second_id] * 6))
    steps: list[ComplaintCommand] = [first, second]
    positions = dict.fromkeys(plots, 0)
    for complaint_id in order:
        plot = plots[complaint_id]
        steps.append(plot[positions[complaint_id]](draw(GAPS)))
        positions[complaint_id] += 1
    return steps


def _national_plot(
    commands: CommandFactory, complaint_id: UUID
) -> list[Callable[[dt.timedelta], ComplaintCommand]]:
    def step(kind: type, actor: Any, **fields: Any) -> Callable[..., ComplaintCommand]:
        return lambda gap: commands.act(kind, complaint_id, actor, after=gap, **fields)

    return [
        step(SetComplaintPending, NATIONAL, reason="Lokasi?"),
        step(CompleteComplaint, REPORTER, addition="Di depan halte."),
        step(VerifyComplaint, NATIONAL, classification=Classification.COMPLAINT),
        step(DispositionComplaint, NATIONAL, agency=HOLDER),
        step(RecordFollowUp, AGENCY, summary="Survei."),
        step(PostResponse, AGENCY, response="Beres."),
        step(ReplyToResponse, REPORTER, reply="Belum."),
    ]


def _chosen_agency_plot(
    commands: CommandFactory, complaint_id: UUID
) -> list[Callable[[dt.timedelta], ComplaintCommand]]:
    def step(kind: type, actor: Any, **fields: Any) -> Callable[..., ComplaintCommand]:
        return lambda gap: commands.act(kind, complaint_id, actor, after=gap, **fields)

    return [
        step(
            VerifyComplaint,
            AGENCY,
            classification=Classification.COMPLAINT,
            sop_tier=EventSopTier.LIGHT,
        ),
        step(ForwardComplaintToUnit, AGENCY, unit=UNIT),
        step(RecordFollowUp, LIAISON, summary="Survei."),
        step(PostResponse, LIAISON, response="Beres."),
        step(ReplyToResponse, REPORTER, reply="Belum."),
        step(PostResponse, LIAISON, response="Sudah diperbaiki."),
    ]


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(history=histories())
def test_random_replay_equals_living_through(history):
    end = max(command.occurred_at for command in history) + 40 * DAY
    complaint_ids = [
        _complaint_of(command)
        for command in history
        if isinstance(command, SubmitComplaint)
    ]
    with sqlite_services() as open_sqlite:
        living_clock, replay_clock = ManualClock(), ManualClock()
        living = run_on(open_sqlite("living", living_clock), living_clock)
        replayed = run_on(open_sqlite("replay", replay_clock), replay_clock)

        living_results = live_through(living, history, end)
        replay_results = replay(replayed, history, end)

        assert replay_results == living_results
        for complaint_id in complaint_ids:
            assert replayed.documents(complaint_id) == living.documents(complaint_id)

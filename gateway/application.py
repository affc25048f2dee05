"""The application service: decides commands and records their events.

``ComplaintService`` is an eventsourcing ``Application``. For each command it
returns the first outcome if the command was seen before, loads the
complaint, lets the aggregate decide, and records the new events together
with the command's outcome and the complaint's running deadlines in one
transaction of the store (SQLite or PostgreSQL). A batch of commands is
decided one by one and recorded in a single transaction, which is how bulk
intake reaches thousands of commands per second; a batch that collides with
another writer is retried command by command.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, PersistenceError

from events.canonical import canonical_json
from events.values import DeadlineClock
from gateway.complaint import (
    DEFAULT_POLICY,
    Complaint,
    ComplaintError,
    LifecyclePolicy,
    SubmitComplaint,
    handle,
    submission_complaint_id,
)
from gateway.outcomes import (
    CommandConflictError,
    CommandOutcome,
    CommandReuseError,
    UndecidableCommandError,
    outcome_label,
)
from gateway.store.mapper import EnvelopeMapper
from gateway.store.records import CommandRecord, ScheduledDeadline

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.persistence import Mapper
    from eventsourcing.utils import EnvType

    from gateway.complaint import ComplaintCommand
    from gateway.store.records import ComplaintRecorderProtocol
    from monitoring.metrics import CommandMetrics

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

DUE_DATE_CLOCKS = {
    "verification_due": DeadlineClock.VERIFICATION,
    "first_follow_up_due": DeadlineClock.FIRST_FOLLOW_UP,
    "auto_close_due": DeadlineClock.AUTO_CLOSE,
    "pending_archive_due": DeadlineClock.PENDING_ARCHIVE,
    "resolution_due": DeadlineClock.RESOLUTION,
    "sop_due": DeadlineClock.SOP,
}
"""Fields of ``DueDates`` and the clock each one belongs to."""

MAX_COLLISION_RETRIES = 8
"""Retries of a command without expected_version that other writers keep beating."""

COLLISION_PAUSE_SECONDS = 0.005
"""Upper bound of the random pause before a retry, times the retry's number."""

Result = (
    CommandOutcome
    | ComplaintError
    | CommandReuseError
    | CommandConflictError
    | UndecidableCommandError
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ComplaintService(Application[UUID]):
    """Decides complaint commands and records their events; see the module docstring."""

    name = "ComplaintService"

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        clock: Clock = utc_now,
        policy: LifecyclePolicy = DEFAULT_POLICY,
        metrics: CommandMetrics | None = None,
        agencies: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.policy = policy
        self.metrics = metrics
        self.agencies = agencies

    def construct_mapper(self) -> Mapper[UUID]:
        return EnvelopeMapper()

    @property
    def store(self) -> ComplaintRecorderProtocol:
        return cast("ComplaintRecorderProtocol", self.recorder)

    def find(self, complaint_id: UUID) -> Complaint | None:
        """Return the complaint, or ``None`` if it does not exist."""
        try:
            return cast("Complaint", self.repository.get(complaint_id))
        except AggregateNotFoundError:
            return None

    def execute(self, command: ComplaintCommand) -> CommandOutcome:
        """Decide and record one command; raise when it is rejected."""
        result = self.execute_batch([command])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def execute_batch(
        self,
        commands: Sequence[ComplaintCommand],
        *,
        retries: int = MAX_COLLISION_RETRIES,
    ) -> list[Result]:
        """Decide every command and record all accepted ones in one transaction.

        Returns one result per command, in order: its outcome, or the error
        that rejected it. A rejected command records nothing and does not
        stop the others. A command that keeps colliding with other writers
        is retried ``retries`` times, then returned as a conflict.
        """
        started = time.perf_counter()
        batch = _Batch(self)
        results = [batch.decide(command) for command in commands]
        if batch.records:
            try:
                self._record_batch(batch)
            except IntegrityError:
                if len(commands) == 1:
                    results = [
                        self._resolve_collision(commands[0], results[0], retries)
                    ]
                else:
                    logger.info(
                        "Batch of %d commands collided with another writer; "
                        "retrying one by one",
                        len(commands),
                    )
                    return [
                        self.execute_batch([c], retries=retries)[0] for c in commands
                    ]
        self._observe(commands, results, time.perf_counter() - started)
        return results

    def _record_batch(self, batch: _Batch) -> None:
        self.save(
            *batch.complaints.values(),
            commands=batch.records,
            deadlines={
                complaint_id: schedule_of(complaint)
                for complaint_id, complaint in batch.complaints.items()
            },
        )

    def _resolve_collision(
        self, command: ComplaintCommand, first_try: Result, retries: int
    ) -> Result:
        """Settle a single command whose transaction hit a unique constraint.

        Either the same command was recorded concurrently (its outcome is
        returned as a duplicate) or another command moved the complaint first.
        """
        prior = self.store.select_command(command_key(command))
        if prior is not None:
            return _duplicate_outcome(prior, command_digest(command))
        retry = command.expected_version is None and retries > 0
        if retry and isinstance(first_try, CommandOutcome):
            # Random pauses keep writers racing for one complaint from colliding
            # again in lockstep.
            attempt = MAX_COLLISION_RETRIES - retries + 1
            time.sleep(random.uniform(0, COLLISION_PAUSE_SECONDS * attempt))  # noqa: S311 (jitter, not security)
            return self.execute_batch([command], retries=retries - 1)[0]
        return CommandConflictError(
            f"complaint {first_try_complaint(first_try, command)} changed while "
            f"command {command.command_id} was decided: reload it and send the "
            "command again with the new expected_version"
        )

    def _observe(
        self,
        commands: Sequence[ComplaintCommand],
        results: list[Result],
        elapsed: float,
    ) -> None:
        if self.metrics is None:
            return
        share = elapsed / max(len(commands), 1)
        for command, result in zip(commands, results, strict=True):
            command_type = type(command).__name__
            agency = command.actor.agency
            if self.agencies and agency not in self.agencies:
                agency = "other"
            label = outcome_label(result)
            self.metrics.received.labels(command_type, agency, label).inc()
            self.metrics.latency.labels(command_type).observe(share)
            if isinstance(result, CommandOutcome) and not result.duplicate:
                for event_type in result.event_types:
                    self.metrics.events_stored.labels(event_type).inc()


class _Batch:
    """The complaints and command records one batch has changed so far."""

    def __init__(self, service: ComplaintService) -> None:
        self.service = service
        self.now = service.clock()
        self.complaints: dict[UUID, Complaint] = {}
        self.records: list[CommandRecord] = []
        self.decided: dict[str, tuple[str, Result]] = {}
        """The digest and result of every command id decided in this batch."""

    def decide(self, command: ComplaintCommand) -> Result:
        """Decide one command; a fault in it never fails the rest of the batch.

        Store errors still propagate: the whole batch can be retried.
        """
        try:
            return self._decide(command)
        except PersistenceError:
            raise
        except Exception as exc:
            logger.exception("Command %s could not be decided", command.command_id)
            return UndecidableCommandError(
                f"command {command.command_id} could not be decided: {exc}; "
                "check its values against the command's JSON Schema"
            )

    def _decide(self, command: ComplaintCommand) -> Result:
        key = command_key(command)
        digest = command_digest(command)
        if key in self.decided:
            first_digest, first = self.decided[key]
            return _repeat_in_batch(key, command, first, same=digest == first_digest)
        prior = self.service.store.select_command(key)
        if prior is not None:
            result: Result = _duplicate_outcome(prior, digest)
        else:
            result = self._apply(command, key, digest)
        self.decided[key] = (digest, result)
        return result

    def _apply(self, command: ComplaintCommand, key: str, digest: str) -> Result:
        complaint_id = target_of(command)
        complaint = self.complaints.get(complaint_id) or self.service.find(complaint_id)
        before = 0 if complaint is None else complaint.version
        try:
            changed = handle(
                command, complaint, recorded_at=self.now, policy=self.service.policy
            )
        except ComplaintError as exc:
            return exc
        self.complaints[changed.id] = changed
        pending = changed.pending_events
        record = CommandRecord(
            command_id=key,
            command_type=type(command).__name__,
            digest=digest,
            agency=command.actor.agency,
            complaint_id=changed.id,
            first_sequence=before + 1,
            last_sequence=changed.version,
            recorded_at=self.now,
        )
        self.records.append(record)
        return CommandOutcome.of_record(
            record,
            status=changed.status.value,
            event_types=tuple(
                e.envelope.type  # type: ignore[attr-defined]
                for e in pending[-(changed.version - before) :]
            ),
        )


def command_key(command: ComplaintCommand) -> str:
    """Return the idempotency key: command ids are unique per sending agency."""
    return f"{command.actor.agency}/{command.command_id}"


def command_digest(command: ComplaintCommand) -> str:
    body = command.model_dump(mode="json")
    body["type"] = type(command).__name__
    return hashlib.sha256(canonical_json(body)).hexdigest()


def target_of(command: ComplaintCommand) -> UUID:
    if isinstance(command, SubmitComplaint):
        return submission_complaint_id(command)
    return cast("UUID", command.complaint_id)  # type: ignore[attr-defined]


def first_try_complaint(result: Result, command: ComplaintCommand) -> UUID:
    if isinstance(result, CommandOutcome):
        return result.complaint_id
    return target_of(command)


def schedule_of(complaint: Complaint) -> list[ScheduledDeadline]:
    """Return the complaint's running deadline clocks, for the scheduler.

    A deadline that was escalated is left out: the escalation keeps the
    clock's due moment, and the scheduler acts on each deadline once.
    """
    due_dates = complaint.due_dates
    if due_dates is None:
        return []
    escalated = set(complaint.state.escalated)
    scheduled = []
    for field, clock in DUE_DATE_CLOCKS.items():
        due_at = getattr(due_dates, field)
        if due_at is not None and (clock, due_at) not in escalated:
            scheduled.append(
                ScheduledDeadline(
                    complaint_id=complaint.id,
                    clock=clock,
                    due_at=due_at,
                    version=complaint.version,
                    last_occurred_at=complaint.state.last_occurred_at,
                )
            )
    return scheduled


def _duplicate_outcome(prior: CommandRecord, digest: str) -> Result:
    if prior.digest != digest:
        return CommandReuseError(
            f"command id {prior.command_id!r} was already used for a different "
            f"{prior.command_type} command: use a new command id for a new command"
        )
    return CommandOutcome.of_record(prior, duplicate=True)


def _repeat_in_batch(
    key: str, command: ComplaintCommand, first: Result, *, same: bool
) -> Result:
    if not same:
        return CommandReuseError(
            f"command id {key!r} appears twice in one batch with different "
            f"content (the second is a {type(command).__name__} command): use a "
            "new command id for a new command"
        )
    if isinstance(first, CommandOutcome):
        return first.model_copy(update={"duplicate": True})
    return first

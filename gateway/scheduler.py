"""The deadline scheduler: acts once on every deadline that has passed.

Each pass reads the deadlines due by the scheduler's clock from the store's
schedule (kept in step with the events, in the same transactions) and issues
one command per deadline as the gateway's own ``system`` actor: an automatic
closing when the silence period after a response ran out, an archiving when a
pending complaint was not completed in time, and an escalation to the national
admin for every other clock. The command id is derived from the complaint,
the clock and the due moment, so a deadline is acted on exactly once however
often a pass sees it. The command happens at the due moment itself, or at the
complaint's latest event when a late pass finds that event after the due
moment, because no action may be dated before an earlier one. With an injected
clock that steps through the events' times, replaying history acts on the same
deadlines at the same moments as living through it did. A single pass at the
end of a history cannot: a deadline that a later event stopped or moved is no
longer in the schedule by then.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from events.envelope import Actor
from events.timestamps import format_timestamp
from events.values import ArchiveReason, DeadlineClock, Role
from gateway.complaint.commands import (
    ArchiveComplaint,
    CloseComplaint,
    ComplaintActionCommand,
    EscalateComplaint,
)
from gateway.outcomes import CommandOutcome, outcome_label

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping
    from datetime import datetime
    from uuid import UUID

    from gateway.application import Clock, ComplaintService
    from gateway.store.records import ScheduledDeadline
    from monitoring.metrics import SchedulerMetrics

logger = logging.getLogger(__name__)

GATEWAY_AGENCY = "lapor-gateway"
"""Agency id under which the gateway's own system actions are recorded."""

MAX_ATTEMPTS = 3
"""Times one pass issues a deadline's command that keeps conflicting."""


class DeadlineScheduler:
    """Issues the command each passed deadline calls for; see the module docstring."""

    def __init__(
        self,
        service: ComplaintService,
        metrics: SchedulerMetrics,
        *,
        clock: Clock | None = None,
        batch_size: int = 500,
        agency: str = GATEWAY_AGENCY,
    ) -> None:
        self._service = service
        self._metrics = metrics
        self._clock = clock or service.clock
        self._batch_size = batch_size
        self._actor = Actor(agency=agency, role=Role.SYSTEM)

    def run_until(
        self, now: datetime, complaint_ids: Collection[UUID] | None = None
    ) -> int:
        """Act on every deadline due by ``now``; return how many commands recorded.

        ``complaint_ids`` limits the pass to those complaints. Passes repeat
        while they find due deadlines, because acting on one can bring another
        due (a closing removes clocks, an escalation none). A command that
        conflicted with another change of its complaint, such as the
        escalation of a second clock due at the same moment, is issued again
        from the updated row, up to ``MAX_ATTEMPTS`` times. Deadlines that were
        rejected for good are paged past, so they never hide later ones.
        """
        return self._run(now, complaint_ids, lambda _deadline: True)

    def run_for(self, until: Mapping[UUID, datetime]) -> int:
        """Act on each complaint's deadlines due by that complaint's own moment.

        A historical replay calls this before a batch of commands with each
        command's complaint and time, so every complaint's clock is at its
        next event when the scheduler looks at it.
        """
        if not until:
            return 0
        return self._run(
            max(until.values()),
            until.keys(),
            lambda deadline: deadline.due_at <= until[deadline.complaint_id],
        )

    def _run(
        self,
        now: datetime,
        complaint_ids: Collection[UUID] | None,
        applies: Callable[[ScheduledDeadline], bool],
    ) -> int:
        recorded = 0
        attempts: dict[str, int] = {}
        after: ScheduledDeadline | None = None
        while True:
            due = self._service.store.select_due_deadlines(
                now, self._batch_size, after, complaint_ids
            )
            fresh = [
                d for d in due if applies(d) and not _settled(attempts, _command_id(d))
            ]
            if after is None and complaint_ids is None:
                self._metrics.due_deadlines.set(len(due))
            if not fresh:
                if len(due) < self._batch_size:
                    return recorded
                after = due[-1]
                continue
            recorded += self._act_on(_one_per_complaint(fresh), attempts)

    def _act_on(
        self, deadlines: list[ScheduledDeadline], attempts: dict[str, int]
    ) -> int:
        commands = [self.command_for(deadline) for deadline in deadlines]
        results = self._service.execute_batch(commands)
        recorded = 0
        for deadline, command, result in zip(deadlines, commands, results, strict=True):
            label = outcome_label(result)
            self._metrics.commands_issued.labels(deadline.clock, label).inc()
            if isinstance(result, CommandOutcome):
                attempts[command.command_id] = MAX_ATTEMPTS
                recorded += 0 if result.duplicate else 1
                continue
            retriable = bool(getattr(result, "retriable", False))
            tries = attempts.get(command.command_id, 0) + 1
            attempts[command.command_id] = tries if retriable else MAX_ATTEMPTS
            if retriable and tries < MAX_ATTEMPTS:
                continue
            logger.warning(
                "Deadline %s of complaint %s due %s was not acted on: %s",
                deadline.clock,
                deadline.complaint_id,
                format_timestamp(deadline.due_at),
                result,
            )
        return recorded

    def command_for(self, deadline: ScheduledDeadline) -> ComplaintActionCommand:
        """Return the command acting on ``deadline``, dated as the module describes."""
        common = {
            "command_id": _command_id(deadline),
            "complaint_id": deadline.complaint_id,
            "occurred_at": max(deadline.due_at, deadline.last_occurred_at),
            "actor": self._actor,
            "correlation_id": f"deadline:{deadline.complaint_id}",
            "expected_version": deadline.version,
        }
        if deadline.clock is DeadlineClock.AUTO_CLOSE:
            return CloseComplaint(
                **common, note="closed automatically: no reply after the response"
            )
        if deadline.clock is DeadlineClock.PENDING_ARCHIVE:
            return ArchiveComplaint(
                **common,
                reason=ArchiveReason.PENDING_NOT_COMPLETED,
                note="the reporter did not complete the complaint in time",
            )
        return EscalateComplaint(**common, clock=deadline.clock, due_at=deadline.due_at)

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Run passes on the scheduler's clock until ``stop`` is set."""
        logger.info("Deadline scheduler started")
        while not stop.is_set():
            now = self._clock()
            try:
                recorded = await asyncio.to_thread(self.run_until, now)
            except Exception:
                logger.exception("Deadline scheduler pass failed; retrying")
                recorded = 0
            if recorded:
                logger.info("Deadline scheduler recorded %d actions", recorded)
            try:
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
            except TimeoutError:
                continue
        logger.info("Deadline scheduler stopped")


def _settled(attempts: dict[str, int], command_id: str) -> bool:
    return attempts.get(command_id, 0) >= MAX_ATTEMPTS


def _one_per_complaint(
    deadlines: list[ScheduledDeadline],
) -> list[ScheduledDeadline]:
    """Keep each complaint's first deadline: the others wait for its new version."""
    seen: set[UUID] = set()
    kept = []
    for deadline in deadlines:
        if deadline.complaint_id not in seen:
            seen.add(deadline.complaint_id)
            kept.append(deadline)
    return kept


def _command_id(deadline: ScheduledDeadline) -> str:
    due = format_timestamp(deadline.due_at)
    return f"deadline:{deadline.complaint_id}:{deadline.clock}:{due}"

"""Historical replay: deadlines fall where they would have, not where they are now.

``ReplaySink`` wraps the sink an import sends its commands to. Before each
batch it lets the deadline scheduler act on every complaint of the batch up to
the time of that complaint's next command, so an escalation or automatic
closing that was due before the next action is recorded before it, dated at
its due moment. After the import, ``finish`` advances every complaint it saw
to the end of its history's period (the latest action time in the import), so
clocks still running then fire as they would have on that day and no later.

Each complaint's clock is its own: deadlines depend on one complaint's events
only, so a replay need not order different complaints' commands by time.
Events are recorded at the real time of the replay; only the times the
actions happened come from the history.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from gateway.application import target_of

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from uuid import UUID

    from adapters.sink import CommandSink, SinkResult
    from gateway.complaint import ComplaintCommand
    from gateway.scheduler import DeadlineScheduler

logger = logging.getLogger(__name__)

FINISH_CHUNK = 2000
"""Complaints per scheduler pass at the end, to keep each query's id list short."""


class ReplaySink:
    """A command sink that runs the scheduler on historical time; see the module."""

    def __init__(self, sink: CommandSink, scheduler: DeadlineScheduler) -> None:
        self._sink = sink
        self._scheduler = scheduler
        self.complaints: set[UUID] = set()
        self.horizon: datetime | None = None
        self.deadline_actions = 0

    def submit(self, commands: Sequence[ComplaintCommand]) -> list[SinkResult]:
        until: dict[UUID, datetime] = {}
        for command in commands:
            complaint_id = target_of(command)
            known = until.get(complaint_id)
            if known is None or command.occurred_at < known:
                until[complaint_id] = command.occurred_at
            if self.horizon is None or command.occurred_at > self.horizon:
                self.horizon = command.occurred_at
        existing = {c: t for c, t in until.items() if c in self.complaints}
        self.deadline_actions += self._scheduler.run_for(existing)
        self.complaints.update(until)
        return self._sink.submit(commands)

    def finish(self) -> int:
        """Act on the deadlines due by the end of the history; return how many."""
        if self.horizon is None or not self.complaints:
            return 0
        complaints = sorted(self.complaints)
        acted = 0
        for start in range(0, len(complaints), FINISH_CHUNK):
            chunk = complaints[start : start + FINISH_CHUNK]
            acted += self._scheduler.run_for(dict.fromkeys(chunk, self.horizon))
        self.deadline_actions += acted
        logger.info(
            "Replay finished at %s: %d deadline actions on %d complaints",
            self.horizon.isoformat(),
            self.deadline_actions,
            len(self.complaints),
        )
        return acted

"""Sending converted rows to a sink in rounds, one run of commands per complaint.

A run is a complaint's next commands from one agency (a submission, its
verification and its disposition, say). Each round sends the next run of
every complaint in the chunk in one sink call. So a complaint's commands keep
their order, the gateway loads each complaint once per round, and an HTTP
sink sends each agency's share of a round in one request. When the gateway
rejects a command, the complaint's later runs are not sent (they would act
on a state the rejected command did not make); the import counts them as
skipped. Commands after the rejected one in the same run are still decided.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from adapters.sink import SinkStatus
from gateway.application import target_of

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from adapters.files.outcomes import ConvertedRow
    from adapters.files.result import ImportTally
    from adapters.sink import CommandSink
    from gateway.complaint import ComplaintCommand

_Queued = tuple[int, "ComplaintCommand"]
"""A command and the line of the row it came from."""


class Dispatcher:
    """Sends chunks of converted rows through ``sink`` and counts the results."""

    def __init__(self, sink: CommandSink, tally: ImportTally) -> None:
        self.sink = sink
        self.tally = tally
        self._broken: set[UUID] = set()
        """Complaints with a rejected command in this import."""

    def send(self, rows: Sequence[ConvertedRow]) -> None:
        """Send every command of ``rows``, each complaint's in order."""
        queues: dict[UUID, deque[_Queued]] = {}
        for row in rows:
            for command in row.commands:
                queues.setdefault(target_of(command), deque()).append(
                    (row.line, command)
                )
        while queues:
            batch = self._next_round(queues)
            if batch:
                self._send_round(batch)

    def _next_round(
        self, queues: dict[UUID, deque[_Queued]]
    ) -> list[tuple[UUID, int, ComplaintCommand]]:
        batch = []
        for complaint in list(queues):
            queue = queues.pop(complaint)
            if complaint in self._broken:
                self.tally.commands_skipped += len(queue)
                continue
            agency = queue[0][1].actor.agency
            while queue and queue[0][1].actor.agency == agency:
                line, command = queue.popleft()
                batch.append((complaint, line, command))
            if queue:
                queues[complaint] = queue
        return batch

    def _send_round(self, batch: list[tuple[UUID, int, ComplaintCommand]]) -> None:
        results = self.sink.submit([command for _, _, command in batch])
        for (complaint, line, command), result in zip(batch, results, strict=True):
            self.tally.count_command(line, command, result)
            if result.status is SinkStatus.REJECTED:
                self._broken.add(complaint)

"""Replaying the input files through the file adapters, one source after another.

Each import sends its commands through ``ReplaySink`` (the deadline
scheduler acts on historical time before each batch) into the in-process
sink (the claim check against the registry, then the application service).
A counting layer in between records how many complaints each source
submitted, so the summary can compare them with what the projections hold.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.files.importer import run_import
from adapters.files.profiles import DEFAULT_SEED, ProfileContext, profile_named
from adapters.mapping import (
    DEFAULT_MAPPINGS_DIR,
    MappingCatalog,
    MappingMetrics,
    StatusMapper,
)
from adapters.sink import InProcessSink, SinkError, SinkStatus
from gateway.complaint.commands import SubmitComplaint
from gateway.replay import ReplaySink
from gateway.scheduler import DeadlineScheduler
from monitoring.metrics import SchedulerMetrics

if TYPE_CHECKING:
    import datetime as dt
    import threading
    from collections.abc import Sequence

    from adapters.files.result import ImportResult
    from adapters.sink import CommandSink, SinkResult
    from gateway.complaint import ComplaintCommand
    from gateway.processes import Runtime
    from mainjob.plan import Source

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class SubmissionCounter:
    """Passes commands on and counts the complaints newly submitted."""

    sink: CommandSink
    cancelled: threading.Event
    submitted: int = 0
    by_status: Counter[str] = field(default_factory=Counter)

    def submit(self, commands: Sequence[ComplaintCommand]) -> list[SinkResult]:
        if self.cancelled.is_set():
            raise SinkError("the import was stopped by a signal")
        results = self.sink.submit(commands)
        for command, result in zip(commands, results, strict=True):
            self.by_status[result.status.value] += 1
            if (
                isinstance(command, SubmitComplaint)
                and result.status is SinkStatus.ACCEPTED
            ):
                self.submitted += 1
        return results


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """One source's import result and what the replay added to it."""

    source: Source
    result: ImportResult
    complaints_submitted: int
    """Complaints this import created in the store."""
    deadline_actions: int
    """Escalations, automatic closings and archivings the scheduler recorded."""
    horizon: dt.datetime | None
    """The latest action time in the source: the end of its history."""


class Importer:
    """Imports sources into one runtime's service, with one scheduler for all."""

    def __init__(self, runtime: Runtime, cancelled: threading.Event) -> None:
        self._runtime = runtime
        self._cancelled = cancelled
        self._scheduler = DeadlineScheduler(
            runtime.service, SchedulerMetrics(runtime.metrics)
        )
        catalog = MappingCatalog.load(DEFAULT_MAPPINGS_DIR)
        mapper = StatusMapper(catalog, metrics=MappingMetrics(runtime.metrics))
        self._context = ProfileContext(mapper, seed=DEFAULT_SEED)

    def run(self, source: Source, *, limit: int | None) -> ImportOutcome:
        """Import one source and act on the deadlines due by the end of its history."""
        profile = profile_named(source.profile, self._context)
        counter = SubmissionCounter(
            InProcessSink(self._runtime.service, self._runtime.registry),
            self._cancelled,
        )
        replay = ReplaySink(counter, self._scheduler)
        result = run_import(profile, source.path, replay, limit=limit, progress=True)
        replay.finish()
        logger.info(
            "Imported %s: %d complaints submitted, %d deadline actions",
            source.path.name,
            counter.submitted,
            replay.deadline_actions,
        )
        return ImportOutcome(
            source=source,
            result=result,
            complaints_submitted=counter.submitted,
            deadline_actions=replay.deadline_actions,
            horizon=replay.horizon,
        )

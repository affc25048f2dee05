"""Applying changes read from an agency system, for both polling adapters.

For each change the applier skips versions applied before, reads the
complaint's current state, maps the agency's status, plans the commands
(:mod:`adapters.sqlpoll.changes`) and sends them through the command sink.
Every change ends with one outcome, counted in
``lapor_adapter_changes_total``. A sink failure stops the poll before its
state is saved, so the next poll reads the same changes again. The derived
command ids make that harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from adapters.mapping import MoveKind
from adapters.sink import SinkStatus
from adapters.sqlpoll.changes import PlanKind, notes_digest, plan

if TYPE_CHECKING:
    from collections.abc import Sequence

    from adapters.mapping import StatusMapper
    from adapters.sink import CommandSink, SinkResult
    from adapters.sqlpoll.changes import Snapshot, SourceChange
    from adapters.sqlpoll.checkpoints import CheckpointStore, PollProgress
    from adapters.sqlpoll.complaints import ComplaintReader
    from gateway.complaint import ComplaintCommand
    from gateway.complaint.commands import SubmitComplaint
    from monitoring.adapters import PollMetrics

logger = logging.getLogger(__name__)

OTHER_AGENCY = "other"


class Outcome(StrEnum):
    """The outcome of one change, one of ``CHANGE_OUTCOMES``."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    UNCHANGED = "unchanged"
    UNMAPPED = "unmapped"
    BACKWARD = "backward"
    NOT_HELD = "not_held"
    UNSUPPORTED = "unsupported"
    UNKNOWN_COMPLAINT = "unknown_complaint"
    REJECTED = "rejected"
    MALFORMED = "malformed"


PLAN_OUTCOMES = {
    PlanKind.UNCHANGED: Outcome.UNCHANGED,
    PlanKind.UNMAPPED: Outcome.UNMAPPED,
    PlanKind.BACKWARD: Outcome.BACKWARD,
    PlanKind.NOT_HELD: Outcome.NOT_HELD,
    PlanKind.UNSUPPORTED: Outcome.UNSUPPORTED,
}


class ComplaintCreator(Protocol):
    """Builds the submission of a complaint a change names but the gateway lacks."""

    def submission(self, change: SourceChange) -> SubmitComplaint | None: ...


@dataclass(frozen=True, slots=True)
class PollerIdentity:
    """The poller's name, adapter and agency, for state keys, labels and logs."""

    name: str
    """Key of the poller's state (watermark, seen changes)."""
    adapter: str
    """``sqlpoll`` or ``open311``: the ``adapter`` metric label."""
    agency: str
    label_agencies: frozenset[str] = frozenset()
    """Agencies allowed as metric label values; others are counted as ``other``."""

    @property
    def agency_label(self) -> str:
        if not self.label_agencies or self.agency in self.label_agencies:
            return self.agency
        return OTHER_AGENCY


class ChangeApplier:
    """Applies a poll's changes; see the module docstring."""

    def __init__(  # noqa: PLR0913 (every collaborator is injected)
        self,
        identity: PollerIdentity,
        *,
        sink: CommandSink,
        complaints: ComplaintReader,
        mapper: StatusMapper,
        store: CheckpointStore,
        metrics: PollMetrics | None = None,
        creator: ComplaintCreator | None = None,
    ) -> None:
        self.identity = identity
        self.sink = sink
        self.complaints = complaints
        self.mapper = mapper
        self.store = store
        self.metrics = metrics
        self.creator = creator

    def apply(
        self, changes: Sequence[SourceChange], progress: PollProgress
    ) -> dict[Outcome, int]:
        """Apply the changes in order and note them in ``progress``."""
        counts: dict[Outcome, int] = {}
        seen = self.store.seen(self.identity.name, [c.key for c in changes])
        for change in changes:
            if change.key in seen or change.key in progress.seen:
                outcome = Outcome.DUPLICATE
            else:
                outcome = self._apply_one(change, progress)
                if outcome is not Outcome.UNKNOWN_COMPLAINT:
                    progress.seen[change.key] = (change.occurred_at, outcome.value)
            counts[outcome] = counts.get(outcome, 0) + 1
            self.count(outcome)
        return counts

    def count(self, outcome: Outcome, amount: int = 1) -> None:
        if self.metrics is not None:
            identity = self.identity
            self.metrics.changes.labels(
                identity.adapter, identity.agency_label, outcome.value
            ).inc(amount)

    def _apply_one(self, change: SourceChange, progress: PollProgress) -> Outcome:
        snapshot = self.complaints.snapshot(change.complaint_id)
        if snapshot is None and self.creator is not None:
            # An unmapped status creates nothing either.
            initial = self.mapper.move(
                change.source, change.agency, change.status, None
            )
            if initial.kind is MoveKind.UNMAPPED:
                return Outcome.UNMAPPED
            snapshot = self._create(change, self.creator)
        if snapshot is None:
            logger.warning(
                "Change %s of %s names complaint %s, which the gateway does not "
                "have; it is read again while inside the overlap",
                change.reference,
                self.identity.name,
                change.complaint_id,
            )
            return Outcome.UNKNOWN_COMPLAINT
        snapshot = replace(
            snapshot, last_notes_digest=self._last_notes(change.reference, progress)
        )
        move = self.mapper.move(
            change.source, change.agency, change.status, snapshot.status
        )
        planned = plan(change, snapshot, move)
        if planned.kind is not PlanKind.COMMANDS:
            return PLAN_OUTCOMES[planned.kind]
        return self._send(change, planned.commands, progress)

    def _send(
        self,
        change: SourceChange,
        commands: Sequence[ComplaintCommand],
        progress: PollProgress,
    ) -> Outcome:
        results = self._submit(commands)
        rejected = [r for r in results if r.status is SinkStatus.REJECTED]
        if rejected:
            first = rejected[0]
            logger.warning(
                "Change %s of %s was rejected (%s): %s",
                change.reference,
                self.identity.name,
                first.code,
                first.detail,
            )
            return Outcome.REJECTED
        progress.notes[change.reference] = notes_digest(change.notes)
        if all(r.status is SinkStatus.DUPLICATE for r in results):
            return Outcome.DUPLICATE
        return Outcome.APPLIED

    def _create(
        self, change: SourceChange, creator: ComplaintCreator
    ) -> Snapshot | None:
        submission = creator.submission(change)
        if submission is None:
            return None
        result = self._submit([submission])[0]
        if result.status is SinkStatus.REJECTED:
            logger.warning(
                "Submission of %s from %s was rejected (%s): %s",
                change.reference,
                self.identity.name,
                result.code,
                result.detail,
            )
            return None
        return self.complaints.snapshot(change.complaint_id)

    def _submit(self, commands: Sequence[ComplaintCommand]) -> list[SinkResult]:
        results = self.sink.submit(commands)
        if self.metrics is not None:
            identity = self.identity
            for result in results:
                self.metrics.commands.labels(
                    identity.adapter, identity.agency_label, result.status.value
                ).inc()
        return results

    def _last_notes(self, reference: str, progress: PollProgress) -> str | None:
        if reference in progress.notes:
            return progress.notes[reference]
        return self.store.notes_digest(self.identity.name, reference)

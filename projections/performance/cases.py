"""Cases: one complaint as one holder had it, folded from the complaint's timeline.

Every complaint gives a national case (the whole complaint), one case per
agency that held it and one per unit it was forwarded to. A complaint that
returns to an agency it left gives that agency one case, not two. Metrics
count cases, so an agency is judged on the complaints it received.

A case's follow-up clock starts at each *spell start*: for an agency, the
disposition or re-disposition to it, or its verification of a complaint the
reporter sent straight to it; for a unit, the forward to it; for the national
case, every agency spell start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from gateway.complaint.state import Status
from projections.performance.steps import StepKind

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterator

    from projections.performance.timeline import Step, Timeline


class ScopeKind(StrEnum):
    NATIONAL = "national"
    AGENCY = "agency"
    UNIT = "unit"


@dataclass(frozen=True, slots=True, order=True)
class Scope:
    """Whose figures: all complaints, one agency's, or one unit's of an agency."""

    kind: ScopeKind
    agency: str = ""
    unit: str = ""

    @classmethod
    def of_agency(cls, agency: str) -> Scope:
        return cls(ScopeKind.AGENCY, agency)

    @classmethod
    def of_unit(cls, agency: str, unit: str) -> Scope:
        return cls(ScopeKind.UNIT, agency, unit)


NATIONAL = Scope(ScopeKind.NATIONAL)


class Outcome(StrEnum):
    """Where a case stands for its holder, as of the moment of the timeline."""

    IN_PROCESS = "in_process"
    FINISHED = "finished"
    """Closed while this holder had the complaint."""
    DELETED_OR_ARCHIVED = "deleted_or_archived"
    PASSED_ON = "passed_on"
    """Declined, re-dispositioned or forwarded away; another holder has it now."""


@dataclass(slots=True)
class Case:
    """One complaint as one holder had it, up to the timeline's "as of" moment."""

    scope: Scope
    complaint_id: str
    submitted_at: dt.datetime
    received_at: dt.datetime
    pending: list[tuple[dt.datetime, dt.datetime | None]]
    """The complaint's pending (tunda) intervals; the last may still be open."""
    spell_starts: list[dt.datetime] = field(default_factory=list)
    first_follow_up_at: dt.datetime | None = None
    follow_up_spell_start: dt.datetime | None = None
    """Start of the spell in which the first follow-up was recorded."""
    first_response_at: dt.datetime | None = None
    first_closed_at: dt.datetime | None = None
    first_closing_mode: str | None = None
    reopened: bool = False
    declined: bool = False
    """Declined (bukan wewenang) by this agency; for the national case, by any."""
    redispositioned: bool = False
    """Moved away from this holder by a re-disposition (or, for a unit, a forward)."""
    removed_at_verification: bool = False
    """Deleted or archived before any disposition."""
    escalations: int = 0
    outcome: Outcome = Outcome.IN_PROCESS
    bounced: bool = False
    """The complaint was re-dispositioned at least twice (saling lempar)."""

    @property
    def dispositioned(self) -> bool:
        """Whether the holder received the complaint for handling at least once."""
        return bool(self.spell_starts)

    @property
    def handled(self) -> bool:
        """Whether the case counts for the follow-up shares.

        A case passed on without a follow-up by this holder is left out; the
        decline and re-disposition shares count it instead.
        """
        if not self.dispositioned:
            return False
        return not (
            self.outcome is Outcome.PASSED_ON and self.first_follow_up_at is None
        )


@dataclass(frozen=True, slots=True)
class FoldedComplaint:
    """The cases of one complaint and the agencies it passed through."""

    cases: tuple[Case, ...]
    holders: tuple[str, ...]
    """Every agency that received the complaint, in order, repeats included."""
    redispositions: int


_SETTLED_OUTCOMES = {
    Status.CLOSED: Outcome.FINISHED,
    Status.DELETED: Outcome.DELETED_OR_ARCHIVED,
    Status.ARCHIVED: Outcome.DELETED_OR_ARCHIVED,
}
_BEFORE_DISPOSITION = frozenset({Status.SUBMITTED, Status.PENDING, Status.VERIFIED})
BOUNCE_REDISPOSITIONS = 2
"""Re-dispositions from which a complaint counts as bounced between agencies."""


def fold_complaint(timeline: Timeline) -> FoldedComplaint:
    """Return the cases of a complaint from its timeline (which must not be empty)."""
    folder = _Folder(timeline)
    for step in timeline.steps:
        folder.take(step)
    return folder.finish()


class _Folder:
    """The fold of one timeline; ``holder``, ``unit`` and ``status`` are current."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.cases: dict[Scope, Case] = {}
        self.pending: list[tuple[dt.datetime, dt.datetime | None]] = []
        self.holder: str | None = None
        self.unit: str | None = None
        self.status = Status.SUBMITTED
        self.holders: list[str] = []
        self.redispositions = 0

    def take(self, step: Step) -> None:
        _HANDLERS[step.kind](self, step)
        self.holder, self.unit, self.status = step.holder, step.unit, step.status

    def finish(self) -> FoldedComplaint:
        bounced = self.redispositions >= BOUNCE_REDISPOSITIONS
        for case in self.cases.values():
            case.outcome = self._outcome(case.scope)
            case.bounced = bounced
        return FoldedComplaint(
            cases=tuple(self.cases.values()),
            holders=tuple(self.holders),
            redispositions=self.redispositions,
        )

    def _outcome(self, scope: Scope) -> Outcome:
        holds = scope.kind is ScopeKind.NATIONAL or (
            scope.agency == self.holder
            and (scope.kind is ScopeKind.AGENCY or scope.unit == self.unit)
        )
        if not holds:
            return Outcome.PASSED_ON
        return _SETTLED_OUTCOMES.get(self.status, Outcome.IN_PROCESS)

    # Cases.

    def open_case(self, scope: Scope, at: dt.datetime) -> Case:
        case = self.cases.get(scope)
        if case is None:
            case = Case(
                scope=scope,
                complaint_id=self.timeline.complaint_id,
                submitted_at=self.timeline.submitted_at,
                received_at=at,
                pending=self.pending,
            )
            self.cases[scope] = case
        return case

    def current_cases(self) -> Iterator[Case]:
        """Yield the national case and the cases of the current holder and unit."""
        scopes = [NATIONAL]
        if self.holder is not None:
            scopes.append(Scope.of_agency(self.holder))
            if self.unit is not None:
                scopes.append(Scope.of_unit(self.holder, self.unit))
        for scope in scopes:
            case = self.cases.get(scope)
            if case is not None:
                yield case

    def hand_to(self, agency: str, at: dt.datetime) -> None:
        """Start a spell of ``agency`` (and of the national case) at ``at``."""
        self.open_case(Scope.of_agency(agency), at).spell_starts.append(at)
        self.cases[NATIONAL].spell_starts.append(at)
        self.holders.append(agency)

    def leave(self, scope: Scope) -> None:
        case = self.cases.get(scope)
        if case is not None:
            case.redispositioned = True


def _submitted(folder: _Folder, step: Step) -> None:
    folder.open_case(NATIONAL, step.occurred_at)
    if step.holder is not None:
        folder.open_case(Scope.of_agency(step.holder), step.occurred_at)
        folder.holders.append(step.holder)


def _verified(folder: _Folder, step: Step) -> None:
    # Verification by the agency the reporter chose is also its disposition.
    if folder.holder is not None:
        case = folder.open_case(Scope.of_agency(folder.holder), step.occurred_at)
        case.spell_starts.append(step.occurred_at)
        folder.cases[NATIONAL].spell_starts.append(step.occurred_at)


def _dispositioned(folder: _Folder, step: Step) -> None:
    if step.holder is not None:
        folder.hand_to(step.holder, step.occurred_at)


def _redispositioned(folder: _Folder, step: Step) -> None:
    folder.redispositions += 1
    folder.cases[NATIONAL].redispositioned = True
    if step.detail is not None:
        folder.leave(Scope.of_agency(step.detail))
    if folder.holder is not None and folder.unit is not None:
        folder.leave(Scope.of_unit(folder.holder, folder.unit))
    _dispositioned(folder, step)


def _declined(folder: _Folder, _step: Step) -> None:
    folder.cases[NATIONAL].declined = True
    for case in folder.current_cases():
        if case.scope.kind is ScopeKind.AGENCY:
            case.declined = True


def _forwarded(folder: _Folder, step: Step) -> None:
    if folder.holder is None or step.unit is None:
        return
    if folder.unit is not None and folder.unit != step.unit:
        folder.leave(Scope.of_unit(folder.holder, folder.unit))
    scope = Scope.of_unit(folder.holder, step.unit)
    folder.open_case(scope, step.occurred_at).spell_starts.append(step.occurred_at)


def _follow_up(folder: _Folder, step: Step) -> None:
    for case in folder.current_cases():
        _record_follow_up(case, step.occurred_at)


def _response(folder: _Folder, step: Step) -> None:
    for case in folder.current_cases():
        _record_follow_up(case, step.occurred_at)
        if case.first_response_at is None:
            case.first_response_at = step.occurred_at


def _record_follow_up(case: Case, at: dt.datetime) -> None:
    if case.first_follow_up_at is not None:
        return
    case.first_follow_up_at = at
    case.follow_up_spell_start = (
        case.spell_starts[-1] if case.spell_starts else case.received_at
    )


def _closed(folder: _Folder, step: Step) -> None:
    for case in folder.current_cases():
        if case.first_closed_at is None:
            case.first_closed_at = step.occurred_at
            case.first_closing_mode = step.detail


def _reopened(folder: _Folder, _step: Step) -> None:
    for case in folder.current_cases():
        if case.first_closed_at is not None:
            case.reopened = True


def _removed(folder: _Folder, step: Step) -> None:
    _end_pending(folder, step)
    if folder.status not in _BEFORE_DISPOSITION:
        return
    for case in folder.current_cases():
        case.removed_at_verification = True


def _set_pending(folder: _Folder, step: Step) -> None:
    folder.pending.append((step.occurred_at, None))


def _end_pending(folder: _Folder, step: Step) -> None:
    if folder.pending and folder.pending[-1][1] is None:
        started, _ = folder.pending[-1]
        folder.pending[-1] = (started, step.occurred_at)


def _escalated(folder: _Folder, _step: Step) -> None:
    for case in folder.current_cases():
        case.escalations += 1


def _no_effect(_folder: _Folder, _step: Step) -> None:
    return


_HANDLERS: dict[StepKind, Callable[[_Folder, Step], None]] = {
    StepKind.SUBMITTED: _submitted,
    StepKind.VERIFIED: _verified,
    StepKind.SET_PENDING: _set_pending,
    StepKind.COMPLETED: _end_pending,
    StepKind.DELETED: _removed,
    StepKind.ARCHIVED: _removed,
    StepKind.DISPOSITIONED: _dispositioned,
    StepKind.DECLINED: _declined,
    StepKind.REDISPOSITIONED: _redispositioned,
    StepKind.FORWARDED: _forwarded,
    StepKind.FOLLOW_UP: _follow_up,
    StepKind.RESPONSE: _response,
    StepKind.REPORTER_REPLIED: _no_effect,
    StepKind.CLOSED: _closed,
    StepKind.REOPENED: _reopened,
    StepKind.ESCALATED: _escalated,
}

"""A case's durations in working days and whether its follow-up was on time.

Durations use ``working_time_between``: every working day counts 24 hours
and days off count nothing; the result is divided by one day. Time the
complaint spent pending (tunda) is taken out of the durations measured from
the submission. A duration is ``None`` when the case lacks one of its ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from projections.performance.cases import Case, Outcome

if TYPE_CHECKING:
    from gateway.calendar import WorkingCalendar
    from projections.performance.cases import Scope

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Measures:
    """The measurements of one case as of one moment."""

    to_disposition: float | None
    """Submission to the first spell start, pending time excluded."""
    to_first_follow_up: float | None
    """Start of the spell with the first follow-up, to that follow-up."""
    follow_up_to_response: float | None
    response_to_close: float | None
    to_close: float | None
    """Submission to the first closing, pending time excluded."""
    on_time: bool | None
    """First follow-up within the target; ``None`` while that is not known yet."""


class Meter:
    """Measures cases as of one moment, each case once however often it is asked."""

    def __init__(
        self, calendar: WorkingCalendar, target_days: int, as_of: dt.datetime
    ) -> None:
        self.calendar = calendar
        self.target_days = target_days
        self.as_of = as_of
        self._measured: dict[tuple[str, Scope], Measures] = {}

    def measure(self, case: Case) -> Measures:
        """Return the case's measures, computed on first use."""
        key = (case.complaint_id, case.scope)
        found = self._measured.get(key)
        if found is None:
            found = Measures(
                to_disposition=self._to_disposition(case),
                to_first_follow_up=self._to_first_follow_up(case),
                follow_up_to_response=self._follow_up_to_response(case),
                response_to_close=self._response_to_close(case),
                to_close=self._to_close(case),
                on_time=self._on_time(case) if case.handled else None,
            )
            self._measured[key] = found
        return found

    def _working_days(self, start: dt.datetime, end: dt.datetime) -> float:
        return self.calendar.working_time_between(start, end) / _ONE_DAY

    def _without_pending(self, case: Case, end: dt.datetime) -> float:
        elapsed = self._working_days(case.submitted_at, end)
        for started, ended in case.pending:
            overlap_end = min(ended or end, end)
            if started < overlap_end:
                elapsed -= self._working_days(started, overlap_end)
        return elapsed

    def _on_time(self, case: Case) -> bool | None:
        if case.first_follow_up_at is not None:
            start = case.follow_up_spell_start or case.spell_starts[-1]
            due = self.calendar.add_working_days(start, self.target_days)
            return case.first_follow_up_at <= due
        if case.outcome is not Outcome.IN_PROCESS:
            return False
        due = self.calendar.add_working_days(case.spell_starts[-1], self.target_days)
        return False if self.as_of > due else None

    def _to_disposition(self, case: Case) -> float | None:
        if not case.spell_starts:
            return None
        return self._without_pending(case, case.spell_starts[0])

    def _to_first_follow_up(self, case: Case) -> float | None:
        if case.first_follow_up_at is None or case.follow_up_spell_start is None:
            return None
        return self._working_days(case.follow_up_spell_start, case.first_follow_up_at)

    def _follow_up_to_response(self, case: Case) -> float | None:
        if case.first_follow_up_at is None or case.first_response_at is None:
            return None
        return self._working_days(case.first_follow_up_at, case.first_response_at)

    def _response_to_close(self, case: Case) -> float | None:
        responded, closed = case.first_response_at, case.first_closed_at
        # A national admin may close without a response, and a reopened
        # complaint may get its first response after its first closing.
        if responded is None or closed is None or closed < responded:
            return None
        return self._working_days(responded, closed)

    def _to_close(self, case: Case) -> float | None:
        if case.first_closed_at is None:
            return None
        return self._without_pending(case, case.first_closed_at)

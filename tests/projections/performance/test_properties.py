"""Properties of the figures over random lifecycles driven through the aggregate."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.values import DeadlineClock
from gateway.complaint import ActionRejectedError, Status
from projections.performance.cases import ScopeKind
from projections.performance.figures import DurationSummary, Figures
from projections.performance.periods import Period
from tests.projections.performance.histories import (
    History,
    apply_all,
    figures,
    memory_engine,
    snapshot,
    wib,
)

AGENCIES = ("pemkot-bandung", "pemprov-jabar", "kementerian-pupr")
UNITS = ("dinas-pupr", "kelurahan-sukajadi")
YEAR_START = wib(2025, 1, 2)
RECORDING_DELAYS = st.sampled_from(
    (dt.timedelta(0), dt.timedelta(hours=2), dt.timedelta(days=3))
)
"""How long after each action the gateway records it, per complaint."""
GAPS = st.timedeltas(min_value=dt.timedelta(hours=1), max_value=dt.timedelta(days=12))

NEXT_ACTIONS: dict[Status, tuple[str, ...]] = {
    Status.SUBMITTED: (
        "verify",
        "verify",
        "set_pending",
        "delete",
        "archive",
        "decline",
    ),
    Status.PENDING: ("complete", "complete", "archive"),
    Status.VERIFIED: ("disposition", "disposition", "archive"),
    Status.DISPOSITIONED: (
        "forward",
        "follow_up",
        "respond",
        "decline",
        "redisposition",
        "escalate",
    ),
    Status.DECLINED: ("redisposition", "redisposition", "redisposition", "archive"),
    Status.IN_UNIT: (
        "follow_up",
        "respond",
        "forward",
        "decline",
        "redisposition",
        "escalate",
    ),
    Status.IN_FOLLOW_UP: (
        "follow_up",
        "respond",
        "respond",
        "redisposition",
        "escalate",
    ),
    Status.RESPONDED: ("reply", "close", "auto_close", "auto_close"),
    Status.CLOSED: ("reopen",),
}
"""Actions to try in each status; the rules may still reject one, which is skipped."""


def _take(history: History, action: str, at: dt.datetime, draw: st.DrawFn) -> None:
    if action == "disposition":
        history.disposition(at, draw(st.sampled_from(AGENCIES)))
    elif action == "redisposition":
        history.redisposition(at, draw(st.sampled_from(AGENCIES)))
    elif action == "forward":
        history.forward(at, draw(st.sampled_from(UNITS)))
    elif action == "auto_close":
        history.close(at, automatic=True)
    elif action == "escalate":
        due = history.complaint.due_dates
        due_at = None if due is None else due.first_follow_up_due
        if due_at is not None and at > due_at:
            history.escalate(at, DeadlineClock.FIRST_FOLLOW_UP)
    else:
        getattr(history, action)(at)


@st.composite
def complaint_histories(draw: st.DrawFn) -> History:
    """Return a complaint whose actions are drawn one by one from its status."""
    offset = draw(
        st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=300))
    )
    at = YEAR_START + offset
    target = draw(st.sampled_from((None, *AGENCIES)))
    history = History(at, target=target, recorded_delay=draw(RECORDING_DELAYS))
    for _ in range(draw(st.integers(min_value=0, max_value=16))):
        candidates = NEXT_ACTIONS.get(history.complaint.status, ())
        if not candidates:
            break
        action = draw(st.sampled_from(candidates))
        at += draw(GAPS)
        try:
            _take(history, action, at, draw)
        except (ActionRejectedError, AssertionError):
            continue
    return history


def _shares(found: Figures) -> list[float | None]:
    return [value for name, value in found if name.endswith("_share")]


def _durations(found: Figures) -> list[DurationSummary]:
    return [value for _, value in found if isinstance(value, DurationSummary)]


def _check_one_scope(found: Figures) -> None:
    outcomes = (
        found.in_process + found.finished + found.deleted_or_archived + found.passed_on
    )
    assert found.received == outcomes, found
    assert found.dispositioned <= found.received, found
    assert found.handled <= found.dispositioned, found
    assert found.followed_up <= found.handled, found
    assert found.followed_up_within_target <= found.follow_up_decided, found
    assert found.follow_up_decided <= found.handled, found
    assert found.closed_automatic + found.closed_explicit == found.closed, found
    assert found.reopened <= found.closed, found
    for share in _shares(found):
        assert share is None or 0.0 <= share <= 1.0, found
    for summary in _durations(found):
        assert summary.mean is None or summary.mean >= 0.0, found
        assert summary.median is None or summary.median >= 0.0, found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories=st.lists(complaint_histories(), min_size=1, max_size=4))
def test_counts_add_up_and_shares_bounded(histories):
    engine = memory_engine()
    apply_all(engine, histories)
    result = figures(engine, "2025", wib(2026, 6, 30))
    national = result.scope()
    assert national is not None
    assert national.received == len(histories)
    assert national.passed_on == 0
    for found in result.figures:
        _check_one_scope(found)
    agencies_received = sum(
        f.received for f in result.figures if f.scope is ScopeKind.AGENCY
    )
    assert agencies_received >= national.dispositioned


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories=st.lists(complaint_histories(), min_size=1, max_size=3))
def test_months_add_up_to_the_year(histories):
    engine = memory_engine()
    apply_all(engine, histories)
    as_of = wib(2026, 6, 30)
    year = figures(engine, "2025", as_of).scope()
    assert year is not None
    monthly = [
        figures(engine, month.label, as_of).scope()
        for month in Period.parse("2025").months()
    ]
    assert sum(m.received for m in monthly if m is not None) == year.received
    assert sum(m.finished for m in monthly if m is not None) == year.finished


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    histories=st.lists(complaint_histories(), min_size=1, max_size=3),
    cut=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=420)),
)
def test_as_of_ignores_later_events(histories, cut):
    as_of = YEAR_START + cut
    full = memory_engine()
    apply_all(full, histories)
    known = memory_engine()
    apply_all(known, histories, until=as_of)
    for period in ("2025", "2025-03"):
        assert figures(full, period, as_of) == figures(known, period, as_of)
    assert snapshot(full, as_of) == snapshot(known, as_of)

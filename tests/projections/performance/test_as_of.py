"""Figures "as of" a moment count only the events known by then."""

from __future__ import annotations

import datetime as dt

from gateway.complaint.state import Status
from projections.performance.periods import Period
from projections.performance.report import build_report
from tests.projections.performance.histories import (
    History,
    apply_all,
    figures,
    memory_engine,
    scope_of,
    snapshot,
    wib,
)

AGENCY = "pemkot-bandung"


def handled_history(recorded_delay: dt.timedelta = dt.timedelta(0)) -> History:
    return (
        History(wib(2025, 9, 1), recorded_delay=recorded_delay)
        .verify(wib(2025, 9, 1, 10))
        .disposition(wib(2025, 9, 1, 11), AGENCY)
        .follow_up(wib(2025, 9, 3))
        .respond(wib(2025, 9, 8))
        .close(wib(2025, 10, 2))
    )


def test_as_of_before_follow_up():
    engine = memory_engine()
    apply_all(engine, [handled_history()])
    before = scope_of(figures(engine, "2025-09", wib(2025, 9, 2)), AGENCY)
    assert before.followed_up == 0
    assert before.in_process == 1
    after = scope_of(figures(engine, "2025-09", wib(2025, 9, 3)), AGENCY)
    assert after.followed_up == 1


def test_event_recorded_after_as_of_ignored():
    engine = memory_engine()
    apply_all(engine, [handled_history(recorded_delay=dt.timedelta(hours=6))])
    # The follow-up occurred at 09:00 but the gateway recorded it at 15:00.
    between = scope_of(figures(engine, "2025-09", wib(2025, 9, 3, 12)), AGENCY)
    assert between.followed_up == 0
    later = scope_of(figures(engine, "2025-09", wib(2025, 9, 3, 15)), AGENCY)
    assert later.followed_up == 1


def test_complaint_unknown_at_as_of_left_out():
    engine = memory_engine()
    apply_all(engine, [handled_history(recorded_delay=dt.timedelta(hours=6))])
    result = figures(engine, "2025-09", wib(2025, 9, 1, 12))
    assert scope_of(result).received == 0
    assert snapshot(engine, wib(2025, 9, 1, 12)).backlog == ()


def test_backlog_as_of_past_status():
    engine = memory_engine()
    apply_all(engine, [handled_history()])
    (count,) = snapshot(engine, wib(2025, 9, 5)).backlog
    assert count.stage is Status.IN_FOLLOW_UP
    assert snapshot(engine, wib(2025, 10, 3)).backlog == ()


def test_report_defaults_to_period_end():
    engine = memory_engine()
    apply_all(engine, [handled_history()])
    with engine.connect() as connection:
        report = build_report(connection, Period.parse("2025-09"))
    assert report.as_of == wib(2025, 9, 30, 23, 59) + dt.timedelta(
        seconds=59, microseconds=999_999
    )
    agency = report.figures.scope(AGENCY)
    assert agency is not None
    # Closed on 2 October, after the period's end.
    assert agency.finished == 0
    assert agency.in_process == 1

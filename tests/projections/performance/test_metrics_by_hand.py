"""Each metric on small histories whose figures are worked out by hand.

Working time counts every working day in full and days off not at all
(national calendar, WIB). In 2025, 28 March to 7 April are days off (Nyepi,
Idul Fitri and its cuti bersama), as are 6 and 9 June (Idul Adha and its
cuti bersama) and 12, 13, 29 and 30 May.
"""

from __future__ import annotations

import pytest

from events.values import DeadlineClock
from gateway.complaint.state import Status
from gateway.deadlines import ClockName
from projections.performance.backlog import BacklogCount, OverdueCount
from projections.performance.queries import BounceChain
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
OTHER = "pemprov-jabar"
THIRD = "kementerian-pupr"
UNIT = "dinas-pupr"
OTHER_UNIT = "kelurahan-sukajadi"


def idul_fitri_history(follow_up_day: int) -> History:
    """Dispositioned on Thursday 27 March 2025, just before Idul Fitri."""
    return (
        History(wib(2025, 3, 24))
        .verify(wib(2025, 3, 25))
        .disposition(wib(2025, 3, 27, 10), AGENCY)
        .follow_up(wib(2025, 4, follow_up_day))
        .respond(wib(2025, 4, 15))
        .close(wib(2025, 4, 16))
    )


def test_follow_up_before_idul_fitri_on_time():
    engine = memory_engine()
    apply_all(engine, [idul_fitri_history(follow_up_day=14)])
    result = figures(engine, "2025-03", wib(2025, 4, 30))
    for found in (scope_of(result), scope_of(result, AGENCY)):
        # 27 Mar 10:00 -> 14 Apr 09:00: 14 h + 8, 9, 10, 11 Apr + 9 h = 119 h.
        assert found.days_to_first_follow_up.mean == pytest.approx(119 / 24)
        # 24 Mar 09:00 -> 27 Mar 10:00: 15 h + 25, 26 Mar + 10 h = 73 h.
        assert found.days_to_disposition.mean == pytest.approx(73 / 24)
        assert found.days_follow_up_to_response.mean == pytest.approx(1.0)
        assert found.days_response_to_close.mean == pytest.approx(1.0)
        # 15 h + 25-27 Mar + 8-15 Apr (6 days) + 9 h = 10 working days.
        assert found.days_to_close.mean == pytest.approx(10.0)
        assert found.followed_up_within_target == 1
        assert found.followed_up_within_target_share == 1.0
        assert found.finished == 1
        assert found.closed_explicit == 1
        assert found.explicit_close_share == 1.0
        assert found.automatic_close_share == 0.0
        assert found.good is True


def test_follow_up_after_idul_fitri_late():
    engine = memory_engine()
    apply_all(engine, [idul_fitri_history(follow_up_day=15)])
    found = scope_of(figures(engine, "2025-03", wib(2025, 4, 30)), AGENCY)
    # Due at the end of 14 April, the fifth working day after 27 March.
    assert found.follow_up_decided == 1
    assert found.followed_up_within_target == 0
    assert found.followed_up_within_target_share == 0.0
    assert found.followed_up_share == 1.0
    assert found.days_to_first_follow_up.mean == pytest.approx(143 / 24)


def test_pending_time_excluded_from_durations():
    history = (
        History(wib(2025, 6, 2))
        .set_pending(wib(2025, 6, 3))
        .complete(wib(2025, 6, 5))
        .verify(wib(2025, 6, 5, 15))
        .disposition(wib(2025, 6, 10), AGENCY)
        .respond(wib(2025, 6, 11))
        .close(wib(2025, 6, 12))
    )
    engine = memory_engine()
    apply_all(engine, [history])
    found = scope_of(figures(engine, "2025-06", wib(2025, 6, 30)), AGENCY)
    # 2 Jun 09:00 -> 10 Jun 09:00 is 4 working days (6 and 9 June are off);
    # pending 3 Jun 09:00 -> 5 Jun 09:00 is 2 of them.
    assert found.days_to_disposition.mean == pytest.approx(2.0)
    # 2 -> 12 June is 6 working days, less the 2 pending.
    assert found.days_to_close.mean == pytest.approx(4.0)
    # A response without a follow-up counts as the first follow-up.
    assert found.days_to_first_follow_up.mean == pytest.approx(1.0)
    assert found.days_follow_up_to_response.mean == pytest.approx(0.0)


def test_follow_up_undecided_within_target():
    history = (
        History(wib(2025, 5, 2))
        .verify(wib(2025, 5, 2, 10))
        .disposition(wib(2025, 5, 5), AGENCY)
    )
    engine = memory_engine()
    apply_all(engine, [history])
    early = scope_of(figures(engine, "2025-05", wib(2025, 5, 7)), AGENCY)
    assert early.handled == 1
    assert early.followed_up_share == 0.0
    assert early.follow_up_decided == 0
    assert early.followed_up_within_target_share is None
    assert early.good is False
    # Due at the end of 14 May (12 and 13 May are days off), so late by 15 May.
    late = scope_of(figures(engine, "2025-05", wib(2025, 5, 15)), AGENCY)
    assert late.follow_up_decided == 1
    assert late.followed_up_within_target_share == 0.0


def test_auto_close_and_explicit_close_shares():
    explicit = (
        History(wib(2025, 6, 2))
        .verify(wib(2025, 6, 2, 10))
        .disposition(wib(2025, 6, 2, 11), AGENCY)
        .respond(wib(2025, 6, 3))
        .close(wib(2025, 6, 4))
    )
    automatic = (
        History(wib(2025, 6, 10))
        .verify(wib(2025, 6, 10, 10))
        .disposition(wib(2025, 6, 10, 11), AGENCY)
        .respond(wib(2025, 6, 11))
        # The tenth working day after 11 June is 25 June.
        .close(wib(2025, 6, 26), automatic=True)
    )
    engine = memory_engine()
    apply_all(engine, [explicit, automatic])
    found = scope_of(figures(engine, "2025-06", wib(2025, 6, 30)), AGENCY)
    assert found.closed == 2
    assert found.closed_automatic == 1
    assert found.closed_explicit == 1
    assert found.automatic_close_share == 0.5
    assert found.explicit_close_share == 0.5
    # 1 working day, and 11 Jun 09:00 -> 26 Jun 09:00: 15 h + 10 days + 9 h.
    assert found.days_response_to_close.mean == pytest.approx(6.0)
    assert found.days_response_to_close.median == pytest.approx(6.0)


def bounced_history() -> History:
    return (
        History(wib(2025, 7, 1))
        .verify(wib(2025, 7, 1, 10))
        .disposition(wib(2025, 7, 1, 11), AGENCY)
        .decline(wib(2025, 7, 2))
        .redisposition(wib(2025, 7, 2, 10), OTHER)
        .decline(wib(2025, 7, 3))
        .redisposition(wib(2025, 7, 3, 10), THIRD)
        .follow_up(wib(2025, 7, 4))
    )


def test_bounce_between_agencies():
    engine = memory_engine()
    apply_all(engine, [bounced_history()])
    result = figures(engine, "2025-07", wib(2025, 7, 31))
    assert result.bounces == (
        BounceChain(agencies=(AGENCY, OTHER, THIRD), complaints=1),
    )
    national = scope_of(result)
    assert national.bounced == 1
    assert national.declined_share == 1.0
    assert national.redispositioned_share == 1.0
    first = scope_of(result, AGENCY)
    assert first.passed_on == 1
    assert first.declined == 1
    assert first.declined_share == 1.0
    assert first.redispositioned == 1
    assert first.bounced == 1
    # Passed on without a follow-up, so out of the follow-up shares.
    assert first.handled == 0
    assert first.followed_up_share is None
    assert first.good is None
    last = scope_of(result, THIRD)
    assert last.in_process == 1
    assert last.declined == 0
    assert last.followed_up_share == 1.0
    # 3 Jul 10:00 -> 4 Jul 09:00 is 23 working hours.
    assert last.days_to_first_follow_up.mean == pytest.approx(23 / 24)
    assert last.followed_up_within_target_share == 1.0


def test_one_redisposition_is_no_bounce():
    history = (
        History(wib(2025, 7, 1))
        .verify(wib(2025, 7, 1, 10))
        .disposition(wib(2025, 7, 1, 11), AGENCY)
        .decline(wib(2025, 7, 2))
        .redisposition(wib(2025, 7, 2, 10), OTHER)
    )
    engine = memory_engine()
    apply_all(engine, [history])
    result = figures(engine, "2025-07", wib(2025, 7, 31))
    assert result.bounces == ()
    assert scope_of(result).bounced == 0


def test_removed_at_verification():
    deleted = History(wib(2025, 8, 4)).delete(wib(2025, 8, 4, 10))
    archived = History(wib(2025, 8, 4)).archive(wib(2025, 8, 4, 10))
    deleted_by_agency = History(wib(2025, 8, 5), target=AGENCY).delete(
        wib(2025, 8, 5, 10)
    )
    handled = History(wib(2025, 8, 6), target=AGENCY).verify(wib(2025, 8, 6, 10))
    engine = memory_engine()
    apply_all(engine, [deleted, archived, deleted_by_agency, handled])
    result = figures(engine, "2025-08", wib(2025, 8, 31))
    national = scope_of(result)
    assert national.received == 4
    assert national.deleted_or_archived == 3
    assert national.removed_at_verification == 3
    assert national.removed_at_verification_share == 0.75
    assert national.in_process == 1
    agency = scope_of(result, AGENCY)
    assert agency.received == 2
    assert agency.dispositioned == 1
    assert agency.removed_at_verification_share == 0.5
    assert agency.deleted_or_archived == 1
    # The agency's own verification is its disposition: 10:00 same day.
    assert agency.days_to_disposition.mean == pytest.approx(1 / 24)


def test_reopen_rate():
    reopened = (
        History(wib(2025, 9, 1))
        .verify(wib(2025, 9, 1, 10))
        .disposition(wib(2025, 9, 1, 11), AGENCY)
        .respond(wib(2025, 9, 2))
        .close(wib(2025, 9, 3))
        .reopen(wib(2025, 9, 4))
    )
    kept_closed = (
        History(wib(2025, 9, 1))
        .verify(wib(2025, 9, 1, 10))
        .disposition(wib(2025, 9, 1, 11), AGENCY)
        .respond(wib(2025, 9, 2))
        .close(wib(2025, 9, 3))
    )
    engine = memory_engine()
    apply_all(engine, [reopened, kept_closed])
    found = scope_of(figures(engine, "2025-09", wib(2025, 9, 30)), AGENCY)
    assert found.closed == 2
    assert found.reopened == 1
    assert found.reopen_share == 0.5
    assert found.finished == 1
    assert found.in_process == 1


def test_unit_figures():
    handled = (
        History(wib(2025, 9, 1))
        .verify(wib(2025, 9, 1, 10))
        .disposition(wib(2025, 9, 1, 11), AGENCY)
        .forward(wib(2025, 9, 2), UNIT)
        .follow_up(wib(2025, 9, 4))
        .respond(wib(2025, 9, 5))
        .close(wib(2025, 9, 8))
    )
    moved = (
        History(wib(2025, 9, 1))
        .verify(wib(2025, 9, 1, 10))
        .disposition(wib(2025, 9, 1, 11), AGENCY)
        .forward(wib(2025, 9, 2), UNIT)
        .forward(wib(2025, 9, 3), OTHER_UNIT)
    )
    engine = memory_engine()
    apply_all(engine, [handled, moved])
    result = figures(engine, "2025-09", wib(2025, 9, 30))

    unit = scope_of(result, AGENCY, UNIT)
    assert unit.received == 2
    assert unit.finished == 1
    assert unit.passed_on == 1
    assert unit.redispositioned == 1
    assert unit.handled == 1
    # Forwarded 2 Sep 09:00, followed up 4 Sep 09:00.
    assert unit.days_to_first_follow_up.mean == pytest.approx(2.0)

    other = scope_of(result, AGENCY, OTHER_UNIT)
    assert other.received == 1
    assert other.in_process == 1

    agency = scope_of(result, AGENCY)
    assert agency.received == 2
    assert agency.passed_on == 0
    # The agency's clock starts at the disposition, not at the forward.
    assert agency.days_to_first_follow_up.mean == pytest.approx(70 / 24)


def test_escalation_counted_for_holder():
    history = (
        History(wib(2025, 10, 1))
        .verify(wib(2025, 10, 1, 10))
        .disposition(wib(2025, 10, 1, 11), AGENCY)
        .escalate(wib(2025, 10, 20), DeadlineClock.FIRST_FOLLOW_UP)
    )
    engine = memory_engine()
    apply_all(engine, [history])
    result = figures(engine, "2025-10", wib(2025, 10, 31))
    assert scope_of(result, AGENCY).escalated == 1
    assert scope_of(result).escalated == 1


def test_backlog_by_stage_age_and_overdue():
    waiting = History(wib(2025, 10, 1))
    in_unit = (
        History(wib(2025, 10, 1))
        .verify(wib(2025, 10, 1, 10))
        .disposition(wib(2025, 10, 1, 11), AGENCY)
        .forward(wib(2025, 10, 2), UNIT)
    )
    closed = (
        History(wib(2025, 10, 1))
        .verify(wib(2025, 10, 1, 10))
        .disposition(wib(2025, 10, 1, 11), AGENCY)
        .respond(wib(2025, 10, 2))
        .close(wib(2025, 10, 3))
    )
    engine = memory_engine()
    apply_all(engine, [waiting, in_unit, closed])
    # 1 -> 15 October 2025 is 10 working days; both clocks ran out long before.
    result = snapshot(engine, wib(2025, 10, 15, 12))
    assert result.backlog == (
        BacklogCount(
            agency="", unit="", stage=Status.SUBMITTED, age_bucket="6-10", complaints=1
        ),
        BacklogCount(
            agency=AGENCY,
            unit=UNIT,
            stage=Status.IN_UNIT,
            age_bucket="6-10",
            complaints=1,
        ),
    )
    assert result.overdue == (
        OverdueCount(agency="", unit="", clock=ClockName.VERIFICATION, complaints=1),
        OverdueCount(
            agency=AGENCY, unit=UNIT, clock=ClockName.FIRST_FOLLOW_UP, complaints=1
        ),
    )


def test_backlog_ages_in_buckets():
    engine = memory_engine()
    apply_all(engine, [History(wib(2025, 10, 1))])
    ages = {
        wib(2025, 10, 8): "0-5",
        wib(2025, 10, 9): "6-10",
        wib(2025, 10, 16): "11-20",
        wib(2025, 11, 1): "21-60",
        wib(2026, 1, 30): "61+",
    }
    for as_of, bucket in ages.items():
        (count,) = snapshot(engine, as_of).backlog
        assert count.age_bucket == bucket, as_of

"""Each deadline clock and each milestone rule of DeadlineTracker.

July 2024 has no holidays on weekdays, so working days there are Monday to
Friday; Monday 1 July 2024 is the usual submission day.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from gateway.calendar import LocalTimeZone, NaiveDatetimeError
from gateway.deadlines import (
    ClockName,
    DeadlineTracker,
    Milestone,
    MilestoneError,
    PauseReason,
    RuleSetCatalog,
    SopTier,
)

WIB = LocalTimeZone.WIB.zone
WITA = LocalTimeZone.WITA.zone
RULES = RuleSetCatalog.load().get("permenpanrb-62-2018")


def at(month, day, hour=10, zone=WIB):
    return dt.datetime(2024, month, day, hour, tzinfo=zone)


def end_of(month, day, zone=WIB):
    return dt.datetime.combine(dt.date(2024, month, day), dt.time.max, tzinfo=zone)


def submitted(sop_tier=None, **kwargs) -> DeadlineTracker:
    return DeadlineTracker.start(RULES, at(7, 1), sop_tier=sop_tier, **kwargs)


def dispositioned(sop_tier=SopTier.NORMATIVE) -> DeadlineTracker:
    return submitted(sop_tier).advance(Milestone.DISPOSITIONED, at(7, 2))


def responded() -> DeadlineTracker:
    return dispositioned().advance(Milestone.RESPONSE_POSTED, at(7, 5))


# Start.


def test_start_runs_verification_for_three_working_days():
    assert submitted().due_dates.verification_due == end_of(7, 4)


def test_start_runs_resolution_for_sixty_calendar_days():
    assert submitted().due_dates.resolution_due == end_of(8, 30)


def test_start_runs_no_other_clock():
    due = submitted(SopTier.LIGHT).due_dates
    assert due.first_follow_up_due is None
    assert due.auto_close_due is None
    assert due.pending_archive_due is None
    assert due.sop_due is None


def test_start_records_rule_set_and_calendar():
    tracker = submitted(region="ba")
    assert tracker.rule_set_id == "permenpanrb-62-2018"
    assert tracker.region == "BA"
    assert tracker.time_zone is LocalTimeZone.WITA


def test_naive_submission_raises():
    naive = dt.datetime(2024, 7, 1, 10)  # noqa: DTZ001 (the invalid input under test)
    with pytest.raises(NaiveDatetimeError, match="submitted_at"):
        DeadlineTracker.start(RULES, naive)


# Disposition, forward, decline, re-disposition.


def test_disposition_stops_verification():
    assert dispositioned().due_dates.verification_due is None


def test_disposition_starts_first_follow_up():
    assert dispositioned().due_dates.first_follow_up_due == end_of(7, 9)


@pytest.mark.parametrize(
    ("tier", "due"),
    [
        (SopTier.LIGHT, end_of(7, 4)),
        (SopTier.NORMATIVE, end_of(7, 9)),
        (SopTier.NO_MISCONDUCT, end_of(7, 22)),
        (SopTier.MISCONDUCT, end_of(9, 25)),
    ],
)
def test_sop_tier_counts_from_disposition(tier, due):
    # Between 2 July and 25 September 2024 the only weekday holiday is
    # 16 September (Maulid Nabi).
    assert dispositioned(tier).due_dates.sop_due == due


def test_no_sop_tier_no_sop_clock():
    assert dispositioned(None).due_dates.sop_due is None


def test_forward_restarts_follow_up_for_unit():
    tracker = dispositioned().advance(Milestone.FORWARDED, at(7, 4))
    assert tracker.due_dates.first_follow_up_due == end_of(7, 11)


def test_forward_keeps_sop_running():
    tracker = dispositioned().advance(Milestone.FORWARDED, at(7, 4))
    assert tracker.due_dates.sop_due == end_of(7, 9)


def test_forward_without_disposition_stops_verification():
    tracker = submitted(SopTier.LIGHT).advance(Milestone.FORWARDED, at(7, 2))
    assert tracker.due_dates.verification_due is None
    assert tracker.due_dates.sop_due == end_of(7, 4)


def test_decline_stops_holder_clocks():
    tracker = dispositioned().advance(Milestone.DECLINED, at(7, 3))
    assert tracker.due_dates.first_follow_up_due is None
    assert tracker.due_dates.sop_due is None


def test_decline_restarts_disposition_clock():
    tracker = dispositioned().advance(Milestone.DECLINED, at(7, 3))
    assert tracker.due_dates.verification_due == end_of(7, 8)


def test_redisposition_restarts_follow_up():
    tracker = (
        dispositioned()
        .advance(Milestone.DECLINED, at(7, 3))
        .advance(Milestone.REDISPOSITIONED, at(7, 5))
    )
    assert tracker.due_dates.verification_due is None
    assert tracker.due_dates.first_follow_up_due == end_of(7, 12)
    assert tracker.due_dates.sop_due == end_of(7, 12)


# Follow-up and response.


def test_first_follow_up_stops_its_clock():
    tracker = dispositioned().advance(Milestone.FOLLOW_UP_RECORDED, at(7, 3))
    assert tracker.due_dates.first_follow_up_due is None


def test_response_starts_auto_close():
    assert responded().due_dates.auto_close_due == end_of(7, 19)


def test_response_stops_first_follow_up():
    assert responded().due_dates.first_follow_up_due is None


def test_response_pauses_resolution_and_sop():
    tracker = responded()
    assert tracker.due_dates.resolution_due is None
    assert tracker.due_dates.sop_due is None
    assert tracker.resolution is not None
    assert tracker.resolution.paused_for is PauseReason.AWAITING_REPLY


def test_reply_cancels_auto_close():
    tracker = responded().advance(Milestone.REPORTER_REPLIED, at(7, 10))
    assert tracker.due_dates.auto_close_due is None


def test_reply_extends_resolution_by_calendar_days():
    # Paused Friday 5 July, resumed Wednesday 10 July: 5 calendar days.
    tracker = responded().advance(Milestone.REPORTER_REPLIED, at(7, 10))
    assert tracker.due_dates.resolution_due == end_of(8, 30) + dt.timedelta(days=5)


def test_reply_extends_sop_by_working_days():
    # Paused Friday 5 July, resumed Wednesday 10 July: 3 working days.
    tracker = responded().advance(Milestone.REPORTER_REPLIED, at(7, 10))
    assert tracker.due_dates.sop_due == end_of(7, 12)


def test_second_response_restarts_auto_close():
    tracker = (
        responded()
        .advance(Milestone.REPORTER_REPLIED, at(7, 10))
        .advance(Milestone.RESPONSE_POSTED, at(7, 12))
    )
    assert tracker.due_dates.auto_close_due == end_of(7, 26)


# Pending and completion.


def pending() -> DeadlineTracker:
    return submitted().advance(Milestone.SET_PENDING, at(7, 2))


def test_pending_starts_archive_clock_in_calendar_days():
    assert pending().due_dates.pending_archive_due == end_of(8, 1)


def test_pending_stops_resolution_clock():
    tracker = pending()
    assert tracker.due_dates.resolution_due is None
    assert tracker.due_dates.verification_due is None


def test_completion_stops_archive_clock():
    tracker = pending().advance(Milestone.COMPLETED, at(7, 12))
    assert tracker.due_dates.pending_archive_due is None


def test_completion_extends_resolution_by_calendar_days():
    # Pending from Tuesday 2 July to Friday 12 July: 10 calendar days.
    tracker = pending().advance(Milestone.COMPLETED, at(7, 12))
    assert tracker.due_dates.resolution_due == end_of(9, 9)


def test_completion_extends_verification_by_working_days():
    # 3 to 12 July contains 8 working days; the clock was due Thursday 4 July.
    tracker = pending().advance(Milestone.COMPLETED, at(7, 12))
    assert tracker.due_dates.verification_due == end_of(7, 16)


def test_second_pending_keeps_first_archive_clock():
    tracker = pending().advance(Milestone.SET_PENDING, at(7, 5))
    assert tracker.due_dates.pending_archive_due == end_of(8, 1)


def test_reply_does_not_resume_pending_clocks():
    tracker = pending().advance(Milestone.REPORTER_REPLIED, at(7, 5))
    assert tracker.due_dates.resolution_due is None


def test_completion_does_not_resume_reply_pause():
    tracker = responded().advance(Milestone.COMPLETED, at(7, 10))
    assert tracker.due_dates.resolution_due is None


# Terminal milestones and reopening.


@pytest.mark.parametrize(
    "milestone", [Milestone.CLOSED, Milestone.ARCHIVED, Milestone.DELETED]
)
def test_terminal_milestone_stops_every_clock(milestone):
    tracker = responded().advance(milestone, at(7, 8))
    assert all(clock is None for clock in (tracker.clock(n) for n in ClockName))
    assert tracker.finished


def test_milestones_after_closing_change_nothing():
    closed = responded().advance(Milestone.CLOSED, at(7, 8))
    assert closed.advance(Milestone.RESPONSE_POSTED, at(7, 9)) == closed


def test_reopen_restarts_follow_up():
    tracker = (
        responded()
        .advance(Milestone.CLOSED, at(7, 8))
        .advance(Milestone.REOPENED, at(7, 15))
    )
    assert not tracker.finished
    assert tracker.due_dates.first_follow_up_due == end_of(7, 22)


@pytest.mark.parametrize("milestone", [Milestone.VERIFIED, Milestone.ESCALATED])
def test_milestone_without_clock_effect(milestone):
    before = dispositioned()
    assert before.advance(milestone, at(7, 3)) == before


def test_submitted_cannot_advance():
    with pytest.raises(MilestoneError, match=r"DeadlineTracker\.start"):
        submitted().advance(Milestone.SUBMITTED, at(7, 2))


def test_naive_milestone_time_raises():
    naive = dt.datetime(2024, 7, 2, 10)  # noqa: DTZ001 (the invalid input under test)
    with pytest.raises(NaiveDatetimeError, match="at"):
        submitted().advance(Milestone.VERIFIED, naive)


# Overdue.


def test_not_overdue_at_due_moment():
    tracker = submitted()
    assert tracker.overdue(end_of(7, 4)) == frozenset()


def test_overdue_just_after_due_moment():
    tracker = submitted()
    late = end_of(7, 4) + dt.timedelta(microseconds=1)
    assert tracker.overdue(late) == {ClockName.VERIFICATION}


def test_overdue_lists_every_late_clock():
    tracker = dispositioned(SopTier.LIGHT)
    assert tracker.overdue(at(7, 10)) == {ClockName.FIRST_FOLLOW_UP, ClockName.SOP}


def test_paused_clock_is_never_overdue():
    tracker = pending()
    assert tracker.overdue(at(12, 31)) == {ClockName.PENDING_ARCHIVE}


# SOP tier chosen later.


def test_late_tier_counts_from_disposition():
    tracker = dispositioned(None).with_sop_tier(SopTier.LIGHT)
    assert tracker.due_dates.sop_due == end_of(7, 4)


def test_changing_tier_moves_due_date():
    tracker = dispositioned(SopTier.LIGHT).with_sop_tier(SopTier.NO_MISCONDUCT)
    assert tracker.due_dates.sop_due == end_of(7, 22)


def test_tier_before_disposition_waits_for_it():
    tracker = submitted().with_sop_tier(SopTier.LIGHT)
    assert tracker.due_dates.sop_due is None
    advanced = tracker.advance(Milestone.DISPOSITIONED, at(7, 2))
    assert advanced.due_dates.sop_due == end_of(7, 4)


def test_removing_tier_stops_sop_clock():
    tracker = dispositioned(SopTier.LIGHT).with_sop_tier(None)
    assert tracker.due_dates.sop_due is None


# Regions and time zones.


def test_bali_clock_counts_in_wita_and_skips_galungan():
    tracker = DeadlineTracker.start(RULES, at(9, 23, zone=WITA), region="BA")
    # 24-26 September 2024 are Galungan days off in Bali.
    assert tracker.due_dates.verification_due == end_of(10, 1, WITA)


def test_national_clock_does_not_skip_galungan():
    tracker = DeadlineTracker.start(RULES, at(9, 23))
    assert tracker.due_dates.verification_due == end_of(9, 26)


# Value semantics.


def test_advance_leaves_original_unchanged():
    before = submitted()
    before.advance(Milestone.DISPOSITIONED, at(7, 2))
    assert before.due_dates.verification_due == end_of(7, 4)


def test_tracker_is_frozen():
    with pytest.raises(ValidationError):
        submitted().finished = True  # type: ignore[misc]


def test_json_round_trip():
    tracker = responded().advance(Milestone.REPORTER_REPLIED, at(7, 10))
    restored = DeadlineTracker.model_validate_json(tracker.model_dump_json())
    assert restored == tracker
    assert restored.due_dates == tracker.due_dates

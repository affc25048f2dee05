"""Properties of DeadlineTracker over random milestone sequences."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.calendar import LocalTimeZone
from gateway.deadlines import (
    ClockName,
    DeadlineTracker,
    Milestone,
    RuleSetCatalog,
    SopTier,
)

CATALOG = RuleSetCatalog.load()
ADVANCING = [m for m in Milestone if m is not Milestone.SUBMITTED]

submissions = st.datetimes(
    min_value=dt.datetime(2023, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    max_value=dt.datetime(2026, 6, 30),  # noqa: DTZ001 (hypothesis bounds are naive)
    timezones=st.sampled_from([z.zone for z in LocalTimeZone] + [dt.UTC]),
)


@dataclass(frozen=True)
class TierChange:
    """A step that chooses another SOP tier instead of advancing."""

    tier: SopTier | None


gaps = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=40))
tiers = st.none() | st.sampled_from(SopTier)
actions = st.sampled_from(ADVANCING) | st.builds(TierChange, tiers)
steps = st.lists(st.tuples(actions, gaps), max_size=25)
regions = st.sampled_from([None, "BA", "JK", "PA"])


def run(submitted_at, tier, region, sequence):
    """Start a tracker and fold the steps in; return every state."""
    tracker = DeadlineTracker.start(
        CATALOG.in_force_at(submitted_at), submitted_at, sop_tier=tier, region=region
    )
    states = [tracker]
    moment = submitted_at
    for action, gap in sequence:
        moment += gap
        if isinstance(action, TierChange):
            tracker = tracker.with_sop_tier(action.tier)
        else:
            tracker = tracker.advance(action, moment)
        states.append(tracker)
    return states


@settings(max_examples=200, deadline=None)
@given(submissions, tiers, regions, steps)
def test_no_due_date_before_its_start(submitted_at, tier, region, sequence):
    for state in run(submitted_at, tier, region, sequence):
        for name in ClockName:
            clock = state.clock(name)
            if clock is not None:
                assert clock.due >= clock.started_at
                assert clock.started_at >= submitted_at


@settings(max_examples=200, deadline=None)
@given(submissions, tiers, regions, steps)
def test_advance_is_deterministic(submitted_at, tier, region, sequence):
    assert run(submitted_at, tier, region, sequence) == run(
        submitted_at, tier, region, sequence
    )


@settings(max_examples=200, deadline=None)
@given(submissions, tiers, regions, steps)
def test_serialised_tracker_advances_alike(submitted_at, tier, region, sequence):
    states = run(submitted_at, tier, region, sequence)
    final = states[-1]
    restored = DeadlineTracker.model_validate_json(final.model_dump_json())
    assert restored == final
    later = submitted_at + dt.timedelta(days=400)
    assert restored.advance(Milestone.REOPENED, later) == final.advance(
        Milestone.REOPENED, later
    )


@settings(max_examples=200, deadline=None)
@given(submissions, tiers, regions, steps)
def test_resuming_never_moves_due_earlier(submitted_at, tier, region, sequence):
    states = run(submitted_at, tier, region, sequence)
    for before, after in itertools.pairwise(states):
        for name in ClockName:
            old, new = before.clock(name), after.clock(name)
            same_clock = (
                old is not None
                and new is not None
                and (old.started_at, old.rule) == (new.started_at, new.rule)
            )
            if same_clock:
                assert new.due >= old.due


@settings(max_examples=200, deadline=None)
@given(submissions, tiers, regions, steps, gaps)
def test_overdue_only_running_clocks(submitted_at, tier, region, sequence, gap):
    final = run(submitted_at, tier, region, sequence)[-1]
    running = {
        name
        for name in ClockName
        if (clock := final.clock(name)) is not None and clock.running
    }
    moment = submitted_at + gap * 3
    assert final.overdue(moment) <= running

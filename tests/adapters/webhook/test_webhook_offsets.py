"""Committable offsets: never past a record that is not settled."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.webhook.offsets import OffsetTracker

KEY = ("feed", 0)


@given(
    offsets=st.lists(st.integers(0, 10_000), min_size=1, max_size=60, unique=True),
    data=st.data(),
)
def test_commit_stops_at_first_unsettled(offsets, data):
    offsets.sort()
    tracker = OffsetTracker()
    epochs = [tracker.track("feed", 0, offset) for offset in offsets]
    settled = data.draw(st.sets(st.sampled_from(offsets)))
    order = data.draw(st.permutations(sorted(settled)))
    for offset in order:
        tracker.settle("feed", 0, offset, epochs[0])
    position = tracker.committable().get(KEY)
    unsettled = [offset for offset in offsets if offset not in settled]
    expected = unsettled[0] if unsettled else offsets[-1] + 1
    assert position == expected


def test_gaps_in_offsets_do_not_stall_commit():
    tracker = OffsetTracker()
    for offset in (5, 7, 10):
        epoch = tracker.track("feed", 0, offset)
    for offset in (5, 7, 10):
        tracker.settle("feed", 0, offset, epoch)
    assert tracker.committable() == {KEY: 11}


def test_committed_offset_is_not_offered_again():
    tracker = OffsetTracker()
    epoch = tracker.track("feed", 0, 3)
    tracker.settle("feed", 0, 3, epoch)
    tracker.committed(tracker.committable())
    assert tracker.committable() == {}


def test_forgotten_partition_ignores_late_settlement():
    tracker = OffsetTracker()
    old = tracker.track("feed", 0, 1)
    tracker.forget([KEY])
    tracker.settle("feed", 0, 1, old)
    assert not tracker.is_current("feed", 0, old)
    new = tracker.track("feed", 0, 1)
    assert new != old
    assert tracker.committable() == {KEY: 1}

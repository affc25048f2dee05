"""Which offsets of each partition may be committed.

A partition's records are handed to its agency's worker in offset order. The
committable offset is the first one handed out and not yet settled
(delivered, skipped or dead-lettered), or one past the last handed out when
all are settled; so a crash never skips an unsettled record, and offsets that
never reach the consumer (transaction markers, compacted records) cannot stall
the commit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

PartitionKey = tuple[str, int]


@dataclass(slots=True)
class _Partition:
    epoch: int
    outstanding: deque[int] = field(default_factory=deque)
    """Offsets handed out and not settled, in ascending order."""
    settled: set[int] = field(default_factory=set)
    """Offsets settled while an earlier one is still outstanding."""
    last_handed: int | None = None
    committed: int | None = None


class OffsetTracker:
    """Tracks handed-out and settled offsets per (topic, partition)."""

    def __init__(self) -> None:
        self._partitions: dict[PartitionKey, _Partition] = {}
        self._epochs: dict[PartitionKey, int] = {}

    def track(self, topic: str, partition: int, offset: int) -> int:
        """Note a record handed to a worker; return the partition's epoch."""
        key = (topic, partition)
        state = self._partitions.get(key)
        if state is None:
            state = _Partition(epoch=self._epochs.get(key, 0))
            self._partitions[key] = state
        state.outstanding.append(offset)
        state.last_handed = offset
        return state.epoch

    def settle(self, topic: str, partition: int, offset: int, epoch: int) -> None:
        """Mark a record settled; ignored when the partition was given up since."""
        state = self._partitions.get((topic, partition))
        if state is None or state.epoch != epoch:
            return
        state.settled.add(offset)
        while state.outstanding and state.outstanding[0] in state.settled:
            state.settled.discard(state.outstanding.popleft())

    def is_current(self, topic: str, partition: int, epoch: int) -> bool:
        """Whether the partition is still owned under this epoch."""
        state = self._partitions.get((topic, partition))
        return state is not None and state.epoch == epoch

    def committable(self) -> dict[PartitionKey, int]:
        """Return the offsets to commit: those that moved since the last commit."""
        ready = {}
        for key, state in self._partitions.items():
            if state.last_handed is None:
                continue
            position = (
                state.outstanding[0] if state.outstanding else state.last_handed + 1
            )
            if position != state.committed:
                ready[key] = position
        return ready

    def committed(self, offsets: dict[PartitionKey, int]) -> None:
        """Record that ``offsets`` were committed."""
        for key, offset in offsets.items():
            state = self._partitions.get(key)
            if state is not None:
                state.committed = offset

    def outstanding(self, key: PartitionKey) -> int:
        state = self._partitions.get(key)
        return 0 if state is None else len(state.outstanding)

    def forget(self, keys: list[PartitionKey]) -> None:
        """Drop partitions given up in a rebalance; their queued records go stale."""
        for key in keys:
            state = self._partitions.pop(key, None)
            previous = self._epochs.get(key, 0) if state is None else state.epoch
            self._epochs[key] = previous + 1

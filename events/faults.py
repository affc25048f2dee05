"""Results of a hash-chain check: typed faults, duplicates and the report.

``position`` is always the zero-based index of the event in the stream that was
checked, so an auditor can point at the offending record.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last event of a complaint that a trusted checkpoint vouches for."""

    sequence: int
    hash: str


@dataclass(frozen=True, slots=True)
class ChainFault:
    """Base of every fault: something in a complaint's history was tampered with."""

    complaint_id: str

    def describe(self) -> str:
        """Return one sentence an auditor can read."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class AlteredEvent(ChainFault):
    """The event's content no longer matches the hash it carries."""

    event_id: str
    sequence: int
    position: int
    stated_hash: str
    computed_hash: str

    def describe(self) -> str:
        return (
            f"event {self.event_id} at position {self.position} was altered: it "
            f"carries hash {self.stated_hash} but its content hashes to "
            f"{self.computed_hash}"
        )


@dataclass(frozen=True, slots=True)
class MissingEvents(ChainFault):
    """Sequence numbers ``first_sequence`` to ``last_sequence`` are absent."""

    first_sequence: int
    last_sequence: int

    def describe(self) -> str:
        return (
            f"complaint {self.complaint_id} is missing events "
            f"{self.first_sequence} to {self.last_sequence}: they were removed or "
            "never delivered"
        )


@dataclass(frozen=True, slots=True)
class ReorderedEvent(ChainFault):
    """The event is out of sequence order in the stream.

    The check flags the fewest events whose removal leaves the rest in order;
    ``previous_sequence`` and ``next_sequence`` are its neighbours in the stream.
    """

    event_id: str
    sequence: int
    position: int
    previous_sequence: int | None
    next_sequence: int | None

    def describe(self) -> str:
        return (
            f"event {self.event_id} at position {self.position} is out of order: "
            f"it sits between sequences {self.previous_sequence} and "
            f"{self.next_sequence}"
        )


@dataclass(frozen=True, slots=True)
class WrongPreviousHash(ChainFault):
    """The event's ``prevhash`` is not the hash of the event before it."""

    event_id: str
    sequence: int
    position: int
    expected: str
    found: str | None

    def describe(self) -> str:
        return (
            f"event {self.event_id} at position {self.position} links to previous "
            f"hash {self.found} but its predecessor has hash {self.expected}"
        )


@dataclass(frozen=True, slots=True)
class WrongFirstEvent(ChainFault):
    """Sequence 1 has a previous hash, or is not a ``complaint.submitted``."""

    event_id: str
    position: int
    reason: str

    def describe(self) -> str:
        return (
            f"first event {self.event_id} at position {self.position} is wrong: "
            f"{self.reason}"
        )


@dataclass(frozen=True, slots=True)
class InsertedEvent(ChainFault):
    """An event claims the id of another event that the chain links instead."""

    event_id: str
    sequence: int
    position: int
    hash: str
    linked_hash: str

    def describe(self) -> str:
        return (
            f"event {self.event_id} at position {self.position} (hash {self.hash}) "
            f"was inserted: the chain links the event with hash {self.linked_hash}"
        )


@dataclass(frozen=True, slots=True)
class ConflictingEvents(ChainFault):
    """Several events with different content claim one id; none is linked."""

    event_id: str
    sequence: int
    positions: tuple[int, ...]
    hashes: tuple[str, ...]

    def describe(self) -> str:
        return (
            f"event {self.event_id} appears with different content at positions "
            f"{', '.join(map(str, self.positions))} and the chain does not show "
            "which one is genuine"
        )


@dataclass(frozen=True, slots=True)
class HeadMismatch(ChainFault):
    """The event at a checkpoint's sequence does not have the checkpoint's hash."""

    sequence: int
    expected_hash: str
    found_hash: str

    def describe(self) -> str:
        return (
            f"complaint {self.complaint_id} event {self.sequence} has hash "
            f"{self.found_hash} but the checkpoint recorded {self.expected_hash}"
        )


@dataclass(frozen=True, slots=True)
class DuplicateEvent:
    """An event delivered more than once with identical content: not a fault."""

    complaint_id: str
    event_id: str
    sequence: int
    positions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of checking one complaint's history."""

    complaint_id: str
    event_count: int
    faults: tuple[ChainFault, ...]
    duplicates: tuple[DuplicateEvent, ...]

    @property
    def valid(self) -> bool:
        """Whether the history has no fault (duplicates are not faults)."""
        return not self.faults

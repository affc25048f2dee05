"""Audit findings, each located by Kafka partition and offset.

Chain faults from ``events`` index the checked stream; here each becomes a
:class:`Finding` that names the complaint, the sequence, the event id and
where the record sits in the topic, so an auditor can fetch it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from events import (
    AlteredEvent,
    ChainFault,
    ConflictingEvents,
    HeadMismatch,
    InsertedEvent,
    MissingEvents,
    ReorderedEvent,
    WrongFirstEvent,
    WrongPreviousHash,
)
from events.values import FrozenModel

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from events import ChainReport, DuplicateEvent


class FindingKind(StrEnum):
    """Kinds of findings; the first group are about events, the second checkpoints."""

    ALTERED = "altered"
    """An event's content does not match the hash it carries."""
    REMOVED = "removed"
    """Sequence numbers are missing from a complaint's history."""
    INSERTED = "inserted"
    """A second event claims the id of an event that the chain links."""
    CONFLICTING = "conflicting"
    """Copies of one event differ and the chain does not show the genuine one."""
    REORDERED = "reordered"
    """An event is out of sequence order in its partition."""
    BROKEN_LINK = "broken_link"
    """An event's previous hash is not its predecessor's hash."""
    WRONG_FIRST = "wrong_first"
    """Sequence 1 links to a predecessor or is not a submission."""
    HEAD_MISMATCH = "head_mismatch"
    """An event differs from the head a signed checkpoint recorded."""
    UNDECODABLE = "undecodable"
    """A record is not a valid complaint event."""
    MISPLACED = "misplaced"
    """An event sits in another partition than its complaint's first event."""
    UNCLASSIFIED = "unclassified"
    """A chain fault of a type this version of the auditor does not know."""
    FORGED_CHECKPOINT = "forged_checkpoint"
    """A checkpoint's signature does not verify with the auditor's public key."""
    INVALID_CHECKPOINT = "invalid_checkpoint"
    """A checkpoints topic record is not a signed checkpoint at all."""
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    """The topic contradicts a correctly signed checkpoint."""


CHECKPOINT_KINDS = frozenset(
    {
        FindingKind.FORGED_CHECKPOINT,
        FindingKind.INVALID_CHECKPOINT,
        FindingKind.CHECKPOINT_MISMATCH,
    }
)


@dataclass(frozen=True, slots=True)
class UnreadableEvent(ChainFault):
    """A stored document that no longer decodes as a complaint event."""

    event_id: str
    sequence: int
    position: int
    reason: str

    def describe(self) -> str:
        return f"stored event {self.event_id} cannot be decoded: {self.reason}"


@dataclass(frozen=True, slots=True)
class RecordLocation:
    """The position of a record: its partition and offset."""

    partition: int
    offset: int


class Finding(FrozenModel):
    """One problem found, with everything needed to locate it."""

    kind: FindingKind
    message: str
    complaint_id: str | None = None
    sequence: int | None = None
    last_sequence: int | None = None
    """For ``removed``: the last missing sequence (``sequence`` is the first)."""
    event_id: str | None = None
    partition: int | None = None
    offset: int | None = None
    offsets: tuple[int, ...] = ()
    """For ``conflicting``: the offsets of every differing copy."""
    checkpoint_id: str | None = None


class Duplicate(FrozenModel):
    """An event read more than once with identical content: harmless."""

    complaint_id: str
    sequence: int
    event_id: str
    partition: int
    offsets: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StreamIndex:
    """The position of each checked event, used to locate faults.

    ``locations[i]`` is the record of stream position ``i``; ``by_sequence``
    gives the first record of each (complaint, sequence); ``home`` the
    partition of each complaint.
    """

    locations: Sequence[RecordLocation]
    by_sequence: Mapping[tuple[str, int], RecordLocation]
    home: Mapping[str, int]


def findings_of(report: ChainReport, index: StreamIndex) -> list[Finding]:
    """Return one finding per fault of ``report``."""
    return [_finding(fault, index) for fault in report.faults]


def duplicates_of(report: ChainReport, index: StreamIndex) -> list[Duplicate]:
    """Return the exact duplicates of ``report`` with their offsets."""
    return [_duplicate(duplicate, index) for duplicate in report.duplicates]


def _duplicate(duplicate: DuplicateEvent, index: StreamIndex) -> Duplicate:
    places = [index.locations[position] for position in duplicate.positions]
    return Duplicate(
        complaint_id=duplicate.complaint_id,
        sequence=duplicate.sequence,
        event_id=duplicate.event_id,
        partition=places[0].partition,
        offsets=tuple(place.offset for place in places),
    )


def _finding(fault: ChainFault, index: StreamIndex) -> Finding:
    if isinstance(fault, MissingEvents):
        return _removed(fault, index)
    if isinstance(fault, ConflictingEvents):
        return _conflicting(fault, index)
    if isinstance(fault, HeadMismatch):
        location = index.by_sequence.get((fault.complaint_id, fault.sequence))
        return _at(
            FindingKind.HEAD_MISMATCH,
            fault,
            sequence=fault.sequence,
            event_id=f"{fault.complaint_id}/{fault.sequence}",
            location=location,
            message=(
                f"the event has hash {fault.found_hash} but a signed checkpoint "
                f"recorded {fault.expected_hash}"
            ),
        )
    if isinstance(fault, WrongFirstEvent):
        return _at(
            FindingKind.WRONG_FIRST,
            fault,
            sequence=1,
            event_id=fault.event_id,
            location=index.locations[fault.position],
            message=f"the first event is wrong: {fault.reason}",
        )
    if isinstance(fault, _POSITIONED):
        kind, message = _describe_positioned(fault)
        return _at(
            kind,
            fault,
            sequence=fault.sequence,
            event_id=fault.event_id,
            location=index.locations[fault.position],
            message=message,
        )
    return Finding(
        kind=FindingKind.UNCLASSIFIED,
        complaint_id=fault.complaint_id,
        partition=index.home.get(fault.complaint_id),
        message=fault.describe(),
    )


_POSITIONED = (
    AlteredEvent,
    InsertedEvent,
    ReorderedEvent,
    WrongPreviousHash,
    UnreadableEvent,
)


def _describe_positioned(
    fault: AlteredEvent
    | InsertedEvent
    | ReorderedEvent
    | WrongPreviousHash
    | UnreadableEvent,
) -> tuple[FindingKind, str]:
    if isinstance(fault, UnreadableEvent):
        return FindingKind.UNDECODABLE, (
            f"the stored event is not a valid complaint event: {fault.reason}"
        )
    if isinstance(fault, AlteredEvent):
        return FindingKind.ALTERED, (
            f"content was changed: the event carries hash {fault.stated_hash} "
            f"but its content hashes to {fault.computed_hash}"
        )
    if isinstance(fault, InsertedEvent) and fault.hash == fault.linked_hash:
        return FindingKind.INSERTED, (
            f"a record claims this event id and its hash {fault.hash}, but its "
            "content differs from the copy that matches the hash"
        )
    if isinstance(fault, InsertedEvent):
        return FindingKind.INSERTED, (
            f"a record with hash {fault.hash} claims this event id, but the "
            f"chain links the event with hash {fault.linked_hash}"
        )
    if isinstance(fault, ReorderedEvent):
        return FindingKind.REORDERED, (
            "the event is out of sequence order: it sits between sequences "
            f"{fault.previous_sequence} and {fault.next_sequence}"
        )
    return FindingKind.BROKEN_LINK, (
        f"the event links to previous hash {fault.found} but its predecessor "
        f"has hash {fault.expected}"
    )


def _at(  # noqa: PLR0913 (every locating field of a finding)
    kind: FindingKind,
    fault: ChainFault,
    *,
    sequence: int,
    event_id: str,
    location: RecordLocation | None,
    message: str,
) -> Finding:
    return Finding(
        kind=kind,
        message=message,
        complaint_id=fault.complaint_id,
        sequence=sequence,
        event_id=event_id,
        partition=None if location is None else location.partition,
        offset=None if location is None else location.offset,
    )


def _removed(fault: MissingEvents, index: StreamIndex) -> Finding:
    """Locate a gap at the first record after it, when there is one."""
    after = index.by_sequence.get((fault.complaint_id, fault.last_sequence + 1))
    where = "at the end of the history" if after is None else "before this offset"
    missing = (
        f"sequence {fault.first_sequence} is"
        if fault.first_sequence == fault.last_sequence
        else f"sequences {fault.first_sequence} to {fault.last_sequence} are"
    )
    return Finding(
        kind=FindingKind.REMOVED,
        message=(
            f"{missing} missing {where}: removed, or never published; a signed "
            "checkpoint head shows the end of a history"
        ),
        complaint_id=fault.complaint_id,
        sequence=fault.first_sequence,
        last_sequence=fault.last_sequence,
        event_id=f"{fault.complaint_id}/{fault.first_sequence}",
        partition=index.home.get(fault.complaint_id)
        if after is None
        else after.partition,
        offset=None if after is None else after.offset,
    )


def _conflicting(fault: ConflictingEvents, index: StreamIndex) -> Finding:
    places = [index.locations[position] for position in fault.positions]
    return Finding(
        kind=FindingKind.CONFLICTING,
        message=(
            f"{len(places)} records with different content (hashes "
            f"{', '.join(fault.hashes)}) claim this event id and the chain does "
            "not show which one is genuine"
        ),
        complaint_id=fault.complaint_id,
        sequence=fault.sequence,
        event_id=fault.event_id,
        partition=places[0].partition,
        offset=places[0].offset,
        offsets=tuple(place.offset for place in places),
    )

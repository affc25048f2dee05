"""Verification of per-complaint hash chains against tampering.

The checks hash each event's stored document (see ``events.chain`` for the
rule), then look at ids, sequence numbers and links. See ``events.faults`` for
what each fault means.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from events.canonical import hash_document
from events.envelope import split_event_type
from events.errors import MixedComplaintsError
from events.faults import (
    AlteredEvent,
    ChainFault,
    ChainHead,
    ChainReport,
    ConflictingEvents,
    DuplicateEvent,
    HeadMismatch,
    InsertedEvent,
    MissingEvents,
    ReorderedEvent,
    WrongFirstEvent,
    WrongPreviousHash,
)
from events.payloads import ComplaintSubmitted
from events.structured import DecodedEvent

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from events.envelope import Envelope

FIRST_EVENT_NAME = ComplaintSubmitted.event_name
"""Every complaint's history starts with this event."""


@dataclass(frozen=True, slots=True)
class _Link:
    """The chain-relevant facts of one event at one stream position."""

    position: int
    event_id: str
    subject: str
    sequence: int
    stored_type: str
    previous_hash: str | None
    stated_hash: str
    computed_hash: str


def _link(position: int, event: DecodedEvent | Envelope) -> _Link:
    stored = (
        event if isinstance(event, DecodedEvent) else DecodedEvent.from_envelope(event)
    )
    return _Link(
        position=position,
        event_id=stored.envelope.id,
        subject=stored.envelope.subject,
        sequence=stored.envelope.sequence,
        stored_type=stored.stored_type,
        previous_hash=stored.envelope.previous_hash,
        stated_hash=stored.envelope.hash,
        computed_hash=hash_document(stored.document),
    )


def verify_chain(
    events: Iterable[DecodedEvent | Envelope],
    *,
    complaint_id: str | None = None,
    head: ChainHead | None = None,
) -> ChainReport:
    """Check one complaint's events, in the order they were read, for tampering.

    Pass :class:`DecodedEvent` objects (from ``events.codec``) for events read
    from a store or from Kafka: their hash is recomputed over the stored
    document. An :class:`Envelope` is hashed as it would be stored now, which
    is right only for events written in the current version.

    Without ``head`` the check cannot notice that the last events were removed,
    or that the last event was replaced by one with a valid hash. A ``head``
    from a trusted checkpoint closes that gap. Events beyond the head are
    checked like any other. Raises ``MixedComplaintsError`` when the events
    belong to several complaints, or to another complaint than
    ``complaint_id``.
    """
    links = [_link(position, event) for position, event in enumerate(events)]
    subjects = {link.subject for link in links} | (
        {complaint_id} if complaint_id is not None else set()
    )
    if len(subjects) > 1:
        raise MixedComplaintsError(
            f"events of complaints {', '.join(sorted(subjects))} were passed to one "
            "chain check: verify each complaint separately or use verify_stream",
            value=sorted(subjects),
        )
    subject = subjects.pop() if subjects else ""
    return _check(subject, links, head)


def verify_stream(
    events: Iterable[DecodedEvent | Envelope],
    *,
    heads: Mapping[str, ChainHead] | None = None,
) -> dict[str, ChainReport]:
    """Check every complaint in an interleaved stream, such as a Kafka topic.

    Events are grouped by ``subject`` keeping their stream order, and each
    group is checked as :func:`verify_chain` does; fault positions index the
    whole stream. ``heads`` maps complaint ids to checkpointed heads; a
    complaint with a head but no events is reported as missing all of them.
    Returns one report per complaint, in order of first appearance.

    NOTE: it keeps a small record (ids, sequence, three hashes) of every event
    until the end of the stream, so memory grows with the stream's length.
    """
    groups: dict[str, list[_Link]] = {}
    for position, event in enumerate(events):
        link = _link(position, event)
        groups.setdefault(link.subject, []).append(link)
    heads = heads or {}
    for subject in heads:
        groups.setdefault(subject, [])
    return {
        subject: _check(subject, links, heads.get(subject))
        for subject, links in groups.items()
    }


def _check(subject: str, links: list[_Link], head: ChainHead | None) -> ChainReport:
    duplicates, conflicts, unique_links = _deduplicate(subject, links, head)
    ordered = sorted(unique_links, key=lambda link: link.sequence)
    faults = [
        *conflicts,
        *_altered(subject, unique_links),
        *_reordered(subject, unique_links),
        *_missing(subject, ordered, head),
        *_wrong_first(subject, ordered),
        *_wrong_links(subject, ordered),
        *_head_mismatch(subject, ordered, head),
    ]
    return ChainReport(
        complaint_id=subject,
        event_count=len(links),
        faults=tuple(faults),
        duplicates=tuple(duplicates),
    )


def _deduplicate(
    subject: str, links: list[_Link], head: ChainHead | None
) -> tuple[list[DuplicateEvent], list[ChainFault], list[_Link]]:
    """Split copies of one id into exact duplicates, conflicts and one kept link.

    Copies with equal stated and computed hashes are one event delivered twice.
    Among copies that differ, the genuine one is the only copy that the chain
    links, because its successor's ``prevhash`` or the checkpoint head names its
    hash. Failing that, it is the only copy whose content matches its hash. The
    other copies are inserted. When no single copy stands out, all are
    conflicting and the first in the stream is kept.
    """
    by_id: dict[str, dict[tuple[str, str], list[_Link]]] = {}
    for link in links:
        variants = by_id.setdefault(link.event_id, {})
        variants.setdefault((link.stated_hash, link.computed_hash), []).append(link)
    linked_hashes = {(link.sequence - 1, link.previous_hash) for link in links}
    if head is not None:
        linked_hashes.add((head.sequence, head.hash))

    duplicates: list[DuplicateEvent] = []
    faults: list[ChainFault] = []
    unique_links: list[_Link] = []
    for event_id, variants in by_id.items():
        for copies in variants.values():
            if len(copies) > 1:
                positions = tuple(copy.position for copy in copies)
                duplicates.append(
                    DuplicateEvent(subject, event_id, copies[0].sequence, positions)
                )
        firsts = [copies[0] for copies in variants.values()]
        genuine, rejected = _choose_genuine(subject, firsts, linked_hashes)
        unique_links.append(genuine)
        faults.extend(rejected)
    unique_links.sort(key=lambda link: link.position)
    return duplicates, faults, unique_links


def _choose_genuine(
    subject: str, copies: list[_Link], linked_hashes: set[tuple[int, str | None]]
) -> tuple[_Link, list[ChainFault]]:
    if len(copies) == 1:
        return copies[0], []

    def evidence(copy: _Link) -> tuple[bool, bool]:
        linked = (copy.sequence, copy.stated_hash) in linked_hashes
        return linked, copy.computed_hash == copy.stated_hash

    best = max(evidence(copy) for copy in copies)
    candidates = [copy for copy in copies if evidence(copy) == best]
    if len(candidates) == 1 and best != (False, False):
        genuine = candidates[0]
        inserted: list[ChainFault] = [
            InsertedEvent(
                subject,
                copy.event_id,
                copy.sequence,
                copy.position,
                copy.stated_hash,
                genuine.stated_hash,
            )
            for copy in copies
            if copy is not genuine
        ]
        return genuine, inserted
    conflict = ConflictingEvents(
        subject,
        copies[0].event_id,
        copies[0].sequence,
        tuple(copy.position for copy in copies),
        tuple(copy.stated_hash for copy in copies),
    )
    return copies[0], [conflict]


def _altered(subject: str, unique_links: list[_Link]) -> Iterator[ChainFault]:
    for link in unique_links:
        if link.computed_hash != link.stated_hash:
            yield AlteredEvent(
                subject,
                link.event_id,
                link.sequence,
                link.position,
                link.stated_hash,
                link.computed_hash,
            )


def _reordered(subject: str, unique_links: list[_Link]) -> Iterator[ChainFault]:
    """Flag the fewest events whose removal leaves the stream in sequence order."""
    in_order = _longest_increasing(unique_links)
    for index, link in enumerate(unique_links):
        if index in in_order:
            continue
        yield ReorderedEvent(
            subject,
            link.event_id,
            link.sequence,
            link.position,
            previous_sequence=unique_links[index - 1].sequence if index > 0 else None,
            next_sequence=unique_links[index + 1].sequence
            if index + 1 < len(unique_links)
            else None,
        )


def _longest_increasing(links: list[_Link]) -> set[int]:
    """Return the indexes of a longest run of links with increasing sequence."""
    tails: list[int] = []  # tails[k]: smallest ending sequence of a run of k + 1
    tail_index: list[int] = []
    predecessor: list[int | None] = []
    for index, link in enumerate(links):
        rank = bisect_left(tails, link.sequence)
        predecessor.append(tail_index[rank - 1] if rank > 0 else None)
        if rank == len(tails):
            tails.append(link.sequence)
            tail_index.append(index)
        else:
            tails[rank] = link.sequence
            tail_index[rank] = index
    members: set[int] = set()
    cursor = tail_index[-1] if tail_index else None
    while cursor is not None:
        members.add(cursor)
        cursor = predecessor[cursor]
    return members


def _missing(
    subject: str, ordered: list[_Link], head: ChainHead | None
) -> Iterator[ChainFault]:
    expected = 1
    for link in ordered:
        if link.sequence > expected:
            yield MissingEvents(subject, expected, link.sequence - 1)
        expected = link.sequence + 1
    if head is not None and head.sequence >= expected:
        yield MissingEvents(subject, expected, head.sequence)


def _wrong_first(subject: str, ordered: list[_Link]) -> Iterator[ChainFault]:
    if not ordered or ordered[0].sequence != 1:
        return
    first = ordered[0]
    if first.previous_hash is not None:
        reason = f"it links to previous hash {first.previous_hash}, expected none"
        yield WrongFirstEvent(subject, first.event_id, first.position, reason)
    parts = split_event_type(first.stored_type)
    if parts is None or parts[0] != FIRST_EVENT_NAME:
        reason = f"its type is {first.stored_type}, expected a {FIRST_EVENT_NAME}"
        yield WrongFirstEvent(subject, first.event_id, first.position, reason)


def _wrong_links(subject: str, ordered: list[_Link]) -> Iterator[ChainFault]:
    for previous, link in pairwise(ordered):
        if link.sequence != previous.sequence + 1:
            continue
        if link.previous_hash != previous.stated_hash:
            yield WrongPreviousHash(
                subject,
                link.event_id,
                link.sequence,
                link.position,
                expected=previous.stated_hash,
                found=link.previous_hash,
            )


def _head_mismatch(
    subject: str, ordered: list[_Link], head: ChainHead | None
) -> Iterator[ChainFault]:
    if head is None:
        return
    for link in ordered:
        if link.sequence == head.sequence and link.stated_hash != head.hash:
            yield HeadMismatch(subject, head.sequence, head.hash, link.stated_hash)

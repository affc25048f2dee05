"""The per-complaint sequence check that decides what a batch applies.

For each record, in partition and offset order:

* an offset at or below the stored position was processed already (by this
  or another instance) and is passed over;
* a record that does not decode is poison: it goes to the dead-letter topic
  and its offset counts as processed;
* the complaint's next sequence is applied, provided its ``prevhash`` is the
  hash of the event before it;
* an older sequence whose hash equals the applied event's hash is an exact
  duplicate (the relay may publish an event twice) and is skipped;
* an older sequence with another hash, or a next sequence that does not link
  to its predecessor, is a conflict, and a sequence further ahead is a gap:
  both halt the batch at that record, which is neither applied nor counted as
  processed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from projections.runner.errors import (
    ConflictError,
    HaltedAt,
    HaltError,
    SequenceGapError,
)
from projections.runner.records import IncomingRecord, PoisonRecord
from projections.runner.tracking import ChainHead, PartitionKey

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping, Sequence

    from events.structured import DecodedEvent
    from projections.base import Position

BatchItem = tuple[IncomingRecord, "DecodedEvent | PoisonRecord"]
"""A consumed record with its decoded event or the reason it is poison."""


@dataclass(slots=True)
class BatchPlan:
    """What one batch transaction applies, skips and records."""

    to_apply: list[tuple[DecodedEvent, Position]] = field(default_factory=list)
    poison: list[PoisonRecord] = field(default_factory=list)
    duplicates: int = 0
    already_processed: int = 0
    positions: dict[PartitionKey, int] = field(default_factory=dict)
    """The offset of the last record processed, per partition."""
    heads: dict[str, tuple[ChainHead | None, ChainHead]] = field(default_factory=dict)
    """Each changed complaint's head before the batch and after it."""
    hashes: dict[tuple[str, int], str] = field(default_factory=dict)
    """The hash of every event applied, by (complaint id, sequence)."""
    halt: HaltError | None = None
    newest_recorded_at: dt.datetime | None = None


def hashes_to_load(
    items: Iterable[BatchItem], heads: Mapping[str, ChainHead]
) -> set[tuple[str, int]]:
    """Return the (complaint, sequence) keys whose stored hash the plan needs.

    Those are the events at or below their complaint's stored head, which can
    only be duplicates or conflicts.
    """
    keys: set[tuple[str, int]] = set()
    for _record, item in items:
        if isinstance(item, PoisonRecord):
            continue
        head = heads.get(item.envelope.subject)
        if head is not None and item.envelope.sequence <= head.sequence:
            keys.add((item.envelope.subject, item.envelope.sequence))
    return keys


def plan_batch(
    items: Sequence[BatchItem],
    *,
    stored_positions: Mapping[PartitionKey, int],
    heads: Mapping[str, ChainHead],
    stored_hashes: Mapping[tuple[str, int], str],
) -> BatchPlan:
    """Decide, record by record, what the batch applies; stop at the first halt."""
    plan = BatchPlan()
    current = dict(heads)
    for record, item in items:
        key = (record.topic, record.partition)
        if record.offset <= stored_positions.get(key, -1):
            plan.already_processed += 1
            continue
        if isinstance(item, PoisonRecord):
            plan.poison.append(item)
        else:
            halt = _judge(
                plan,
                record,
                item,
                current=current,
                stored_heads=heads,
                stored_hashes=stored_hashes,
            )
            if halt is not None:
                plan.halt = halt
                return plan
        plan.positions[key] = record.offset
    return plan


def _judge(  # noqa: PLR0913 (the record and the four views of the chain state)
    plan: BatchPlan,
    record: IncomingRecord,
    event: DecodedEvent,
    *,
    current: dict[str, ChainHead],
    stored_heads: Mapping[str, ChainHead],
    stored_hashes: Mapping[tuple[str, int], str],
) -> HaltError | None:
    envelope = event.envelope
    complaint, sequence = envelope.subject, envelope.sequence
    head = current.get(complaint)
    expected = 1 if head is None else head.sequence + 1
    if sequence > expected:
        return _gap(record, event, expected)
    if sequence < expected:
        known = plan.hashes.get((complaint, sequence))
        if known is None:
            known = stored_hashes.get((complaint, sequence))
        if known != envelope.hash:
            return _altered(record, event, known)
        plan.duplicates += 1
        return None
    linked = None if head is None else head.hash
    if envelope.previous_hash != linked:
        return _unlinked(record, event, linked)
    new_head = ChainHead(sequence, envelope.hash)
    current[complaint] = new_head
    plan.heads[complaint] = (stored_heads.get(complaint), new_head)
    plan.hashes[complaint, sequence] = envelope.hash
    plan.to_apply.append((event, record.position))
    if (
        plan.newest_recorded_at is None
        or envelope.recorded_at > plan.newest_recorded_at
    ):
        plan.newest_recorded_at = envelope.recorded_at
    return None


def _halted_at(record: IncomingRecord, event: DecodedEvent) -> HaltedAt:
    envelope = event.envelope
    return HaltedAt(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        event_id=envelope.id,
        complaint_id=envelope.subject,
        sequence=envelope.sequence,
    )


def _where(record: IncomingRecord, event: DecodedEvent) -> str:
    return (
        f"event {event.envelope.id} at {record.topic} partition {record.partition} "
        f"offset {record.offset}"
    )


def _gap(record: IncomingRecord, event: DecodedEvent, expected: int) -> HaltError:
    missing = (
        f"sequence {expected}"
        if event.envelope.sequence == expected + 1
        else f"sequences {expected} to {event.envelope.sequence - 1}"
    )
    return SequenceGapError(
        f"{_where(record, event)} has sequence {event.envelope.sequence}, but the "
        f"projection has applied the complaint up to sequence {expected - 1}: "
        f"{missing} never arrived. Republish the missing events from the event "
        "store, then restart the runner",
        at=_halted_at(record, event),
    )


def _altered(
    record: IncomingRecord, event: DecodedEvent, known: str | None
) -> HaltError:
    stored = "no stored hash" if known is None else f"hash {known}"
    return ConflictError(
        f"{_where(record, event)} has hash {event.envelope.hash}, but the applied "
        f"event with this id has {stored}: one copy was altered. Verify the "
        "complaint's chain with the auditor before restarting the runner",
        at=_halted_at(record, event),
    )


def _unlinked(
    record: IncomingRecord, event: DecodedEvent, linked: str | None
) -> HaltError:
    return ConflictError(
        f"{_where(record, event)} links to previous hash "
        f"{event.envelope.previous_hash}, but the applied event before it has "
        f"hash {linked}: the chain forks here. Verify the complaint's chain with "
        "the auditor before restarting the runner",
        at=_halted_at(record, event),
    )

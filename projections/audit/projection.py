"""The audit projection: every complaint's full history, chain status and checkpoints.

For each event the projection stores the stored document with its actor,
both times and Kafka position. It checks that the event extends its
complaint's hash chain (the running verification status) and extends the
running digest of the event's partition. Every ``checkpoint_interval``
digested events of a partition, it takes a signed checkpoint over every
partition (see ``projections.audit.checkpoint``).

An event whose sequence is not above its complaint's head is not digested:
an exact copy of a stored event is ignored, any other copy marks the chain
broken. The runner skips exact duplicates before they get here; the check
repeats that rule so the digest never depends on the runner.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import func, insert, select, update

from events.canonical import canonical_json, hash_document
from projections.audit.checkpoint import GENESIS_DIGEST, extend_digest
from projections.audit.checkpointing import take_checkpoint
from projections.audit.linking import link_fault
from projections.audit.tables import METADATA, complaints, events, partitions

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection, Row

    from events.structured import DecodedEvent
    from monitoring.audit import AuditMetrics
    from projections.audit.signing import CheckpointSigner
    from projections.base import Position

logger = logging.getLogger(__name__)

MAX_CHECKPOINT_INTERVAL = 5000
"""Largest allowed interval, which keeps a checkpoint record well under 1 MB."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class AuditProjection:
    """Stores complaint histories for auditors; see the module docstring.

    Without a ``signer`` the projection stores histories and digests but
    takes no checkpoints.
    """

    name: ClassVar[str] = "audit"

    def __init__(
        self,
        *,
        signer: CheckpointSigner | None = None,
        checkpoint_interval: int = 1000,
        metrics: AuditMetrics | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if not 1 <= checkpoint_interval <= MAX_CHECKPOINT_INTERVAL:
            raise ValueError(
                f"checkpoint_interval {checkpoint_interval} is out of range: choose "
                f"1 to {MAX_CHECKPOINT_INTERVAL} events per partition"
            )
        self.metadata = METADATA
        self.signer = signer
        self.checkpoint_interval = checkpoint_interval
        self.metrics = metrics
        self.clock = clock
        if signer is None:
            logger.warning("Audit checkpoints are off: no signing key is configured")

    def apply(
        self, connection: Connection, event: DecodedEvent, position: Position
    ) -> None:
        """Record ``event``; runs in the runner's transaction and never commits."""
        envelope = event.envelope
        complaint = connection.execute(
            select(complaints).where(complaints.c.complaint_id == envelope.subject)
        ).one_or_none()
        if complaint is not None and envelope.sequence <= complaint.head_sequence:
            self._apply_earlier(connection, complaint, event, position)
            self._advance_offset(connection, position)
            return
        computed = hash_document(event.document)
        fault = link_fault(complaint, event, computed, position)
        self._insert_event(connection, event, position)
        self._advance_head(connection, complaint, event, position, fault)
        events_digested = self._advance_partition(
            connection, position, computed, new_complaint=complaint is None
        )
        if self.metrics is not None:
            self.metrics.verified("event", valid=fault is None)
        if self.signer is not None and events_digested % self.checkpoint_interval == 0:
            take_checkpoint(
                connection,
                topic=position.topic,
                signer=self.signer,
                taken_at=self.clock(),
                metrics=self.metrics,
            )

    def _apply_earlier(
        self,
        connection: Connection,
        complaint: Row[Any],
        event: DecodedEvent,
        position: Position,
    ) -> None:
        """Handle an event at or below the head: a copy, or an out-of-order one."""
        envelope = event.envelope
        computed = hash_document(event.document)
        stored_hash = connection.execute(
            select(events.c.hash).where(
                events.c.complaint_id == envelope.subject,
                events.c.sequence == envelope.sequence,
            )
        ).scalar_one_or_none()
        if stored_hash == envelope.hash == computed:
            logger.debug("Skipped exact copy of event %s", envelope.id)
            return
        if stored_hash is None:
            self._insert_event(connection, event, position)
            fault = (
                f"event {envelope.id} at partition {position.partition} offset "
                f"{position.offset} arrived after sequence {complaint.head_sequence}"
            )
        else:
            fault = (
                f"event {envelope.id} appears again at partition "
                f"{position.partition} offset {position.offset} with other content "
                f"(stated hash {envelope.hash}, content hash {computed}, stored "
                f"hash {stored_hash})"
            )
        logger.error(
            "Chain of complaint %s is broken at event %s (partition %d, offset %d)",
            envelope.subject,
            envelope.id,
            position.partition,
            position.offset,
        )
        connection.execute(
            update(complaints)
            .where(complaints.c.complaint_id == envelope.subject)
            .values(
                chain_intact=False,
                chain_fault=func.coalesce(complaints.c.chain_fault, fault),
            )
        )
        if self.metrics is not None:
            self.metrics.verified("event", valid=False)

    def _insert_event(
        self, connection: Connection, event: DecodedEvent, position: Position
    ) -> None:
        envelope = event.envelope
        document = event.document
        connection.execute(
            insert(events).values(
                complaint_id=envelope.subject,
                sequence=envelope.sequence,
                event_id=envelope.id,
                stored_type=event.stored_type,
                current_type=envelope.type,
                actor_agency=envelope.actor.agency,
                actor_role=envelope.actor.role.value,
                actor_unit=envelope.actor.unit,
                occurred_at=str(document["time"]),
                recorded_at=str(document["recordedtime"]),
                topic=position.topic,
                kafka_partition=position.partition,
                kafka_offset=position.offset,
                previous_hash=envelope.previous_hash,
                hash=envelope.hash,
                document=canonical_json(document).decode("utf-8"),
            )
        )

    def _advance_head(
        self,
        connection: Connection,
        complaint: Row[Any] | None,
        event: DecodedEvent,
        position: Position,
        fault: str | None,
    ) -> None:
        envelope = event.envelope
        if fault is not None:
            logger.error(
                "Chain of complaint %s is broken at event %s (partition %d, offset %d)",
                envelope.subject,
                envelope.id,
                position.partition,
                position.offset,
            )
        head = {
            "head_sequence": envelope.sequence,
            "head_hash": envelope.hash,
            "head_pending": True,
        }
        if complaint is None:
            connection.execute(
                insert(complaints).values(
                    complaint_id=envelope.subject,
                    topic=position.topic,
                    kafka_partition=position.partition,
                    event_count=1,
                    chain_intact=fault is None,
                    chain_fault=fault,
                    **head,
                )
            )
            return
        values: dict[str, Any] = {
            **head,
            "event_count": complaints.c.event_count + 1,
        }
        if fault is not None and complaint.chain_intact:
            values |= {"chain_intact": False, "chain_fault": fault}
        connection.execute(
            update(complaints)
            .where(complaints.c.complaint_id == envelope.subject)
            .values(**values)
        )

    def _advance_partition(
        self,
        connection: Connection,
        position: Position,
        event_hash: str,
        *,
        new_complaint: bool,
    ) -> int:
        """Extend the partition's digest by one event; return its event count."""
        row = self._partition_row(connection, position)
        if row is None:
            connection.execute(
                insert(partitions).values(
                    topic=position.topic,
                    kafka_partition=position.partition,
                    next_offset=position.offset + 1,
                    events=1,
                    complaints=1 if new_complaint else 0,
                    digest=extend_digest(GENESIS_DIGEST, event_hash),
                )
            )
            return 1
        events_digested = int(row.events) + 1
        connection.execute(
            update(partitions)
            .where(*_partition_key(position))
            .values(
                next_offset=max(int(row.next_offset), position.offset + 1),
                events=events_digested,
                complaints=int(row.complaints) + (1 if new_complaint else 0),
                digest=extend_digest(row.digest, event_hash),
            )
        )
        return events_digested

    def _advance_offset(self, connection: Connection, position: Position) -> None:
        """Move the partition's next offset past a record that is not digested."""
        row = self._partition_row(connection, position)
        if row is None:
            connection.execute(
                insert(partitions).values(
                    topic=position.topic,
                    kafka_partition=position.partition,
                    next_offset=position.offset + 1,
                    events=0,
                    complaints=0,
                    digest=GENESIS_DIGEST,
                )
            )
        elif position.offset + 1 > row.next_offset:
            connection.execute(
                update(partitions)
                .where(*_partition_key(position))
                .values(next_offset=position.offset + 1)
            )

    @staticmethod
    def _partition_row(connection: Connection, position: Position) -> Row[Any] | None:
        return connection.execute(
            select(partitions).where(*_partition_key(position))
        ).one_or_none()


def _partition_key(position: Position) -> tuple[Any, ...]:
    return (
        partitions.c.topic == position.topic,
        partitions.c.kafka_partition == position.partition,
    )

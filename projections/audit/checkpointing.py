"""Taking a signed checkpoint from the audit projection's tables."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, insert, select, update

from events.timestamps import format_timestamp
from projections.audit.checkpoint import (
    Checkpoint,
    HeadMark,
    PartitionMark,
    SignedCheckpoint,
    sign_checkpoint,
)
from projections.audit.tables import checkpoints, complaints, partitions

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Connection

    from monitoring.audit import AuditMetrics
    from projections.audit.signing import CheckpointSigner

logger = logging.getLogger(__name__)

MAX_HEADS_PER_CHECKPOINT = 2000
"""Heads listed in one checkpoint; about 150 bytes each in the record."""


def take_checkpoint(
    connection: Connection,
    *,
    topic: str,
    signer: CheckpointSigner,
    taken_at: datetime,
    metrics: AuditMetrics | None = None,
) -> SignedCheckpoint:
    """Sign and store a checkpoint of ``topic`` as the tables stand in ``connection``.

    Heads that moved since the previous checkpoint are listed, up to
    :data:`MAX_HEADS_PER_CHECKPOINT`; the rest stay pending for the next one.
    The caller commits.
    """
    marks = _partition_marks(connection, topic)
    heads = _pending_heads(connection, topic)
    total = connection.execute(
        select(func.count()).select_from(complaints).where(complaints.c.topic == topic)
    ).scalar_one()
    checkpoint = Checkpoint(
        topic=topic,
        taken_at=taken_at,
        key_id=signer.key_id,
        partitions=marks,
        complaints=total,
        heads=heads,
    )
    signed = sign_checkpoint(checkpoint, signer)
    _store(connection, signed)
    _clear_pending(connection, heads)
    logger.info(
        "Signed checkpoint %s of topic %s: %d partitions, %d complaints, %d heads",
        signed.checkpoint_id,
        topic,
        len(marks),
        total,
        len(heads),
    )
    if metrics is not None:
        _record_metrics(metrics, signed)
    return signed


def stored_checkpoints(connection: Connection, topic: str) -> list[SignedCheckpoint]:
    """Return the stored checkpoints of ``topic``, oldest first."""
    rows = connection.execute(
        select(checkpoints.c.record)
        .where(checkpoints.c.topic == topic)
        .order_by(checkpoints.c.number)
    ).scalars()
    return [SignedCheckpoint.model_validate_json(record) for record in rows]


def _partition_marks(connection: Connection, topic: str) -> tuple[PartitionMark, ...]:
    rows = connection.execute(
        select(partitions)
        .where(partitions.c.topic == topic)
        .order_by(partitions.c.kafka_partition)
    )
    return tuple(
        PartitionMark(
            partition=row.kafka_partition,
            offset=row.next_offset,
            events=row.events,
            complaints=row.complaints,
            digest=row.digest,
        )
        for row in rows
    )


def _pending_heads(connection: Connection, topic: str) -> tuple[HeadMark, ...]:
    rows = connection.execute(
        select(
            complaints.c.complaint_id,
            complaints.c.head_sequence,
            complaints.c.head_hash,
        )
        .where(complaints.c.topic == topic, complaints.c.head_pending.is_(True))
        .order_by(complaints.c.complaint_id)
        .limit(MAX_HEADS_PER_CHECKPOINT)
    )
    return tuple(
        HeadMark(
            complaint_id=row.complaint_id,
            sequence=row.head_sequence,
            hash=row.head_hash,
        )
        for row in rows
    )


def _store(connection: Connection, signed: SignedCheckpoint) -> None:
    checkpoint_id = signed.checkpoint_id
    exists = connection.execute(
        select(checkpoints.c.number).where(checkpoints.c.checkpoint_id == checkpoint_id)
    ).first()
    if exists is not None:
        # A rebuild with a fixed clock takes the very same checkpoint again.
        return
    connection.execute(
        insert(checkpoints).values(
            checkpoint_id=checkpoint_id,
            topic=signed.checkpoint.topic,
            taken_at=format_timestamp(signed.checkpoint.taken_at),
            key_id=signed.checkpoint.key_id,
            record=signed.to_json().decode("utf-8"),
            published=False,
        )
    )


def _clear_pending(connection: Connection, heads: tuple[HeadMark, ...]) -> None:
    """Clear ``head_pending`` of the listed heads unless they moved meanwhile."""
    if not heads:
        return
    statement = (
        update(complaints)
        .where(
            complaints.c.complaint_id == bindparam("listed_id"),
            complaints.c.head_sequence == bindparam("listed_sequence"),
        )
        .values(head_pending=False)
    )
    connection.execute(
        statement,
        [
            {"listed_id": head.complaint_id, "listed_sequence": head.sequence}
            for head in heads
        ],
    )


def _record_metrics(metrics: AuditMetrics, signed: SignedCheckpoint) -> None:
    # NOTE: set before the caller commits; a rolled-back transaction leaves
    # these values ahead of the stored checkpoints until the next one.
    metrics.checkpoints_signed.inc()
    metrics.last_checkpoint_time.set(signed.checkpoint.taken_at.timestamp())
    for mark in signed.checkpoint.partitions:
        metrics.last_checkpoint_offset.labels(partition=str(mark.partition)).set(
            mark.offset
        )

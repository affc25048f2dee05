"""Inputs of the audit commands: the events topic and the projection database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from projections.audit.auditor import audit_log
from projections.audit.checkpointing import take_checkpoint
from projections.audit.database import open_engine
from projections.audit.decoding import decode_located
from projections.audit.export import build_export
from projections.audit.history import entry_of, load_history
from projections.audit.publisher import CheckpointPublisher
from projections.audit.reader import read_topic

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from events import DecodedEvent
    from projections.audit.access import Viewer
    from projections.audit.auditor import AuditReport
    from projections.audit.checkpoint import SignedCheckpoint
    from projections.audit.export import ComplaintExport
    from projections.audit.findings import RecordLocation
    from projections.audit.reader import LogRecord
    from projections.audit.signing import CheckpointSigner, CheckpointVerifier


async def audit_topic(
    bootstrap: str,
    topic: str,
    *,
    verifiers: Sequence[CheckpointVerifier],
    checkpoints_topic: str | None,
    timeout_seconds: float,
) -> AuditReport:
    """Read the events topic (and the checkpoints topic, if given) and audit them."""
    snapshot = await read_topic(bootstrap, topic, timeout_seconds=timeout_seconds)
    checkpoint_records: tuple[LogRecord, ...] = ()
    if checkpoints_topic is not None:
        checkpoints = await read_topic(
            bootstrap, checkpoints_topic, timeout_seconds=timeout_seconds
        )
        checkpoint_records = checkpoints.records
    return audit_log(
        snapshot,
        verifiers=verifiers,
        checkpoints_topic=checkpoints_topic,
        checkpoint_records=checkpoint_records,
    )


async def topic_events_of(
    bootstrap: str, topic: str, complaint_id: str, *, timeout_seconds: float
) -> list[tuple[DecodedEvent, RecordLocation]]:
    """Return the decodable events of one complaint from the events topic."""
    key = complaint_id.encode("utf-8")
    snapshot = await read_topic(
        bootstrap,
        topic,
        timeout_seconds=timeout_seconds,
        keep=lambda record: record.key == key,
    )
    return decode_located(snapshot.records)


async def export_from_topic(  # noqa: PLR0913 (each is a separate input of the export)
    bootstrap: str,
    topic: str,
    complaint_id: str,
    viewer: Viewer,
    *,
    timeout_seconds: float,
    now: datetime,
) -> ComplaintExport:
    """Build a complaint's export from the events topic alone."""
    events = await topic_events_of(
        bootstrap, topic, complaint_id, timeout_seconds=timeout_seconds
    )
    entries = [entry_of(event, topic, location) for event, location in events]
    return build_export(complaint_id, entries, viewer, now=now)


def export_from_database(
    url: str, complaint_id: str, viewer: Viewer, *, now: datetime
) -> ComplaintExport:
    """Build a complaint's export from the projection database."""
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            entries = load_history(connection, complaint_id)
    finally:
        engine.dispose()
    return build_export(complaint_id, entries, viewer, now=now)


def checkpoint_now(
    url: str, topic: str, signer: CheckpointSigner, *, now: datetime
) -> SignedCheckpoint:
    """Sign and store a checkpoint of ``topic`` in the projection database."""
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            return take_checkpoint(connection, topic=topic, signer=signer, taken_at=now)
    finally:
        engine.dispose()


async def publish_checkpoints(url: str, bootstrap: str, checkpoints_topic: str) -> int:
    """Publish every unpublished checkpoint; return how many were published."""
    from gateway.kafka.producer import ReliableProducer  # noqa: PLC0415

    engine = open_engine(url)
    producer = ReliableProducer(bootstrap, client_id="lapor-audit-checkpoints")
    try:
        await producer.start()
        publisher = CheckpointPublisher(engine, producer, checkpoints_topic)
        return await publisher.publish_pending()
    finally:
        await producer.stop()
        engine.dispose()

"""The audit projection on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select, update

from events import decode_kafka
from events.canonical import canonical_json
from monitoring.audit import AuditMetrics
from projections.audit import AuditProjection, audit_log
from projections.audit.checkpointing import stored_checkpoints, take_checkpoint
from projections.audit.findings import FindingKind, findings_of
from projections.audit.history import load_history, load_status, verify_stored
from projections.audit.tables import checkpoints, complaints, events, partitions
from projections.base import Position
from tests.projections.audit.feeding import checkpoint_records, feed
from tests.projections.audit.histories import snapshot_from, snapshot_of
from tests.projections.audit.tampering import alter, layout_of

NOW = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)


def legacy_id(histories) -> str:
    return next(
        complaint_id
        for complaint_id, events in histories.by_complaint.items()
        if events[0].upcast
    )


def closed_id(histories) -> str:
    return next(iter(histories.by_complaint))


def test_history_keeps_actor_times_position(engine, histories):
    snapshot = snapshot_of(histories.published)
    feed(engine, AuditProjection(), snapshot)
    complaint_id = closed_id(histories)
    expected = histories.by_complaint[complaint_id]

    with engine.connect() as connection:
        entries = load_history(connection, complaint_id)

    assert [entry.sequence for entry in entries] == list(range(1, len(expected) + 1))
    for entry, event in zip(entries, expected, strict=True):
        envelope = event.envelope
        assert entry.event_id == envelope.id
        assert entry.actor_agency == envelope.actor.agency
        assert entry.actor_role == envelope.actor.role.value
        assert entry.actor_unit == envelope.actor.unit
        assert entry.time == envelope.time
        assert entry.recordedtime == envelope.recorded_at
        assert entry.previous_hash == envelope.previous_hash
        assert entry.hash == envelope.hash
        assert entry.document == event.document
        assert entry.topic == snapshot.topic
    records = {
        (record.key, dict(record.headers)["ce_sequence"]): record
        for record in snapshot.records
    }
    first = records[(complaint_id.encode(), b"1")]
    assert (entries[0].partition, entries[0].offset) == (first.partition, first.offset)


def test_stored_and_current_type_of_legacy_event(engine, histories):
    feed(engine, AuditProjection(), snapshot_of(histories.published))

    with engine.connect() as connection:
        first = load_history(connection, legacy_id(histories))[0]

    assert first.stored_type == "id.go.lapor.complaint.submitted.v1"
    assert first.current_type == "id.go.lapor.complaint.submitted.v2"
    assert first.document["data"]["channel"] == "SMS 1708"


def test_honest_chains_are_intact(engine, histories):
    feed(engine, AuditProjection(), snapshot_of(histories.published))

    with engine.connect() as connection:
        statuses = [load_status(connection, cid) for cid in histories.by_complaint]

    for status in statuses:
        assert status is not None
        assert status.chain_intact, status
        assert status.chain_fault is None


def test_altered_event_breaks_running_status(engine, histories):
    complaint_id = closed_id(histories)
    honest = snapshot_of(histories.published)
    tampered = alter(layout_of(honest), complaint_id, 5)
    feed(engine, AuditProjection(), snapshot_from(tampered))

    with engine.connect() as connection:
        status = load_status(connection, complaint_id)

    assert status is not None
    assert not status.chain_intact
    assert f"event {complaint_id}/5" in (status.chain_fault or "")
    assert "was altered" in (status.chain_fault or "")


def test_exact_copy_changes_nothing(engine, histories):
    snapshot = snapshot_of(histories.published)
    projection = AuditProjection()
    feed(engine, projection, snapshot)
    with engine.connect() as connection:
        before = connection.execute(select(partitions)).all()
    record = snapshot.records[0]
    event = decode_kafka(record.key, record.value, record.headers)
    late = Position(snapshot.topic, record.partition, 10_000)

    with engine.begin() as connection:
        projection.apply(connection, event, late)
    with engine.connect() as connection:
        after = connection.execute(select(partitions)).all()
        status = load_status(connection, event.envelope.subject)

    assert status is not None
    assert status.chain_intact
    changed = [row for row in after if row.kafka_partition == record.partition]
    unchanged = [row for row in before if row.kafka_partition == record.partition]
    assert changed[0].digest == unchanged[0].digest
    assert changed[0].events == unchanged[0].events
    assert changed[0].next_offset == 10_001


def test_conflicting_copy_breaks_chain_keeps_head(engine, histories):
    snapshot = snapshot_of(histories.published)
    projection = AuditProjection()
    feed(engine, projection, snapshot)
    complaint_id = closed_id(histories)
    genuine = histories.by_complaint[complaint_id][2]
    document = {**genuine.document, "data": {**genuine.document["data"], "note": "x"}}
    forged = replace(genuine, document=document)

    with engine.begin() as connection:
        projection.apply(connection, forged, Position(snapshot.topic, 0, 9_999))
    with engine.connect() as connection:
        status = load_status(connection, complaint_id)
        stored = load_history(connection, complaint_id)[2]

    assert status is not None
    assert not status.chain_intact
    assert "appears again" in (status.chain_fault or "")
    assert status.head_sequence == len(histories.by_complaint[complaint_id])
    assert stored.document == genuine.document


def test_gap_breaks_chain(engine, histories):
    projection = AuditProjection()
    events = histories.by_complaint[closed_id(histories)]

    with engine.begin() as connection:
        projection.apply(connection, events[0], Position("events", 0, 0))
        projection.apply(connection, events[2], Position("events", 0, 1))
        status = load_status(connection, events[0].envelope.subject)

    assert status is not None
    assert not status.chain_intact
    assert "events are missing" in (status.chain_fault or "")


def test_checkpoints_every_interval(engine, histories, signer):
    snapshot = snapshot_of(histories.published)
    registry = CollectorRegistry()
    metrics = AuditMetrics(registry)
    projection = AuditProjection(
        signer=signer, checkpoint_interval=4, metrics=metrics, clock=lambda: NOW
    )

    feed(engine, projection, snapshot)
    with engine.connect() as connection:
        stored = stored_checkpoints(connection, snapshot.topic)
        digested = connection.execute(select(partitions.c.events)).scalars().all()

    assert len(stored) == sum(events // 4 for events in digested)
    assert registry.get_sample_value("lapor_audit_checkpoints_signed_total") == len(
        stored
    )
    last = stored[-1].checkpoint
    for mark in last.partitions:
        gauge = registry.get_sample_value(
            "lapor_audit_last_checkpoint_offset", {"partition": str(mark.partition)}
        )
        assert gauge == mark.offset


def test_checkpoints_match_the_topic(engine, histories, signer):
    snapshot = snapshot_of(histories.published)
    projection = AuditProjection(signer=signer, checkpoint_interval=3)
    feed(engine, projection, snapshot)
    with engine.begin() as connection:
        take_checkpoint(connection, topic=snapshot.topic, signer=signer, taken_at=NOW)

    report = audit_log(
        snapshot,
        verifiers=[signer.verifier()],
        checkpoints_topic="checkpoints",
        checkpoint_records=checkpoint_records(engine),
    )

    assert report.findings == ()
    assert report.checkpoints is not None
    assert report.checkpoints.heads == len(histories.by_complaint)
    for coverage in report.checkpoints.coverage:
        assert coverage.covered_offset == snapshot.end_offsets[coverage.partition]


def test_on_demand_checkpoint_clears_pending_heads(engine, histories, signer):
    snapshot = snapshot_of(histories.published)
    feed(engine, AuditProjection(), snapshot)

    with engine.begin() as connection:
        signed = take_checkpoint(
            connection, topic=snapshot.topic, signer=signer, taken_at=NOW
        )
        pending = connection.execute(
            select(func.count())
            .select_from(complaints)
            .where(complaints.c.head_pending.is_(True))
        ).scalar_one()

    heads = {head.complaint_id: head.sequence for head in signed.checkpoint.heads}
    assert heads == {
        complaint_id: len(events)
        for complaint_id, events in histories.by_complaint.items()
    }
    assert signed.checkpoint.complaints == len(histories.by_complaint)
    assert pending == 0


def test_checkpoint_rows_start_unpublished(engine, histories, signer):
    feed(
        engine,
        AuditProjection(signer=signer, checkpoint_interval=5),
        snapshot_of(histories.published),
    )

    with engine.connect() as connection:
        flags = connection.execute(select(checkpoints.c.published)).scalars().all()

    assert flags
    assert not any(flags)


def test_no_signer_takes_no_checkpoints(engine, histories):
    feed(
        engine, AuditProjection(checkpoint_interval=1), snapshot_of(histories.published)
    )

    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(checkpoints)
        ).scalar_one()

    assert count == 0


def test_verification_on_request_finds_database_tampering(engine, histories):
    feed(engine, AuditProjection(), snapshot_of(histories.published))
    complaint_id = closed_id(histories)
    registry = CollectorRegistry()
    metrics = AuditMetrics(registry)
    with engine.begin() as connection:
        clean, _ = verify_stored(connection, complaint_id, now=NOW, metrics=metrics)
        entry = load_history(connection, complaint_id)[3]
        document = {**entry.document, "actoragency": "pemprov-jabar"}
        connection.execute(
            update(events)
            .where(events.c.complaint_id == complaint_id, events.c.sequence == 4)
            .values(document=canonical_json(document).decode())
        )
    with engine.begin() as connection:
        tampered, index = verify_stored(
            connection, complaint_id, now=NOW, metrics=metrics
        )
        status = load_status(connection, complaint_id)

    assert clean.valid
    assert not tampered.valid
    assert [type(fault).__name__ for fault in tampered.faults] == ["AlteredEvent"]
    assert index.locations[3].offset == entry.offset
    assert status is not None
    assert status.verified_valid is False
    assert status.verified_faults == 1
    assert status.verified_at == NOW
    labels = {"check": "history", "result": "faulty"}
    assert (
        registry.get_sample_value("lapor_audit_chain_verifications_total", labels) == 1
    )
    labels = {"check": "history", "result": "valid"}
    assert (
        registry.get_sample_value("lapor_audit_chain_verifications_total", labels) == 1
    )


def test_document_text_is_canonical(engine, histories):
    feed(engine, AuditProjection(), snapshot_of(histories.published))
    with engine.connect() as connection:
        texts = connection.execute(select(events.c.document)).scalars().all()

    for text in texts:
        assert canonical_json(json.loads(text)).decode() == text


def test_interval_out_of_range():
    with pytest.raises(ValueError, match="1 to 5000"):
        AuditProjection(checkpoint_interval=0)


def test_stored_event_of_other_complaint_is_flagged(engine, histories):
    feed(engine, AuditProjection(), snapshot_of(histories.published))
    complaint_id = closed_id(histories)
    other = legacy_id(histories)
    with engine.begin() as connection:
        foreign = load_history(connection, other)[0]
        connection.execute(
            update(events)
            .where(events.c.complaint_id == complaint_id, events.c.sequence == 1)
            .values(document=canonical_json(foreign.document).decode())
        )
    with engine.begin() as connection:
        report, index = verify_stored(connection, complaint_id, now=NOW)

    assert not report.valid
    findings = {finding.kind: finding for finding in findings_of(report, index)}
    assert set(findings) == {FindingKind.UNDECODABLE, FindingKind.REMOVED}
    assert findings[FindingKind.UNDECODABLE].sequence == 1
    assert f"complaint {other}" in findings[FindingKind.UNDECODABLE].message

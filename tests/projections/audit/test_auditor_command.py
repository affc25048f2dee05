"""The auditor command against the real broker: honest and tampered topic copies.

An honest history is published to a topic, the audit projection reads it back
and signs checkpoints, which the checkpoint publisher sends to a checkpoints
topic. Each test then writes a tampered copy of the events topic (a second
topic, same partitions) and runs ``python -m projections.audit verify`` as a
subprocess against it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from events import encode_kafka
from gateway.kafka.producer import ReliableProducer
from infra.kafka.admin import TopicSpec, create_topic, delete_topics
from projections.audit import AuditProjection, CheckpointPublisher, read_topic
from projections.audit.auditor import (
    EXIT_CHECKPOINTS_FAILED,
    EXIT_CLEAN,
    EXIT_EVENTS_TAMPERED,
)
from projections.audit.checkpointing import take_checkpoint
from projections.audit.database import open_engine
from projections.audit.signing import PUBLIC_KEY_FILE, generate_key_pair, load_signer
from tests.projections.audit import tampering
from tests.projections.audit.feeding import feed
from tests.projections.audit.histories import Histories, build_histories

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

PARTITIONS = 3
COMMAND_TIMEOUT_SECONDS = 120
READ_TIMEOUT_SECONDS = 30.0
ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class HonestLog:
    """The honest events topic, its checkpoints topic and the auditor's key."""

    bootstrap: str
    events_topic: str
    checkpoints_topic: str
    public_key: Path
    histories: Histories
    layout: tampering.Layout

    @property
    def closed(self) -> str:
        return next(iter(self.histories.by_complaint))


@pytest.fixture(scope="module")
async def honest_log(kafka_bootstrap_session, tmp_path_factory):
    bootstrap = kafka_bootstrap_session
    run = uuid.uuid4().hex[:10]
    events_topic = f"test.audit-events-{run}"
    checkpoints_topic = f"test.audit-checkpoints-{run}"
    await create_topic(bootstrap, TopicSpec(name=events_topic, partitions=PARTITIONS))
    await create_topic(bootstrap, TopicSpec(name=checkpoints_topic, partitions=1))
    try:
        folder = tmp_path_factory.mktemp("audit-command")
        private_key, _ = generate_key_pair(folder / "keys")
        signer = load_signer(key_file=private_key, key_variable=None)
        assert signer is not None
        histories = build_histories()
        await publish_events(bootstrap, events_topic, histories)
        snapshot = await read_topic(
            bootstrap, events_topic, timeout_seconds=READ_TIMEOUT_SECONDS
        )
        engine = open_engine(f"sqlite:///{folder / 'projections.sqlite'}")
        feed(engine, AuditProjection(signer=signer, checkpoint_interval=3), snapshot)
        with engine.begin() as connection:
            take_checkpoint(
                connection,
                topic=events_topic,
                signer=signer,
                taken_at=dt.datetime.now(dt.UTC),
            )
        producer = ReliableProducer(bootstrap)
        await producer.start()
        try:
            publisher = CheckpointPublisher(engine, producer, checkpoints_topic)
            assert await publisher.publish_pending() > 1
        finally:
            await producer.stop()
            engine.dispose()
        yield HonestLog(
            bootstrap=bootstrap,
            events_topic=events_topic,
            checkpoints_topic=checkpoints_topic,
            public_key=folder / "keys" / PUBLIC_KEY_FILE,
            histories=histories,
            layout=tampering.layout_of(snapshot),
        )
    finally:
        await delete_topics(bootstrap, [events_topic, checkpoints_topic])


async def publish_events(bootstrap: str, topic: str, histories: Histories) -> None:
    """Publish the events keyed by complaint id, as the relay does."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        for event in histories.published:
            message = encode_kafka(event)
            await producer.send(
                topic,
                value=message.value,
                key=message.key,
                headers=list(message.headers),
            )
        await producer.flush()
    finally:
        await producer.stop()


async def write_copy(bootstrap: str, topic: str, laid_out: tampering.Layout) -> None:
    """Write each partition's records, in order, to the same partition of ``topic``."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        for partition, records in laid_out.items():
            for record in records:
                await producer.send(
                    topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                    partition=partition,
                )
        await producer.flush()
    finally:
        await producer.stop()


async def run_command(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "projections.audit", *arguments]
    return await asyncio.to_thread(
        subprocess.run,
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


async def verify(log: HonestLog, events_topic: str, checkpoints_topic: str):
    result = await run_command(
        "verify",
        "--bootstrap",
        log.bootstrap,
        "--topic",
        events_topic,
        "--public-key",
        str(log.public_key),
        "--checkpoints-topic",
        checkpoints_topic,
        "--timeout",
        str(READ_TIMEOUT_SECONDS),
        "--json",
    )
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def findings_of_kind(report: dict, kind: str, complaint_id: str) -> list[dict]:
    return [
        finding
        for finding in report["findings"]
        if finding["kind"] == kind and finding["complaint_id"] == complaint_id
    ]


async def test_honest_topic_with_duplicate_passes(honest_log, make_topic):
    copy = await make_topic(partitions=PARTITIONS)
    laid_out = tampering.duplicate(honest_log.layout, honest_log.closed, 3)
    await write_copy(honest_log.bootstrap, copy, laid_out)

    code, report = await verify(honest_log, copy, honest_log.checkpoints_topic)

    assert code == EXIT_CLEAN, report["findings"]
    assert report["clean"] is True
    assert report["records"] == len(honest_log.histories.published) + 1
    [duplicate] = report["duplicates"]
    assert (duplicate["complaint_id"], duplicate["sequence"]) == (honest_log.closed, 3)
    assert report["checkpoints"]["accepted"] > 1


@pytest.mark.parametrize(
    ("tamper", "sequence", "kind", "reported"),
    [
        (tampering.alter, 5, "altered", {5}),
        (tampering.remove, 4, "removed", {4}),
        (tampering.insert_forged, 5, "inserted", {5}),
        (tampering.swap, 3, "reordered", {3, 4}),
        (tampering.replay_changed, 5, "inserted", {5}),
        (tampering.remove, 7, "removed", {7}),
    ],
    ids=["altered", "removed", "inserted", "swapped", "replayed", "removed-last"],
)
async def test_tampered_copy_is_reported(  # noqa: PLR0913, PLR0917 (fixtures and case)
    honest_log, make_topic, tamper, sequence, kind, reported
):
    copy = await make_topic(partitions=PARTITIONS)
    laid_out = tamper(honest_log.layout, honest_log.closed, sequence)
    await write_copy(honest_log.bootstrap, copy, laid_out)

    code, report = await verify(honest_log, copy, honest_log.checkpoints_topic)

    found = findings_of_kind(report, kind, honest_log.closed)
    assert found, report["findings"]
    assert {finding["sequence"] for finding in found} <= reported
    assert found[0]["partition"] is not None
    assert code == EXIT_EVENTS_TAMPERED


async def test_altered_event_located_in_copy(honest_log, make_topic):
    copy = await make_topic(partitions=PARTITIONS)
    laid_out = tampering.alter(honest_log.layout, honest_log.closed, 5)
    place = tampering.locate(laid_out, honest_log.closed, 5)
    await write_copy(honest_log.bootstrap, copy, laid_out)

    _, report = await verify(honest_log, copy, honest_log.checkpoints_topic)

    [altered] = findings_of_kind(report, "altered", honest_log.closed)
    assert altered["event_id"] == f"{honest_log.closed}/5"
    assert (altered["partition"], altered["offset"]) == (place.partition, place.index)


async def test_forged_checkpoint_signature_is_reported(honest_log, make_topic):
    forged_topic = await make_topic(partitions=1)
    checkpoints = await read_topic(
        honest_log.bootstrap,
        honest_log.checkpoints_topic,
        timeout_seconds=READ_TIMEOUT_SECONDS,
    )
    records = list(checkpoints.records)
    records[1] = tampering.forge_checkpoint(records[1])
    await write_copy(honest_log.bootstrap, forged_topic, {0: records})

    code, report = await verify(honest_log, honest_log.events_topic, forged_topic)

    kinds = [finding["kind"] for finding in report["findings"]]
    assert kinds == ["forged_checkpoint"]
    assert report["findings"][0]["offset"] == 1
    assert code == EXIT_CHECKPOINTS_FAILED


async def test_text_report_of_tampered_copy(honest_log, make_topic):
    copy = await make_topic(partitions=PARTITIONS)
    laid_out = tampering.remove(honest_log.layout, honest_log.closed, 4)
    await write_copy(honest_log.bootstrap, copy, laid_out)

    result = await run_command(
        "verify",
        "--bootstrap",
        honest_log.bootstrap,
        "--topic",
        copy,
        "--public-key",
        str(honest_log.public_key),
        "--checkpoints-topic",
        honest_log.checkpoints_topic,
    )

    assert f"REMOVED complaint {honest_log.closed} sequence 4" in result.stdout
    assert result.returncode == EXIT_EVENTS_TAMPERED


async def test_missing_topic_exits_with_read_failure(honest_log):
    result = await run_command(
        "verify",
        "--bootstrap",
        honest_log.bootstrap,
        "--topic",
        f"test.absent-{uuid.uuid4().hex[:8]}",
        "--public-key",
        str(honest_log.public_key),
        "--timeout",
        "20",
    )

    assert result.returncode == 4
    assert "does not exist" in result.stderr


async def test_replay_as_of_past_moment(honest_log):
    events = honest_log.histories.by_complaint[honest_log.closed]
    fourth = events[3].envelope
    moment = fourth.recorded_at + dt.timedelta(minutes=1)

    result = await run_command(
        "replay",
        "--bootstrap",
        honest_log.bootstrap,
        "--topic",
        honest_log.events_topic,
        "--complaint",
        honest_log.closed,
        "--as-of",
        moment.isoformat(),
        "--json",
    )

    assert result.returncode == 0, result.stderr
    replayed = json.loads(result.stdout)
    assert replayed["events_applied"] == 4
    assert replayed["state"]["status"] == "in_unit"
    assert replayed["last_event_id"] == fourth.id


async def test_export_html_from_topic(honest_log, tmp_path):
    out = tmp_path / "history.html"

    result = await run_command(
        "export",
        "--bootstrap",
        honest_log.bootstrap,
        "--topic",
        honest_log.events_topic,
        "--complaint",
        honest_log.closed,
        "--format",
        "html",
        "--out",
        str(out),
    )

    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert "Hash chain verified" in page
    assert "c2VhbGVk" not in page

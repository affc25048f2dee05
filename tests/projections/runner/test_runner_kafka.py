"""The runner against the real broker: catching up, duplicates, poison, rebuild."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import CollectorRegistry

from bench.event_mix import EventMix
from monitoring.projections import ProjectionMetrics
from projections.runner import (
    KafkaDeadLetters,
    ProjectionRunner,
    RunnerConfig,
    SequenceGapError,
    SourceError,
    create_store_engine,
    differing_tables,
    rebuild,
    sqlite_location,
    view_contents,
)
from projections.status import StatusProjection
from tests.projections.runner.support import (
    CollectedDeadLetters,
    partition_of,
    publish,
    sqlite_view,
)
from tests.support.kafka import read_records

pytestmark = pytest.mark.kafka

PARTITIONS = 3
RUN_TIMEOUT_SECONDS = 90


@pytest.fixture(scope="module")
def mix():
    return EventMix.build(60, seed=3)


@pytest.fixture
def view(tmp_path):
    opened = sqlite_view(tmp_path)
    yield opened
    opened.dispose()


def config_for(bootstrap, topic, unique_id, **overrides):
    return RunnerConfig(
        bootstrap_servers=bootstrap,
        topic=topic,
        client_id=f"test-{unique_id}",
        group_id=f"test.{unique_id}",
        **overrides,
    )


async def run_to_end(view, config):
    runner = ProjectionRunner(view.accounting, config)
    return await asyncio.wait_for(runner.run(until_caught_up=True), RUN_TIMEOUT_SECONDS)


async def test_runner_applies_whole_topic(
    kafka_bootstrap, make_topic, unique_id, view, mix
):
    topic = await make_topic(partitions=PARTITIONS)
    count = await publish(
        kafka_bootstrap, topic, mix.messages(700, window=60), partitions=PARTITIONS
    )
    summary = await run_to_end(view, config_for(kafka_bootstrap, topic, unique_id))
    assert summary.applied == count
    assert summary.duplicates == 0
    assert view.metric("lapor_projection_events_applied_total") == count
    for partition in range(PARTITIONS):
        assert view.metric("lapor_projection_lag_events", partition=str(partition)) == 0


async def test_runner_skips_republished_events(
    kafka_bootstrap, make_topic, unique_id, view, mix
):
    topic = await make_topic(partitions=PARTITIONS)
    messages = list(mix.messages(400, window=40))
    await publish(kafka_bootstrap, topic, messages, partitions=PARTITIONS)
    await publish(kafka_bootstrap, topic, messages[100:160], partitions=PARTITIONS)
    summary = await run_to_end(view, config_for(kafka_bootstrap, topic, unique_id))
    assert summary.applied == 400
    assert summary.duplicates == 60
    assert view.metric("lapor_projection_duplicates_skipped_total") == 60


async def test_runner_halts_on_gap(kafka_bootstrap, make_topic, unique_id, view, mix):
    topic = await make_topic(partitions=PARTITIONS)
    history = mix.copy(0)
    await publish(
        kafka_bootstrap, topic, [history[0], history[2]], partitions=PARTITIONS
    )
    with pytest.raises(SequenceGapError) as raised:
        await run_to_end(view, config_for(kafka_bootstrap, topic, unique_id))
    assert raised.value.at.partition == partition_of(history[0].key, PARTITIONS)
    assert raised.value.at.offset == 1
    assert view.metric("lapor_projection_halted", reason="sequence_gap") == 1
    assert view.metric("lapor_projection_sequence_gaps_total") == 1


async def test_poison_reaches_dead_letter_topic(
    kafka_bootstrap, make_topic, unique_id, view, mix
):
    topic = await make_topic(partitions=1)
    dead_letter_topic = await make_topic(partitions=1)
    history = mix.copy(1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            key=history[0].key,
            value=history[0].value,
            headers=list(history[0].headers),
        )
        poison = await producer.send_and_wait(
            topic,
            key=b"not-a-complaint",
            value=b"\xff\xfe garbage",
            headers=[("ce_type", b"id.go.lapor.complaint.submitted.v2")],
        )
        await producer.send_and_wait(
            topic,
            key=history[1].key,
            value=history[1].value,
            headers=list(history[1].headers),
        )
    finally:
        await producer.stop()
    view.applier.dead_letters = KafkaDeadLetters(
        kafka_bootstrap, topic=dead_letter_topic, consumer="projection.status"
    )
    summary = await run_to_end(view, config_for(kafka_bootstrap, topic, unique_id))
    assert summary.applied == 2
    assert summary.dead_lettered == 1

    consumer = AIOKafkaConsumer(
        dead_letter_topic,
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        [record] = await read_records(consumer, 1)
    finally:
        await consumer.stop()
    headers = dict(record.headers)
    assert record.key == b"not-a-complaint"
    assert record.value == b"\xff\xfe garbage"
    assert headers["ce_type"] == b"id.go.lapor.complaint.submitted.v2"
    assert headers["lapor_dlq_topic"] == topic.encode()
    assert headers["lapor_dlq_partition"] == str(poison.partition).encode()
    assert headers["lapor_dlq_offset"] == str(poison.offset).encode()
    assert headers["lapor_dlq_consumer"] == b"projection.status"
    assert headers["lapor_dlq_error_type"] == b"MissingAttributeError"
    assert view.metric("lapor_projection_dead_lettered_total") == 1


async def test_rebuild_equals_live_view(  # noqa: PLR0913, PLR0917 (fixtures)
    kafka_bootstrap, make_topic, unique_id, view, mix, tmp_path
):
    topic = await make_topic(partitions=PARTITIONS)
    await publish(
        kafka_bootstrap, topic, mix.messages(900, window=90), partitions=PARTITIONS
    )
    config = config_for(kafka_bootstrap, topic, unique_id, max_records=70)
    await run_to_end(view, config)
    projection = StatusProjection()
    result = await rebuild(
        projection,
        target=sqlite_location(tmp_path / "rebuilt.sqlite"),
        config=config_for(kafka_bootstrap, topic, unique_id),
        dead_letters=CollectedDeadLetters(),
        metrics=ProjectionMetrics(CollectorRegistry(), "status"),
    )
    assert result.summary.applied == 900
    live = view_contents(view.engine, projection.metadata)
    engine = create_store_engine(result.location, writer=False)
    try:
        rebuilt = view_contents(engine, projection.metadata)
    finally:
        engine.dispose()
    assert differing_tables(live, rebuilt) == []
    assert sum(len(rows) for rows in live.values()) > 900


async def test_missing_topic_is_source_error(
    kafka_bootstrap, unique_id, view, tmp_path
):
    config = config_for(kafka_bootstrap, f"missing.{unique_id}", unique_id)
    with pytest.raises(SourceError, match="does not exist"):
        await run_to_end(view, config)
    with pytest.raises(SourceError, match="does not exist"):
        await rebuild(
            StatusProjection(),
            target=sqlite_location(tmp_path / "rebuilt.sqlite"),
            config=config,
            dead_letters=CollectedDeadLetters(),
            metrics=ProjectionMetrics(CollectorRegistry(), "status"),
        )

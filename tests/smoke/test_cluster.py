"""The three-node cluster keeps every acknowledged record when one node dies."""

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tests.support.kafka import read_until_quiet

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(240)]

BEFORE_KILL = 100
AFTER_KILL = 200


async def test_acks_all_survives_leader_kill(kafka_cluster, make_topic):
    topic = await make_topic(partitions=3)
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_cluster.bootstrap,
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
    )
    await producer.start()
    try:
        for number in range(BEFORE_KILL):
            await producer.send_and_wait(topic, b"%d" % number, key=b"k%d" % number)
        leader = producer.client.cluster.leader_for_partition(TopicPartition(topic, 0))
        assert kafka_cluster.kill_node(leader)

        async with asyncio.timeout(90):
            for number in range(BEFORE_KILL, BEFORE_KILL + AFTER_KILL):
                await producer.send_and_wait(topic, b"%d" % number, key=b"k%d" % number)
        new_leader = producer.client.cluster.leader_for_partition(
            TopicPartition(topic, 0)
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_cluster.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        records = await read_until_quiet(consumer, within=60)
    finally:
        await consumer.stop()

    values = sorted(int(record.value) for record in records)
    assert new_leader != leader
    assert len(values) == BEFORE_KILL + AFTER_KILL
    assert values == list(range(BEFORE_KILL + AFTER_KILL))

"""aiokafka against the real local broker: the delivery guarantees the gateway needs."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tests.support.kafka import read_records, read_until_quiet

pytestmark = pytest.mark.kafka


def make_producer(bootstrap: str, **settings: object) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", **settings
    )


def make_consumer(bootstrap: str, *topics: str, **settings: object) -> AIOKafkaConsumer:
    settings.setdefault("auto_offset_reset", "earliest")
    settings.setdefault("enable_auto_commit", False)
    return AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, **settings)


async def test_round_trip_keeps_key_value_headers(kafka_bootstrap, topic):
    producer = make_producer(kafka_bootstrap)
    await producer.start()
    try:
        sent = await producer.send_and_wait(
            topic,
            value=b'{"status": "diterima"}',
            key=b"complaint-1",
            headers=[("ce_type", b"lapor.complaint.received.v1")],
        )
    finally:
        await producer.stop()

    consumer = make_consumer(kafka_bootstrap, topic)
    await consumer.start()
    try:
        [record] = await read_records(consumer, 1)
    finally:
        await consumer.stop()

    assert record.value == b'{"status": "diterima"}'
    assert record.key == b"complaint-1"
    assert list(record.headers) == [("ce_type", b"lapor.complaint.received.v1")]
    assert (record.partition, record.offset) == (sent.partition, sent.offset)


async def test_idempotent_producer_writes_each_record_once(kafka_bootstrap, topic):
    producer = make_producer(kafka_bootstrap)
    await producer.start()
    try:
        # The broker assigns a producer id only to an idempotent producer.
        assert producer._txn_manager is not None
        assert producer._txn_manager.producer_id >= 0
        futures = [
            await producer.send(
                topic, value=str(number).encode(), key=b"k%d" % (number % 7)
            )
            for number in range(300)
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()

    consumer = make_consumer(kafka_bootstrap, topic)
    await consumer.start()
    try:
        records = await read_until_quiet(consumer)
    finally:
        await consumer.stop()

    values = [int(record.value) for record in records]
    assert len(values) == 300
    assert sorted(values) == list(range(300))


async def test_records_of_one_key_keep_their_order(kafka_bootstrap, make_topic):
    topic = await make_topic(partitions=3)
    keys = [f"complaint-{index}".encode() for index in range(6)]
    producer = make_producer(kafka_bootstrap)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value=b"%d" % sequence, key=key)
            for sequence in range(40)
            for key in keys
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()

    consumer = make_consumer(kafka_bootstrap, topic)
    await consumer.start()
    try:
        records = await read_records(consumer, 40 * len(keys))
    finally:
        await consumer.stop()

    sequences: dict[bytes, list[int]] = defaultdict(list)
    partitions: dict[bytes, set[int]] = defaultdict(set)
    for record in records:
        sequences[record.key].append(int(record.value))
        partitions[record.key].add(record.partition)
    assert len({partition for found in partitions.values() for partition in found}) > 1
    for key in keys:
        assert sequences[key] == list(range(40)), key
        assert len(partitions[key]) == 1, key


async def test_group_resumes_after_restart_without_loss(
    kafka_bootstrap, make_topic, unique_id
):
    topic = await make_topic(partitions=3)
    producer = make_producer(kafka_bootstrap)
    await producer.start()
    try:
        for number in range(60):
            await producer.send(topic, value=b"%d" % number, key=b"k%d" % (number % 5))
        await producer.flush()
    finally:
        await producer.stop()

    group = f"group-{unique_id}"
    processed = await consume_and_commit(kafka_bootstrap, topic, group, at_least=20)
    assert 20 <= len(processed) < 60
    processed += await consume_and_commit(kafka_bootstrap, topic, group, at_least=None)

    assert len(processed) == 60
    assert sorted(processed) == list(range(60))


async def consume_and_commit(
    bootstrap: str, topic: str, group: str, at_least: int | None
) -> list[int]:
    """Process records in a group, committing after each batch; stop after
    ``at_least`` records, or when the topic is drained if it is None.
    """
    consumer = make_consumer(bootstrap, topic, group_id=group, max_poll_records=7)
    await consumer.start()
    processed: list[int] = []
    try:
        async with asyncio.timeout(30):
            idle_polls = 0
            while at_least is None or len(processed) < at_least:
                batches = await consumer.getmany(timeout_ms=500, max_records=7)
                if not batches:
                    idle_polls += 1
                    if at_least is None and idle_polls >= 4 and processed:
                        break
                    continue
                idle_polls = 0
                for batch in batches.values():
                    processed.extend(int(record.value) for record in batch)
                await consumer.commit(
                    {
                        partition: batch[-1].offset + 1
                        for partition, batch in batches.items()
                    }
                )
    finally:
        await consumer.stop()
    return processed


async def test_read_committed_skips_aborted_transactions(
    kafka_bootstrap, make_topic, unique_id
):
    topic = await make_topic(partitions=1)
    producer = make_producer(kafka_bootstrap, transactional_id=f"tx-{unique_id}")
    await producer.start()
    try:
        async with producer.transaction():
            for value in (b"c1", b"c2"):
                await producer.send_and_wait(topic, value)
        await producer.begin_transaction()
        for value in (b"a1", b"a2"):
            await producer.send_and_wait(topic, value)
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send_and_wait(topic, b"c3")
    finally:
        await producer.stop()

    committed = await read_all_values(kafka_bootstrap, topic, "read_committed")
    uncommitted = await read_all_values(kafka_bootstrap, topic, "read_uncommitted")

    assert committed == [b"c1", b"c2", b"c3"]
    assert uncommitted == [b"c1", b"c2", b"a1", b"a2", b"c3"]


async def read_all_values(bootstrap: str, topic: str, isolation: str) -> list[bytes]:
    consumer = make_consumer(bootstrap, topic, isolation_level=isolation)
    await consumer.start()
    try:
        records = await read_until_quiet(consumer)
    finally:
        await consumer.stop()
    return [record.value for record in records]


async def test_transaction_commits_consumer_offsets_atomically(
    kafka_bootstrap, make_topic, unique_id
):
    source = await make_topic(partitions=1)
    sink = await make_topic(partitions=1)
    relay = Relay(kafka_bootstrap, source, sink, f"relay-{unique_id}", unique_id)

    await seed_numbers(kafka_bootstrap, source, range(4))
    await relay.copy_batch(commit=True)
    assert await relay.committed_offset() == 4

    await seed_numbers(kafka_bootstrap, source, range(4, 8))
    await relay.copy_batch(commit=False)
    assert await relay.committed_offset() == 4

    # The aborted offsets were not committed, so the group reads 4..7 again.
    await relay.copy_batch(commit=True)
    assert await relay.committed_offset() == 8
    outputs = await read_all_values(kafka_bootstrap, sink, "read_committed")
    assert outputs == [b"out-%d" % number for number in range(8)]


async def seed_numbers(bootstrap: str, topic: str, numbers: range) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for number in numbers:
            await producer.send_and_wait(topic, b"%d" % number)
    finally:
        await producer.stop()


@dataclass(frozen=True)
class Relay:
    """Consume-transform-produce with the consumer offsets inside the transaction."""

    bootstrap: str
    source: str
    sink: str
    group: str
    transactional_id: str

    async def copy_batch(self, *, commit: bool, count: int = 4) -> None:
        """Copy the next ``count`` records of the source to the sink in one
        transaction that also contains the group's offsets; commit or abort it.
        """
        consumer = make_consumer(
            self.bootstrap,
            self.source,
            group_id=self.group,
            isolation_level="read_committed",
        )
        producer = make_producer(self.bootstrap, transactional_id=self.transactional_id)
        await consumer.start()
        await producer.start()
        try:
            records = await read_records(consumer, count)
            await producer.begin_transaction()
            for record in records:
                await producer.send_and_wait(self.sink, b"out-" + record.value)
            await producer.send_offsets_to_transaction(
                {TopicPartition(self.source, 0): records[-1].offset + 1}, self.group
            )
            if commit:
                await producer.commit_transaction()
            else:
                await producer.abort_transaction()
        finally:
            await producer.stop()
            await consumer.stop()

    async def committed_offset(self) -> int | None:
        consumer = make_consumer(self.bootstrap, group_id=self.group)
        await consumer.start()
        try:
            offset: int | None = await consumer.committed(
                TopicPartition(self.source, 0)
            )
        finally:
            await consumer.stop()
        return offset

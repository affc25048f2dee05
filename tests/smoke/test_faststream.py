"""FastStream's Kafka broker against the real local broker, and its ack policies.

FastStream 0.7 defaults to ``AckPolicy.ACK_FIRST``: the offset counts as consumed
before the handler runs (aiokafka auto-commit), which is at-most-once delivery. The
gateway's consumers choose another policy; these tests pin down both behaviours.
"""

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from tests.support.waiting import wait_for

pytestmark = pytest.mark.kafka


class PoisonError(Exception):
    """A handler failure on a message the test marks as poison."""


@dataclass(frozen=True)
class Subscription:
    """One consumer group on a one-partition topic."""

    bootstrap: str
    topic: str
    group: str

    async def publish(self, bodies: list[str]) -> None:
        broker = KafkaBroker(self.bootstrap, enable_idempotence=True)
        await broker.start()
        try:
            for body in bodies:
                await broker.publish(body, self.topic, key=b"complaint-1")
        finally:
            await broker.stop()

    async def consume(
        self,
        handler: Callable[..., Awaitable[None]],
        deliveries: Callable[[], int],
        expected: int,
        ack_policy: AckPolicy | None = None,
    ) -> None:
        """Run ``handler`` until ``deliveries()`` reaches ``expected``, then stop.

        ``ack_policy=None`` keeps FastStream's default.
        """
        broker = KafkaBroker(self.bootstrap, graceful_timeout=5.0)
        options: dict[str, Any] = {"group_id": self.group}
        if ack_policy is not None:
            options["ack_policy"] = ack_policy
        broker.subscriber(self.topic, auto_offset_reset="earliest", **options)(handler)
        await broker.start()
        try:
            await wait_for(
                lambda: deliveries() >= expected,
                within=30,
                description=f"{expected} deliveries",
            )
        finally:
            await broker.stop()

    async def committed(self) -> int | None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group,
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            offset: int | None = await consumer.committed(TopicPartition(self.topic, 0))
        finally:
            await consumer.stop()
        return offset


class FlakyHandler:
    """Records each delivery and fails the first ``failures`` attempts of "poison"."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts: Counter[str] = Counter()
        self.processed: list[str] = []

    async def __call__(self, body: str) -> None:
        self.attempts[body] += 1
        if body == "poison" and self.attempts[body] <= self.failures:
            raise PoisonError(body)
        self.processed.append(body)


@pytest.fixture
async def subscription(kafka_bootstrap, make_topic, unique_id):
    topic = await make_topic(partitions=1)
    return Subscription(kafka_bootstrap, topic, f"group-{unique_id}")


async def test_default_policy_drops_failed_message(subscription):
    handler = FlakyHandler(failures=1)
    await subscription.publish(["poison", "fine"])

    await subscription.consume(handler, handler.attempts.total, expected=2)

    assert handler.processed == ["fine"]
    assert handler.attempts["poison"] == 1
    # The offset moved past the failed message: it is never delivered again.
    assert await subscription.committed() == 2


async def test_nack_on_error_redelivers_failed_message(subscription):
    handler = FlakyHandler(failures=2)
    await subscription.publish(["poison", "fine"])

    await subscription.consume(
        handler,
        handler.attempts.total,
        expected=4,
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )

    assert handler.processed == ["poison", "fine"]
    assert handler.attempts["poison"] == 3
    assert await subscription.committed() == 2


async def test_manual_ack_redelivers_after_restart(subscription):
    first_run: list[str] = []
    second_run: list[str] = []

    async def ack_all_but_second(body: str, message: KafkaMessage) -> None:
        first_run.append(body)
        if body != "second":
            await message.ack()
        # "second" stays unacknowledged, as if the process died while handling it.

    async def ack_all(body: str, message: KafkaMessage) -> None:
        second_run.append(body)
        await message.ack()

    await subscription.publish(["first", "second"])
    await subscription.consume(
        ack_all_but_second, first_run.__len__, expected=2, ack_policy=AckPolicy.MANUAL
    )
    assert await subscription.committed() == 1

    await subscription.consume(
        ack_all, second_run.__len__, expected=1, ack_policy=AckPolicy.MANUAL
    )
    assert first_run == ["first", "second"]
    assert second_run == ["second"]
    assert await subscription.committed() == 2

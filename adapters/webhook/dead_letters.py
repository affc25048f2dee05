"""The webhook dead-letter topic: writing dead letters and reading them back.

A dead letter keeps the feed record's key, value and headers unchanged and
adds ``lapor_dlq_*`` headers: the original topic, partition, offset and
timestamp, the agency, the event id, the attempts made, the last HTTP status
and the error. The worker commits past a record only after the broker has
acknowledged its dead letter, so an event is never dropped without a trace;
a crash between the two writes the dead letter again, and readers keep the
last copy per agency and event id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from adapters.webhook.errors import DeadLetterError
from adapters.webhook.records import FeedRecord
from gateway.kafka.errors import PublishError
from gateway.kafka.producer import OutgoingRecord, ReliableProducer

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)

HEADER_PREFIX = "lapor_dlq_"
MAX_HEADER_BYTES = 2048
CONSUMER_NAME = "lapor.webhook"
READ_POLL_MS = 500


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A dead-lettered feed record, as read back from the dead-letter topic."""

    record: FeedRecord
    event_id: str
    attempts: int
    last_status: int | None
    error: str
    dead_lettered_at: str
    position: tuple[int, int]
    """Partition and offset of the dead letter itself."""


def dead_letter_record(  # noqa: PLR0913 (each argument is one header of the letter)
    record: FeedRecord,
    *,
    topic: str,
    event_id: str,
    attempts: int,
    last_status: int | None,
    error: str,
) -> OutgoingRecord:
    """Return the dead letter of ``record`` for the dead-letter ``topic``."""
    added = {
        "topic": record.topic,
        "partition": str(record.partition),
        "offset": str(record.offset),
        "timestamp": str(record.timestamp_ms),
        "agency": record.agency,
        "event_id": event_id,
        "attempts": str(attempts),
        "last_status": "" if last_status is None else str(last_status),
        "error": error,
        "dead_lettered_at": dt.datetime.now(dt.UTC).isoformat(),
        "consumer": CONSUMER_NAME,
    }
    headers = list(record.headers)
    for name, text in added.items():
        headers.append((HEADER_PREFIX + name, text.encode("utf-8")[:MAX_HEADER_BYTES]))
    return OutgoingRecord(
        topic=topic,
        key=record.key or b"",
        value=record.value or b"",
        headers=tuple(headers),
    )


class DeadLetterPublisher:
    """Publishes dead letters with ``acks=all`` and waits for the acknowledgement."""

    def __init__(self, producer: ReliableProducer, topic: str) -> None:
        self.producer = producer
        self.topic = topic

    async def publish(self, letter: OutgoingRecord) -> None:
        try:
            await self.producer.publish([letter])
        except PublishError as exc:
            msg = (
                f"publishing a dead letter to {self.topic} failed: {exc}; check that "
                "the topic exists and the broker runs"
            )
            raise DeadLetterError(msg, retriable=exc.retriable) from exc


def parse_dead_letter(raw: Any) -> DeadLetter | None:  # noqa: ANN401 (aiokafka's ConsumerRecord)
    """Return the dead letter in a consumer record; ``None`` if it is not one."""
    added: dict[str, str] = {}
    original: list[tuple[str, bytes]] = []
    for name, value in raw.headers or ():
        if name.startswith(HEADER_PREFIX):
            added[name.removeprefix(HEADER_PREFIX)] = value.decode("utf-8", "replace")
        else:
            original.append((name, value))
    try:
        record = FeedRecord(
            agency=added["agency"],
            topic=added["topic"],
            partition=int(added["partition"]),
            offset=int(added["offset"]),
            key=raw.key or None,
            value=raw.value,
            headers=tuple(original),
            timestamp_ms=int(added.get("timestamp") or 0),
        )
        return DeadLetter(
            record=record,
            event_id=added["event_id"],
            attempts=int(added.get("attempts") or 0),
            last_status=int(added["last_status"]) if added.get("last_status") else None,
            error=added.get("error", ""),
            dead_lettered_at=added.get("dead_lettered_at", ""),
            position=(raw.partition, raw.offset),
        )
    except (KeyError, ValueError):
        return None


async def read_dead_letters(
    bootstrap_servers: str, topic: str, agency: str, *, within: float = 60.0
) -> list[DeadLetter]:
    """Return the agency's dead letters, the last copy of each event, oldest first.

    Reads the whole topic up to its end offsets at the time of the call, with
    no consumer group, so reading commits nothing and changes no position.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id="lapor-webhook-dead-letters",
    )
    try:
        await consumer.start()
        partitions = await _fetch_partitions(bootstrap_servers, topic)
        letters = await asyncio.wait_for(_read_all(consumer, topic, partitions), within)
    except KafkaError as exc:
        msg = f"reading the dead-letter topic {topic} failed: {exc}"
        raise DeadLetterError(msg, retriable=exc.retriable) from exc
    except TimeoutError as exc:
        msg = (
            f"reading the dead-letter topic {topic} took longer than {within:g} s; "
            "check that the broker runs"
        )
        raise DeadLetterError(msg, retriable=True) from exc
    finally:
        await consumer.stop()
    latest: dict[str, DeadLetter] = {}
    for letter in letters:
        if letter.record.agency == agency:
            latest.pop(letter.event_id, None)
            latest[letter.event_id] = letter
    return list(latest.values())


async def _read_all(
    consumer: AIOKafkaConsumer, topic: str, partitions: Sequence[int]
) -> list[DeadLetter]:
    assigned = [TopicPartition(topic, number) for number in sorted(partitions)]
    consumer.assign(assigned)
    await consumer.seek_to_beginning(*assigned)
    ends: dict[TopicPartition, int] = await consumer.end_offsets(assigned)
    letters: list[DeadLetter] = []
    while await _behind(consumer, ends):
        batches = await consumer.getmany(timeout_ms=READ_POLL_MS)
        for tp, records in batches.items():
            letters += [
                letter
                for raw in records
                if raw.offset < ends[tp] and (letter := parse_dead_letter(raw))
            ]
    letters.sort(key=lambda letter: (letter.dead_lettered_at, letter.position))
    return letters


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return True
    return False


async def _fetch_partitions(bootstrap_servers: str, topic: str) -> Sequence[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        await admin.start()
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [entry["partition"] for entry in described[0]["partitions"]]
    if described[0]["error_code"] or not partitions:
        msg = (
            f"dead-letter topic {topic} does not exist: create it with "
            "'python -m adapters.webhook topics' or check the name"
        )
        raise DeadLetterError(msg, retriable=False)
    return sorted(partitions)

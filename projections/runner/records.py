"""Kafka records as the runner sees them, and decoding them into events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from events.codec import decode_kafka
from events.errors import ContractError
from projections.base import Position

if TYPE_CHECKING:
    from events.structured import DecodedEvent


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    """One consumed Kafka record: its coordinates, key, value and headers."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int

    @classmethod
    def from_consumer_record(cls, record: Any) -> IncomingRecord:  # noqa: ANN401 (aiokafka's untyped ConsumerRecord)
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=tuple(record.headers or ()),
            timestamp_ms=record.timestamp,
        )

    @property
    def position(self) -> Position:
        return Position(self.topic, self.partition, self.offset)


@dataclass(frozen=True, slots=True)
class PoisonRecord:
    """A record that does not decode into an event, and why."""

    record: IncomingRecord
    error_type: str
    error: str


def decode(record: IncomingRecord) -> DecodedEvent | PoisonRecord:
    """Decode a CloudEvents binary-mode record, or describe why it cannot be."""
    try:
        return decode_kafka(record.key, record.value, record.headers)
    except (ContractError, ValueError) as exc:
        # pydantic's ValidationError is a ValueError; the contract wraps most.
        return PoisonRecord(record, type(exc).__name__, str(exc))

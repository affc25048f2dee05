"""Agency feed records as the webhook adapter receives them, and the bodies it sends.

A feed record is a CloudEvents binary-mode Kafka record. The request body is
the structured CloudEvents JSON of the same event, as canonical JSON. A feed
copy with parts withheld (the ``ce_redactions`` header) gets a ``redactions``
extension attribute with the same text, so the receiver knows why its hash
does not verify against the data it received.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events.canonical import canonical_json
from events.codec import decode_kafka
from gateway.publishing import REDACTIONS_HEADER

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
REDACTIONS_ATTRIBUTE = "redactions"
EVENT_ID_HEADER = "ce_id"


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """One consumed feed record with its coordinates."""

    agency: str
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int

    @classmethod
    def from_consumer_record(cls, agency: str, record: Any) -> FeedRecord:  # noqa: ANN401 (aiokafka's untyped ConsumerRecord)
        return cls(
            agency=agency,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=tuple(record.headers or ()),
            timestamp_ms=record.timestamp,
        )

    def header(self, name: str) -> str | None:
        """Return the first header of that name as text, if it decodes."""
        for header, raw in self.headers:
            if header == name:
                return raw.decode("utf-8", errors="replace")
        return None

    @property
    def event_id(self) -> str:
        """The CloudEvents id, or the record's coordinates when it has none."""
        return self.header(EVENT_ID_HEADER) or (
            f"{self.topic}/{self.partition}/{self.offset}"
        )


@dataclass(frozen=True, slots=True)
class WebhookBody:
    """A request body and the event id it carries."""

    event_id: str
    content: bytes


def structured_body(record: FeedRecord) -> WebhookBody:
    """Return the structured CloudEvents JSON body of a feed record.

    Raises the contract's ``DecodeError`` (or pydantic's ``ValueError``) when
    the record is not a valid event: such a record is dead-lettered at once.
    """
    headers = [(n, v) for n, v in record.headers if n != REDACTIONS_HEADER]
    decoded = decode_kafka(record.key, record.value, headers)
    document = dict(decoded.document)
    redactions = record.header(REDACTIONS_HEADER)
    if redactions:
        document[REDACTIONS_ATTRIBUTE] = redactions
    return WebhookBody(decoded.envelope.id, canonical_json(document))

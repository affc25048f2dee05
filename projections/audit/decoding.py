"""Decoding the records of the events topic, keeping what cannot be decoded.

The auditor decodes each record once and keeps only its compact facts
(:class:`ReadEvent`); the decoded event itself goes straight to the chain
check, so a long topic never keeps every decoded event in memory at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from events import ContractError, decode_kafka
from events.canonical import hash_document
from projections.audit.findings import Finding, FindingKind, RecordLocation

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from events import DecodedEvent
    from projections.audit.reader import LogRecord


@dataclass(frozen=True, slots=True)
class ReadEvent:
    """The facts of one decoded record that the audit needs after the chain check."""

    subject: str
    sequence: int
    event_id: str
    computed_hash: str
    """SHA-256 over the stored document, as ``events.chain`` defines it."""
    location: RecordLocation


@dataclass(slots=True)
class LogDecoder:
    """Decodes records one at a time and collects their facts.

    After :meth:`decode` is exhausted, ``events`` lists the decoded records,
    ``by_record`` has one entry per record (``None`` where decoding failed)
    and ``undecodable`` contains a finding per failed record.
    """

    events: list[ReadEvent] = field(default_factory=list)
    by_record: list[ReadEvent | None] = field(default_factory=list)
    undecodable: list[Finding] = field(default_factory=list)

    def decode(self, records: Iterable[LogRecord]) -> Iterator[DecodedEvent]:
        """Yield each decodable record's event, recording the facts of all."""
        for record in records:
            event = self._decode(record)
            if event is not None:
                yield event

    def _decode(self, record: LogRecord) -> DecodedEvent | None:
        try:
            event = decode_kafka(record.key, record.value, record.headers)
        except ContractError as exc:
            self.undecodable.append(_undecodable(record, exc))
            self.by_record.append(None)
            return None
        envelope = event.envelope
        read = ReadEvent(
            subject=envelope.subject,
            sequence=envelope.sequence,
            event_id=envelope.id,
            computed_hash=hash_document(event.document),
            location=RecordLocation(record.partition, record.offset),
        )
        self.events.append(read)
        self.by_record.append(read)
        return event


def decode_located(
    records: Iterable[LogRecord],
) -> list[tuple[DecodedEvent, RecordLocation]]:
    """Return every decodable record's event with its location; skip the rest."""
    decoded: list[tuple[DecodedEvent, RecordLocation]] = []
    for record in records:
        try:
            event = decode_kafka(record.key, record.value, record.headers)
        except ContractError:
            continue
        decoded.append((event, RecordLocation(record.partition, record.offset)))
    return decoded


def _undecodable(record: LogRecord, error: ContractError) -> Finding:
    headers = dict(record.headers)
    sequence_text = _text(headers.get("ce_sequence"))
    return Finding(
        kind=FindingKind.UNDECODABLE,
        message=f"the record is not a valid complaint event: {error}",
        complaint_id=_text(record.key) or None,
        sequence=int(sequence_text) if sequence_text.isdigit() else None,
        event_id=_text(headers.get("ce_id")) or None,
        partition=record.partition,
        offset=record.offset,
    )


def _text(raw: bytes | None) -> str:
    if raw is None:
        return ""
    return raw.decode("utf-8", errors="replace")

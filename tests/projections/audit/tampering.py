"""Tampered copies of a topic, one kind of tampering each.

Each function takes the records of an honest topic, laid out by partition,
and returns a new layout. Offsets are renumbered when the copy is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from events import decode_kafka, encode_kafka
from events.canonical import canonical_json, hash_document
from events.structured import from_document
from projections.audit.reader import LogRecord, TopicSnapshot

Layout = dict[int, list[LogRecord]]

TEXT_FIELDS = ("summary", "response", "reason", "note", "description")


@dataclass(frozen=True)
class Place:
    partition: int
    index: int


def layout_of(snapshot: TopicSnapshot) -> Layout:
    laid_out: Layout = {number: [] for number in snapshot.end_offsets}
    for record in snapshot.records:
        laid_out[record.partition].append(record)
    return laid_out


def locate(laid_out: Layout, complaint_id: str, sequence: int) -> Place:
    for partition, records in laid_out.items():
        for index, record in enumerate(records):
            headers = dict(record.headers)
            if (
                record.key == complaint_id.encode()
                and headers["ce_sequence"] == str(sequence).encode()
            ):
                return Place(partition, index)
    msg = f"no record of {complaint_id}/{sequence}"
    raise LookupError(msg)


def _copy(laid_out: Layout) -> Layout:
    return {partition: list(records) for partition, records in laid_out.items()}


def _changed(data: dict[str, object]) -> dict[str, object]:
    for name in TEXT_FIELDS:
        if isinstance(data.get(name), str):
            return {**data, name: f"{data[name]} (diubah)"}
    msg = f"no free-text field to change in {sorted(data)}"
    raise LookupError(msg)


def alter(laid_out: Layout, complaint_id: str, sequence: int) -> Layout:
    """Rewrite one field of the event's value and keep its headers."""
    result = _copy(laid_out)
    place = locate(result, complaint_id, sequence)
    record = result[place.partition][place.index]
    assert record.value is not None
    data = json.loads(record.value)
    value = canonical_json(_changed(data))
    result[place.partition][place.index] = replace(record, value=value)
    return result


def remove(laid_out: Layout, complaint_id: str, sequence: int) -> Layout:
    result = _copy(laid_out)
    place = locate(result, complaint_id, sequence)
    del result[place.partition][place.index]
    return result


def forged_copy(record: LogRecord) -> LogRecord:
    """Return a record claiming the same event, with new content and a valid hash."""
    event = decode_kafka(record.key, record.value, record.headers)
    document = dict(event.document)
    document["data"] = _changed(dict(document["data"]))
    document["hash"] = hash_document(document)
    message = encode_kafka(from_document(document))
    return replace(record, value=message.value, headers=message.headers)


def insert_forged(laid_out: Layout, complaint_id: str, sequence: int) -> Layout:
    """Insert a forged version of the event right after the genuine one."""
    result = _copy(laid_out)
    place = locate(result, complaint_id, sequence)
    genuine = result[place.partition][place.index]
    result[place.partition].insert(place.index + 1, forged_copy(genuine))
    return result


def swap(laid_out: Layout, complaint_id: str, sequence: int) -> Layout:
    """Swap the records of ``sequence`` and ``sequence + 1``."""
    result = _copy(laid_out)
    first = locate(result, complaint_id, sequence)
    second = locate(result, complaint_id, sequence + 1)
    records = result[first.partition]
    records[first.index], records[second.index] = (
        records[second.index],
        records[first.index],
    )
    return result


def replay_changed(laid_out: Layout, complaint_id: str, sequence: int) -> Layout:
    """Append a later copy of the event whose content (and hash) changed."""
    result = _copy(laid_out)
    place = locate(result, complaint_id, sequence)
    genuine = result[place.partition][place.index]
    result[place.partition].append(forged_copy(genuine))
    return result


def duplicate(laid_out: Layout, complaint_id: str, sequence: int) -> Layout:
    """Append an exact copy of the event, as a relay restart would."""
    result = _copy(laid_out)
    place = locate(result, complaint_id, sequence)
    result[place.partition].append(result[place.partition][place.index])
    return result


def forge_checkpoint(record: LogRecord) -> LogRecord:
    """Change the first partition digest of a checkpoint and keep its signature."""
    assert record.value is not None
    signed = json.loads(record.value)
    mark = signed["checkpoint"]["partitions"][0]
    mark["digest"] = "f" * 64
    return replace(record, value=canonical_json(signed))

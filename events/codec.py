"""Wire forms of an event: canonical structured JSON, and Kafka binary mode.

The store keeps the structured CloudEvents JSON document as RFC 8785 canonical
bytes. Kafka carries the binary mode: the complaint id as key, the data as
canonical JSON value, and every other attribute as a ``ce_<name>`` header
(``content-type`` for ``datacontenttype``). Both forms decode to a
:class:`DecodedEvent` that keeps the document as sent, so its hash can be
verified, and contains the envelope upcast to the current version.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from events.canonical import canonical_json
from events.errors import (
    InvalidAttributeError,
    MalformedJSONError,
    MissingAttributeError,
)
from events.structured import (
    ATTRIBUTES,
    OPTIONAL_ATTRIBUTES,
    DecodedEvent,
    from_document,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from events.envelope import Envelope

HEADER_PREFIX = "ce_"
CONTENT_TYPE_HEADER = "content-type"
_INTEGER_TEXT = re.compile(r"^[1-9][0-9]{0,15}$")

TRANSPORT_HEADERS = frozenset({"ce_redactions"})
"""Extension headers that describe a copy of an event rather than the event.

An agency feed copy names what was withheld in ``ce_redactions``; the event's
document, and so its hash, never contains it, and decoding ignores it.
"""


@dataclass(frozen=True, slots=True)
class KafkaMessage:
    """A Kafka record in CloudEvents binary mode, as aiokafka sends and receives it."""

    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def _stored(event: Envelope | DecodedEvent) -> DecodedEvent:
    return (
        event if isinstance(event, DecodedEvent) else DecodedEvent.from_envelope(event)
    )


def encode_json(event: Envelope | DecodedEvent) -> bytes:
    """Return the canonical structured JSON bytes the store keeps for an event.

    A :class:`DecodedEvent` is written as it was stored, in its stored version.
    """
    return canonical_json(_stored(event).document)


def decode_json(raw: bytes) -> DecodedEvent:
    """Decode structured JSON bytes, upcasting older versions of the data."""
    document = _parse_json_object(raw, "event")
    return from_document(document)


def encode_kafka(event: Envelope | DecodedEvent) -> KafkaMessage:
    """Return the Kafka binary-mode record of an event."""
    document = _stored(event).document
    headers: list[tuple[str, bytes]] = []
    for name in ATTRIBUTES:
        if name not in document:
            continue
        text = str(document[name])
        header = header_name(name)
        headers.append((header, text.encode("utf-8")))
    return KafkaMessage(
        key=str(document["subject"]).encode("utf-8"),
        value=canonical_json(document["data"]),
        headers=tuple(headers),
    )


def decode_kafka(
    key: bytes | None, value: bytes | None, headers: Iterable[tuple[str, bytes]]
) -> DecodedEvent:
    """Decode a Kafka binary-mode record; errors name the header at fault."""
    texts = _header_texts(headers)
    document: dict[str, Any] = {}
    for name in ATTRIBUTES:
        header = header_name(name)
        if header in texts:
            document[name] = texts[header]
        elif name not in OPTIONAL_ATTRIBUTES:
            raise MissingAttributeError(
                f"Kafka record has no header {header!r}: binary-mode CloudEvents "
                "carry every required attribute as a header",
                value=header,
            )
    document["sequence"] = _parse_sequence(document["sequence"])
    if value is None:
        raise MissingAttributeError(
            f"Kafka record of event {document['id']!r} has no value: the value "
            "carries the event data",
            value=None,
        )
    document["data"] = _parse_json_object(value, "Kafka record value")
    _check_key(key, document)
    return from_document(document, label=_header_label)


def header_name(attribute: str) -> str:
    """Return the Kafka header that carries a CloudEvents attribute."""
    if attribute == "datacontenttype":
        return CONTENT_TYPE_HEADER
    return HEADER_PREFIX + attribute


def _header_label(attribute: str) -> str:
    return f"header {header_name(attribute)!r}"


def _header_texts(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """Decode the CloudEvents headers, rejecting unknown and repeated ones."""
    known = {header_name(name) for name in ATTRIBUTES}
    texts: dict[str, str] = {}
    for header, raw in headers:
        if header != CONTENT_TYPE_HEADER and not header.startswith(HEADER_PREFIX):
            continue
        if header in TRANSPORT_HEADERS:
            continue
        if header not in known:
            raise InvalidAttributeError(
                f"Kafka record has the unknown header {header!r}: the contract "
                f"defines only {', '.join(sorted(known))}",
                value=header,
            )
        if header in texts:
            raise InvalidAttributeError(
                f"Kafka record repeats the header {header!r}: send each attribute once",
                value=header,
            )
        try:
            texts[header] = raw.decode("utf-8")
        except (UnicodeDecodeError, AttributeError) as exc:
            raise InvalidAttributeError(
                f"Kafka header {header!r} is {raw!r}, not UTF-8 text", value=raw
            ) from exc
    return texts


def _parse_sequence(text: str) -> int:
    if not _INTEGER_TEXT.match(text):
        raise InvalidAttributeError(
            f"Kafka header 'ce_sequence' is {text!r}: expected a positive decimal "
            "integer without sign or leading zeros",
            value=text,
        )
    return int(text)


def _check_key(key: bytes | None, document: dict[str, Any]) -> None:
    subject = str(document["subject"]).encode("utf-8")
    if key != subject:
        raise InvalidAttributeError(
            f"Kafka record key {key!r} differs from header 'ce_subject' "
            f"{document['subject']!r}: key every record by its complaint id",
            value=key,
        )


def _parse_json_object(raw: bytes, label: str) -> dict[str, Any]:
    """Parse UTF-8 JSON that must be an object, without NaN or repeated keys."""
    try:
        parsed = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_reject_repeated_keys,
            parse_constant=_reject_constant,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        preview = raw[:80]
        raise MalformedJSONError(
            f"{label} is not valid UTF-8 JSON ({exc}): {preview!r}", value=raw
        ) from exc
    if not isinstance(parsed, dict):
        raise MalformedJSONError(
            f"{label} is a JSON {type(parsed).__name__}, expected an object",
            value=parsed,
        )
    return parsed


def _reject_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            msg = f"repeated object key {key!r}"
            raise ValueError(msg)
        result[key] = value
    return result


def _reject_constant(name: str) -> float:
    msg = f"{name} is not a JSON number"
    raise ValueError(msg)

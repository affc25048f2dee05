"""The complaint event contract: envelope, event types, versions, codec, hash chain.

Pure data and functions, no I/O (``python -m events.schema`` excepted, which
writes the JSON Schema files). See ``docs/events.md`` for the wire format.
"""

from events.chain import seal, verify_chain, verify_stream
from events.codec import (
    KafkaMessage,
    decode_json,
    decode_kafka,
    encode_json,
    encode_kafka,
)
from events.envelope import Actor, Envelope, event_type_of
from events.errors import (
    CanonicalFormError,
    ContractError,
    DecodeError,
    InvalidAttributeError,
    InvalidEventError,
    MalformedJSONError,
    MissingAttributeError,
    MixedComplaintsError,
    NaiveTimestampError,
    TimestampError,
    UnknownEventTypeError,
    UpcastError,
)
from events.faults import (
    AlteredEvent,
    ChainFault,
    ChainHead,
    ChainReport,
    ConflictingEvents,
    DuplicateEvent,
    HeadMismatch,
    InsertedEvent,
    MissingEvents,
    ReorderedEvent,
    WrongFirstEvent,
    WrongPreviousHash,
)
from events.payloads import EVENT_TYPES, ComplaintEvent
from events.registry import REGISTRY, EventRegistry, EventVersion
from events.structured import DecodedEvent
from events.timestamps import Timestamp, format_timestamp

__all__ = [
    "EVENT_TYPES",
    "REGISTRY",
    "Actor",
    "AlteredEvent",
    "CanonicalFormError",
    "ChainFault",
    "ChainHead",
    "ChainReport",
    "ComplaintEvent",
    "ConflictingEvents",
    "ContractError",
    "DecodeError",
    "DecodedEvent",
    "DuplicateEvent",
    "Envelope",
    "EventRegistry",
    "EventVersion",
    "HeadMismatch",
    "InsertedEvent",
    "InvalidAttributeError",
    "InvalidEventError",
    "KafkaMessage",
    "MalformedJSONError",
    "MissingAttributeError",
    "MissingEvents",
    "MixedComplaintsError",
    "NaiveTimestampError",
    "ReorderedEvent",
    "Timestamp",
    "TimestampError",
    "UnknownEventTypeError",
    "UpcastError",
    "WrongFirstEvent",
    "WrongPreviousHash",
    "decode_json",
    "decode_kafka",
    "encode_json",
    "encode_kafka",
    "event_type_of",
    "format_timestamp",
    "seal",
    "verify_chain",
    "verify_stream",
]

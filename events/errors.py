"""Exceptions of the event contract, all under one root.

::

    ContractError                     root: anything wrong with an event's form
    ├── TimestampError                a timestamp the contract cannot carry
    │   └── NaiveTimestampError       a datetime without a UTC offset
    ├── CanonicalFormError            a value RFC 8785 cannot encode
    ├── DecodeError                   stored or received bytes are not a valid event
    │   ├── MalformedJSONError        not JSON, or not a JSON object
    │   ├── MissingAttributeError     a required attribute or Kafka header is absent
    │   ├── InvalidAttributeError     an attribute or header value is invalid
    │   ├── UnknownEventTypeError     the ``type`` names no registered event version
    │   └── InvalidEventError         the envelope or its data fails validation
    ├── UpcastError                   an upcaster failed on a stored older version
    └── MixedComplaintsError          one chain check received several complaints

Every exception carries the offending value in ``value``. The timestamp errors
also subclass ``ValueError`` so that pydantic reports them as validation errors.
"""

from __future__ import annotations


class ContractError(Exception):
    """Root of the event contract's exceptions; ``value`` is the offending value."""

    def __init__(self, message: str, *, value: object = None) -> None:
        super().__init__(message)
        self.value = value


class TimestampError(ContractError, ValueError):
    """A timestamp is not an ISO 8601 instant the contract can carry."""


class NaiveTimestampError(TimestampError):
    """A datetime has no UTC offset, so the instant it names is unknown."""


class CanonicalFormError(ContractError):
    """A value has no RFC 8785 canonical JSON form (a lone surrogate, a huge int)."""


class DecodeError(ContractError):
    """Bytes, a document or Kafka headers do not decode to a valid event."""


class MalformedJSONError(DecodeError):
    """The bytes are not UTF-8 JSON, or the JSON is not an object."""


class MissingAttributeError(DecodeError):
    """A required CloudEvents attribute or Kafka header is absent."""


class InvalidAttributeError(DecodeError):
    """A CloudEvents attribute or Kafka header has an invalid value."""


class UnknownEventTypeError(DecodeError):
    """The ``type`` attribute names no registered event type or version."""


class InvalidEventError(DecodeError):
    """The envelope or its data fails the model's validation."""


class UpcastError(ContractError):
    """An upcaster failed to bring a stored older version to the next version."""


class MixedComplaintsError(ContractError):
    """A single-complaint chain check received events of several complaints."""

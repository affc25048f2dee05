"""The one timestamp type of the contract: timezone-aware, written in UTC.

Every datetime in an event is a :data:`Timestamp`. Input must name its offset
(``2024-03-01T09:30:00+07:00`` or ``...Z``); a naive datetime is rejected because
the instant it names is unknown. Output is always UTC with microseconds,
``YYYY-MM-DDTHH:MM:SS.ffffffZ``, so equal instants serialise to equal strings
and the canonical form used for hashing is stable.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from events.errors import NaiveTimestampError, TimestampError

TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$"
)
"""The serialised form: UTC, microseconds, ``Z`` suffix."""

_ISO_WITH_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")


def require_aware(value: datetime) -> datetime:
    """Return ``value`` converted to UTC; raise if it has no UTC offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        iso_text = value.isoformat()
        raise NaiveTimestampError(
            f"timestamp {iso_text!r} has no UTC offset: add one, for example "
            f"{iso_text}+07:00 for WIB or {iso_text}Z for UTC",
            value=value,
        )
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise TimestampError(
            f"timestamp {value.isoformat()!r} is outside the range of UTC datetimes:"
            " use a year between 1 and 9999 after conversion to UTC",
            value=value,
        ) from exc


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 date and time with an offset into a UTC datetime."""
    if not _ISO_WITH_TIME.match(text):
        raise TimestampError(
            f"timestamp {text!r} is not an ISO 8601 date and time: "
            "write it as YYYY-MM-DDTHH:MM:SS with an offset such as Z or +07:00",
            value=text,
        )
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TimestampError(
            f"timestamp {text!r} is not a valid ISO 8601 date and time: {exc}",
            value=text,
        ) from exc
    return require_aware(parsed)


def format_timestamp(value: datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC."""
    utc = require_aware(value).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def _validate(value: Any) -> datetime:  # noqa: ANN401 (pydantic passes raw input)
    if isinstance(value, datetime):
        return require_aware(value)
    if isinstance(value, str):
        return parse_timestamp(value)
    raise TimestampError(
        f"timestamp {value!r} is a {type(value).__name__}, not a datetime: "
        "pass a timezone-aware datetime or an ISO 8601 string with an offset",
        value=value,
    )


Timestamp = Annotated[
    datetime,
    BeforeValidator(_validate),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": TIMESTAMP_PATTERN,
            "description": "UTC instant, YYYY-MM-DDTHH:MM:SS.ffffffZ",
        }
    ),
]
"""A timezone-aware datetime, held in UTC, serialised as ``...ffffffZ``."""

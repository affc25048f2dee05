"""Parsing the timestamps of an export: per-profile formats and time zone.

A timestamp that carries its own UTC offset keeps it. One without an offset
is read as local time in the profile's zone. The zone is the profile's
statement about the source, never a guess per row. An empty field is a
missing timestamp (``None``), which the profile turns into a rejected row or
a skipped step. Text that matches no format rejects the row.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from adapters.files.outcomes import RowRejectedError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import tzinfo

ISO_FORMAT = "iso"
"""Format name for ISO 8601 as ``datetime.fromisoformat`` reads it."""
INVALID_DATE = "invalid date"


def parse_timestamp(
    text: str, formats: Sequence[str], zone: tzinfo, column: str
) -> datetime | None:
    """Return the aware datetime in ``text``, or ``None`` when it is empty.

    ``formats`` are tried in order: :data:`ISO_FORMAT` or ``strptime``
    patterns. Raises ``RowRejectedError`` naming the column when none match.
    """
    value = text.strip()
    if not value:
        return None
    for pattern in formats:
        try:
            if pattern == ISO_FORMAT:
                parsed = datetime.fromisoformat(value)
            else:
                parsed = datetime.strptime(value, pattern)  # noqa: DTZ007 (zone added below)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed
    raise RowRejectedError(
        INVALID_DATE,
        f"{column} {value[:40]!r} matches none of the formats {list(formats)}",
    )


def require_timestamp(
    text: str, formats: Sequence[str], zone: tzinfo, column: str
) -> datetime:
    """Return the timestamp in ``text``; an empty field rejects the row."""
    parsed = parse_timestamp(text, formats, zone, column)
    if parsed is None:
        raise RowRejectedError("missing date", f"{column} is empty")
    return parsed

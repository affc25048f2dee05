"""Hypothesis strategies for the event contract: values, every event type, chains.

Import them from other test folders as ``tests.events.strategies``.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from events.chain import seal
from events.envelope import Actor, Envelope
from events.payloads import (
    ComplaintArchived,
    ComplaintClosed,
    ComplaintCompleted,
    ComplaintDeclined,
    ComplaintDeleted,
    ComplaintDispositioned,
    ComplaintEscalated,
    ComplaintEvent,
    ComplaintForwardedToUnit,
    ComplaintRedispositioned,
    ComplaintReopened,
    ComplaintSetPending,
    ComplaintSubmitted,
    ComplaintVerified,
    FollowUpRecorded,
    PrivacyFlagsChanged,
    ReporterIdentityErased,
    ReporterReplied,
    ResponsePosted,
    SatisfactionRecorded,
)
from events.values import (
    ArchiveReason,
    Channel,
    Classification,
    ClosingMode,
    DeadlineClock,
    DeletionReason,
    Location,
    PrivacyFlags,
    Role,
    SealedIdentity,
    SopTier,
)

if TYPE_CHECKING:
    import uuid

    from hypothesis.strategies import DrawFn, SearchStrategy

# Text as people type it, without surrogates (JSON and RFC 8785 reject them).
_CHARACTERS = st.characters(codec="utf-8")


def short_texts(max_size: int = 40) -> SearchStrategy[str]:
    """Strings valid as ``ShortText``: 1 to ``max_size`` characters."""
    return st.text(_CHARACTERS, min_size=1, max_size=max_size)


def long_texts() -> SearchStrategy[str]:
    """Strings valid as ``LongText``, kept short for speed."""
    return st.text(_CHARACTERS, min_size=1, max_size=200)


def optional(strategy: SearchStrategy[Any]) -> SearchStrategy[Any]:
    return st.none() | strategy


agency_ids = st.from_regex(r"\A[a-z0-9][a-z0-9-]{1,20}\Z")
unit_ids = st.from_regex(r"\A[a-z0-9][a-z0-9-]{1,20}\Z")
tracking_ids = st.from_regex(r"\A[0-9]{1,12}\Z")
trace_ids = st.from_regex(r"\A[!-~]{1,40}\Z")

utc_offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
aware_datetimes = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001 (bounds of a strategy)
    max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=utc_offsets,
)
"""Timezone-aware datetimes with fixed offsets from UTC-12:00 to UTC+14:00."""

privacy_flags = st.builds(
    PrivacyFlags, anonymous=st.booleans(), confidential=st.booleans()
)
locations = st.builds(
    Location,
    area=short_texts(),
    latitude=optional(st.floats(min_value=-90, max_value=90)),
    longitude=optional(st.floats(min_value=-180, max_value=180)),
)
sealed_identities = st.builds(
    SealedIdentity,
    key_id=st.from_regex(r"\A[a-z0-9-]{1,40}\Z"),
    nonce=st.from_regex(r"\A[A-Za-z0-9+/]{16}\Z"),
    ciphertext=st.binary(min_size=1, max_size=64).map(
        lambda raw: base64.b64encode(raw).decode("ascii")
    ),
)
actors = st.builds(
    Actor, agency=agency_ids, role=st.sampled_from(Role), unit=optional(unit_ids)
)

EVENT_DATA: dict[type[ComplaintEvent], SearchStrategy[Any]] = {
    ComplaintSubmitted: st.builds(
        ComplaintSubmitted,
        tracking_id=tracking_ids,
        source_reference=optional(short_texts()),
        channel=st.sampled_from(Channel),
        classification=st.sampled_from(Classification),
        category=optional(short_texts()),
        title=short_texts(),
        description=long_texts(),
        location=optional(locations),
        privacy=privacy_flags,
        reporter_ref=short_texts(),
        reporter_identity=optional(sealed_identities),
        target_agency=optional(agency_ids),
    ),
    ComplaintVerified: st.builds(
        ComplaintVerified,
        classification=st.sampled_from(Classification),
        category=optional(short_texts()),
        topic=optional(short_texts()),
        tags=st.lists(short_texts(20), max_size=3).map(tuple),
        sop_tier=optional(st.sampled_from(SopTier)),
        supervisory=st.booleans(),
    ),
    ComplaintSetPending: st.builds(ComplaintSetPending, reason=short_texts()),
    ComplaintCompleted: st.builds(ComplaintCompleted, addition=long_texts()),
    ComplaintDeleted: st.builds(
        ComplaintDeleted,
        reason=st.sampled_from(DeletionReason),
        note=optional(short_texts()),
    ),
    ComplaintArchived: st.builds(
        ComplaintArchived,
        reason=st.sampled_from(ArchiveReason),
        note=optional(short_texts()),
    ),
    ComplaintDispositioned: st.builds(
        ComplaintDispositioned, agency=agency_ids, note=optional(short_texts())
    ),
    ComplaintDeclined: st.builds(
        ComplaintDeclined,
        agency=agency_ids,
        reason=short_texts(),
        suggested_agency=optional(agency_ids),
    ),
    ComplaintRedispositioned: st.builds(
        ComplaintRedispositioned,
        from_agency=agency_ids,
        to_agency=agency_ids,
        note=optional(short_texts()),
    ),
    ComplaintForwardedToUnit: st.builds(
        ComplaintForwardedToUnit,
        agency=agency_ids,
        unit=unit_ids,
        note=optional(short_texts()),
    ),
    FollowUpRecorded: st.builds(
        FollowUpRecorded,
        agency=agency_ids,
        unit=optional(unit_ids),
        summary=long_texts(),
    ),
    ResponsePosted: st.builds(
        ResponsePosted,
        agency=agency_ids,
        unit=optional(unit_ids),
        response=long_texts(),
    ),
    ReporterReplied: st.builds(ReporterReplied, reply=long_texts()),
    SatisfactionRecorded: st.builds(
        SatisfactionRecorded,
        satisfied=st.booleans(),
        rating=optional(st.integers(min_value=1, max_value=5)),
        comment=optional(short_texts()),
    ),
    ComplaintClosed: st.builds(
        ComplaintClosed,
        mode=st.sampled_from(ClosingMode),
        note=optional(short_texts()),
    ),
    ComplaintReopened: st.builds(ComplaintReopened, reason=short_texts()),
    ComplaintEscalated: st.builds(
        ComplaintEscalated,
        clock=st.sampled_from(DeadlineClock),
        due_at=aware_datetimes,
        agency=optional(agency_ids),
    ),
    PrivacyFlagsChanged: st.builds(
        PrivacyFlagsChanged,
        previous=privacy_flags,
        current=privacy_flags,
        reason=short_texts(),
    ),
    ReporterIdentityErased: st.builds(
        ReporterIdentityErased, key_id=short_texts(), reason=short_texts()
    ),
}
"""One strategy per current event type, keyed by model."""

event_data: SearchStrategy[ComplaintEvent] = st.one_of(*EVENT_DATA.values())
"""Data of any current event type."""


@st.composite
def envelopes(
    draw: DrawFn,
    data: SearchStrategy[ComplaintEvent] = event_data,
    sequence: SearchStrategy[int] | None = None,
) -> Envelope:
    """A sealed envelope standing alone; its ``previous_hash`` fits its sequence."""
    number = draw(sequence or st.integers(min_value=1, max_value=10_000))
    previous = None if number == 1 else draw(st.from_regex(r"\A[0-9a-f]{64}\Z"))
    return seal(
        complaint_id=draw(st.uuids()),
        sequence=number,
        data=draw(data),
        actor=draw(actors),
        occurred_at=draw(aware_datetimes),
        recorded_at=draw(aware_datetimes),
        correlation_id=draw(trace_ids),
        causation_id=draw(trace_ids),
        previous_hash=previous,
        source=draw(optional(st.from_regex(r"\A/[a-z0-9/-]{1,30}\Z"))),
    )


@st.composite
def histories(
    draw: DrawFn,
    min_size: int = 1,
    max_size: int = 8,
    complaint_id: uuid.UUID | None = None,
) -> list[Envelope]:
    """A valid hash chain of one complaint, starting with ``complaint.submitted``."""
    subject = complaint_id or draw(st.uuids())
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    chain: list[Envelope] = []
    for sequence in range(1, size + 1):
        data = EVENT_DATA[ComplaintSubmitted] if sequence == 1 else event_data
        occurred = draw(aware_datetimes)
        chain.append(
            seal(
                complaint_id=subject,
                sequence=sequence,
                data=draw(data),
                actor=draw(actors),
                occurred_at=occurred,
                recorded_at=occurred + dt.timedelta(seconds=1),
                correlation_id=draw(trace_ids),
                causation_id=draw(trace_ids),
                previous_hash=chain[-1].hash if chain else None,
            )
        )
    return chain

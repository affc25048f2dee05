"""Models of older event versions, as they were stored.

A stored event of an older version is validated against its model here before
the upcasters bring it to the current version. The schema export also publishes
these models, so readers of old records know their shape.
"""

from __future__ import annotations

from typing import ClassVar

from events.values import (
    AgencyId,
    Classification,
    FrozenModel,
    Location,
    LongText,
    SealedIdentity,
    ShortText,
    TrackingId,
)


class LegacyEvent(FrozenModel):
    """Base of the models of superseded event versions."""

    event_name: ClassVar[str]
    schema_version: ClassVar[int]


class ComplaintSubmittedV1(LegacyEvent):
    """Version 1 of ``complaint.submitted``.

    It carried the privacy flags as the flat booleans ``anonymous`` and
    ``confidential`` and the channel as free text (``"SMS 1708"``).
    """

    event_name = "complaint.submitted"
    schema_version = 1

    tracking_id: TrackingId
    source_reference: ShortText | None = None
    channel: ShortText
    classification: Classification
    category: ShortText | None = None
    title: ShortText
    description: LongText
    location: Location | None = None
    anonymous: bool = False
    confidential: bool = False
    reporter_ref: ShortText
    reporter_identity: SealedIdentity | None = None
    target_agency: AgencyId | None = None


LEGACY_TYPES: tuple[type[LegacyEvent], ...] = (ComplaintSubmittedV1,)
"""Every superseded event version still readable from the store."""

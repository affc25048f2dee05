"""Value types shared by the complaint events: identifiers, enumerations, flags."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

AgencyId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", max_length=63)
]
"""Agency identifier: lower-case letters, digits and hyphens (``pemkot-bandung``)."""

UnitId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", max_length=63)
]
"""Identifier of a unit (unit kerja, OPD, kelurahan) within an agency."""

TrackingId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}$")]
"""National SP4N-LAPOR! tracking number shown to the reporter (``1916449``)."""

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


class Role(StrEnum):
    """Role under which an actor performs a complaint action."""

    REPORTER = "reporter"
    NATIONAL_ADMIN = "national_admin"
    AGENCY_ADMIN = "agency_admin"
    UNIT_LIAISON = "unit_liaison"
    SYSTEM = "system"
    """The gateway itself: the deadline scheduler's escalations and auto-closings."""


class Channel(StrEnum):
    """Channel through which a complaint reached SP4N-LAPOR!."""

    WEBSITE = "website"
    SMS = "sms"
    ANDROID = "android"
    IOS = "ios"
    TWITTER = "twitter"
    WHATSAPP = "whatsapp"
    INSTAGRAM = "instagram"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    WALK_IN = "walk_in"
    INTEGRATED_SYSTEM = "integrated_system"
    OPEN311 = "open311"
    OTHER = "other"


class Classification(StrEnum):
    """Kind of report, as classified at submission or verification."""

    ASPIRATION = "aspirasi"
    COMPLAINT = "pengaduan"
    INFORMATION_REQUEST = "permintaan_informasi"
    WHISTLE_BLOWING = "whistle_blowing"
    RAPS_PROCUREMENT = "pengadaan_raps"


class SopTier(StrEnum):
    """Agency SOP tier that sets the handling deadline after disposition."""

    LIGHT = "light"
    NORMATIVE = "normative"
    NO_MISCONDUCT = "no_misconduct"
    MISCONDUCT = "misconduct"


class DeletionReason(StrEnum):
    INCOMPLETE = "incomplete"
    UNINTELLIGIBLE = "unintelligible"
    DUPLICATE = "duplicate"
    OTHER = "other"


class ArchiveReason(StrEnum):
    ASPIRATION_NEEDS_NO_ANSWER = "aspiration_needs_no_answer"
    PENDING_NOT_COMPLETED = "pending_not_completed"
    OTHER = "other"


class ClosingMode(StrEnum):
    EXPLICIT = "explicit"
    """Closed by an admin or accepted by the reporter."""
    AUTOMATIC = "automatic"
    """Closed after the silence period following a response."""


class DeadlineClock(StrEnum):
    """Deadline clocks a complaint runs; an escalation names the one missed."""

    VERIFICATION = "verification"
    FIRST_FOLLOW_UP = "first_follow_up"
    AUTO_CLOSE = "auto_close"
    PENDING_ARCHIVE = "pending_archive"
    RESOLUTION = "resolution"
    SOP = "sop"


class FrozenModel(BaseModel):
    """Base for immutable value and event models: frozen, no unknown fields."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=False,
        use_attribute_docstrings=True,
        allow_inf_nan=False,
    )


class PrivacyFlags(FrozenModel):
    """Privacy flags of a complaint.

    ``anonymous`` (anonim) hides the reporter's identity while the report stays
    public; ``confidential`` (rahasia) hides the whole report from the public.
    """

    anonymous: bool = False
    confidential: bool = False


class SealedIdentity(FrozenModel):
    """The reporter's identity, encrypted under a key held outside the event log.

    Destroying the key (crypto-shredding) erases the identity without rewriting
    any stored event. Nonce and ciphertext are base64 (standard alphabet).
    """

    key_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    algorithm: Literal["AES-256-GCM"] = "AES-256-GCM"
    nonce: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{16}$")]
    ciphertext: Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z0-9+/]+={0,2}$", max_length=16_384)
    ]


class Location(FrozenModel):
    """Where the reported problem is: an area name and optional WGS 84 point."""

    area: ShortText
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None

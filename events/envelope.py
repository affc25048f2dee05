"""The CloudEvents 1.0 envelope around every complaint event."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from events.payloads import ComplaintEvent  # noqa: TC001 (pydantic needs it at runtime)
from events.values import AgencyId, FrozenModel, Role, UnitId

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Actor(FrozenModel):
    """Who performed an action: the agency system, the unit if any, and the role."""

    agency: AgencyId
    role: Role
    unit: UnitId | None = None


class Envelope(FrozenModel):
    """One complaint event with its CloudEvents attributes and our extensions.

    ``subject`` is the complaint id and ``sequence`` its per-complaint position,
    starting at 1; ``id`` is derived from both, so an event published twice is
    recognisably the same event. ``time`` is when the action happened at the
    source; ``recorded_at`` is when the gateway stored it. ``previous_hash`` is
    the hash of the complaint's previous event (``None`` for the first) and
    ``hash`` is this event's own hash over its canonical form.
    """

    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str
    type: str
    subject: str
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    sequence: Annotated[int, Field(ge=1)]
    recorded_at: AwareDatetime
    correlation_id: str
    causation_id: str
    actor: Actor
    previous_hash: Sha256Hex | None
    hash: Sha256Hex
    data: ComplaintEvent

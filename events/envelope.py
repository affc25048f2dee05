"""The CloudEvents 1.0 envelope around every complaint event."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    Field,
    SerializeAsAny,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from events.payloads import ComplaintEvent
from events.timestamps import Timestamp
from events.values import AgencyId, FrozenModel, Role, UnitId

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""A SHA-256 digest as 64 lower-case hexadecimal digits."""

ComplaintIdText = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    ),
]
"""A complaint id as a lower-case hyphenated UUID string."""

TraceId = Annotated[str, StringConstraints(pattern=r"^[!-~]{1,256}$")]
"""A correlation or causation id: 1 to 256 visible ASCII characters."""

SourceUri = Annotated[str, StringConstraints(pattern=r"^[!-~]{1,1024}$")]
"""A CloudEvents ``source``: a URI reference without spaces."""

ID_SEPARATOR = "/"
EVENT_TYPE_PREFIX = "id.go.lapor."
_TYPE_SUFFIX = re.compile(
    r"^(?P<name>[a-z][a-z0-9_.]*[a-z0-9_])\.v(?P<version>[1-9][0-9]*)$"
)


def event_type_of(model: type[ComplaintEvent]) -> str:
    """Return the wire ``type`` of an event model, ``id.go.lapor.<name>.v<version>``."""
    return f"{EVENT_TYPE_PREFIX}{model.event_name}.v{model.schema_version}"


def split_event_type(event_type: str) -> tuple[str, int] | None:
    """Split a wire ``type`` into event name and version; ``None`` if malformed."""
    if not event_type.startswith(EVENT_TYPE_PREFIX):
        return None
    match = _TYPE_SUFFIX.match(event_type.removeprefix(EVENT_TYPE_PREFIX))
    if match is None:
        return None
    return match["name"], int(match["version"])


def event_id_of(subject: str, sequence: int) -> str:
    """Return the event id derived from the complaint id and the sequence number."""
    return f"{subject}{ID_SEPARATOR}{sequence}"


class Actor(FrozenModel):
    """Who performed an action: the agency system, the unit if any, and the role."""

    agency: AgencyId
    role: Role
    unit: UnitId | None = None


class Envelope(FrozenModel):
    """One complaint event with its CloudEvents attributes and our extensions.

    ``subject`` is the complaint id and ``sequence`` its per-complaint position,
    starting at 1; ``id`` is ``<subject>/<sequence>``, so an event published twice
    is recognisably the same event. ``time`` is when the action happened at the
    source; ``recorded_at`` is when the gateway stored it. ``previous_hash`` is
    the hash of the complaint's previous event (``None`` for the first) and
    ``hash`` is this event's own hash over its canonical form (see
    ``events.chain``). ``data`` is always the current version of its event type,
    and ``type`` names that version. Store and send envelopes through
    ``events.codec``: the model's own JSON dump is not the wire form.
    """

    specversion: Literal["1.0"] = "1.0"
    id: str
    source: SourceUri
    type: str
    subject: ComplaintIdText
    time: Timestamp
    datacontenttype: Literal["application/json"] = "application/json"
    sequence: Annotated[int, Field(ge=1, le=2**53 - 1)]
    recorded_at: Timestamp
    correlation_id: TraceId
    causation_id: TraceId
    actor: Actor
    previous_hash: Sha256Hex | None
    hash: Sha256Hex
    data: Annotated[
        SerializeAsAny[ComplaintEvent],
        WithJsonSchema(
            {
                "type": "object",
                "description": "The event data; its schema depends on `type`.",
            }
        ),
    ]

    @model_validator(mode="before")
    @classmethod
    def _resolve_data(cls, values: Any) -> Any:  # noqa: ANN401 (pydantic raw input)
        """Validate a ``data`` mapping as the current model that ``type`` names."""
        if not isinstance(values, dict) or not isinstance(values.get("data"), dict):
            return values
        from events.registry import REGISTRY  # noqa: PLC0415 (import cycle)

        model = REGISTRY.current_model(str(values.get("type")))
        return {**values, "data": model.model_validate(values["data"])}

    @model_validator(mode="after")
    def _check_derived_attributes(self) -> Self:
        expected_type = event_type_of(type(self.data))
        if self.type != expected_type:
            msg = (
                f"type {self.type!r} does not match the data model "
                f"{type(self.data).__name__}: set type to {expected_type!r}"
            )
            raise ValueError(msg)
        expected_id = event_id_of(self.subject, self.sequence)
        if self.id != expected_id:
            msg = (
                f"id {self.id!r} is not derived from subject and sequence: "
                f"set id to {expected_id!r}"
            )
            raise ValueError(msg)
        return self

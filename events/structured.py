"""The structured CloudEvents JSON form of an envelope: the stored document.

The document is what the store keeps and what the hash covers. Extension
attribute names follow the CloudEvents rule (lower-case letters and digits), so
``recorded_at`` is ``recordedtime``, the actor is flattened into
``actoragency``, ``actorrole`` and ``actorunit``, and ``previous_hash`` is
``prevhash``. An optional attribute without a value is left out, never null, so
the structured document and the Kafka binary form carry the same attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, Field, StringConstraints, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12

from events.envelope import (
    ComplaintIdText,
    Envelope,
    Sha256Hex,
    SourceUri,
    TraceId,
    event_type_of,
)
from events.errors import (
    InvalidAttributeError,
    MissingAttributeError,
)
from events.registry import REGISTRY
from events.timestamps import Timestamp  # noqa: TC001 (pydantic reads it at runtime)
from events.values import (  # noqa: TC001 (pydantic reads them at runtime)
    AgencyId,
    Role,
    UnitId,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

REQUIRED_ATTRIBUTES = (
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "sequence",
    "recordedtime",
    "correlationid",
    "causationid",
    "actoragency",
    "actorrole",
    "hash",
)
OPTIONAL_ATTRIBUTES = ("actorunit", "prevhash")
ATTRIBUTES = REQUIRED_ATTRIBUTES + OPTIONAL_ATTRIBUTES
"""Every context attribute of the document; ``data`` comes in addition."""

FIELD_TO_ATTRIBUTE = {
    "recorded_at": "recordedtime",
    "correlation_id": "correlationid",
    "causation_id": "causationid",
    "previous_hash": "prevhash",
    "actor.agency": "actoragency",
    "actor.role": "actorrole",
    "actor.unit": "actorunit",
}
"""Envelope field paths whose attribute name differs from the field name."""


@with_config(ConfigDict(extra="forbid", use_attribute_docstrings=True))
class StructuredDocument(TypedDict):
    """The structured CloudEvents JSON form of one complaint event."""

    specversion: Literal["1.0"]
    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}/[1-9][0-9]*$")]
    """``<subject>/<sequence>``: the same event always has the same id."""
    source: SourceUri
    """The acting agency system, ``/agencies/<agency>`` unless it names another."""
    type: Annotated[
        str, StringConstraints(pattern=r"^id\.go\.lapor\.[a-z0-9_.]+\.v[1-9][0-9]*$")
    ]
    """``id.go.lapor.<event name>.v<version>``: the data's schema."""
    subject: ComplaintIdText
    """The complaint id."""
    time: Timestamp
    """When the action happened at the source."""
    datacontenttype: Literal["application/json"]
    sequence: Annotated[int, Field(ge=1, le=2**53 - 1)]
    """Position in the complaint's history, from 1 without gaps."""
    recordedtime: Timestamp
    """When the gateway recorded the event."""
    correlationid: TraceId
    """Id shared by every event that one original request caused."""
    causationid: TraceId
    """Id of the command or event that caused this event."""
    actoragency: AgencyId
    """The agency that performed the action."""
    actorrole: Role
    """The role under which the action was performed."""
    actorunit: NotRequired[UnitId]
    """The unit within the agency, when a unit acted."""
    prevhash: NotRequired[Sha256Hex]
    """Hash of the complaint's previous event; absent on sequence 1."""
    hash: Sha256Hex
    """SHA-256 over the RFC 8785 canonical JSON of this document without hash."""
    data: dict[str, Any]
    """The event data; its schema is the one ``type`` names."""


@dataclass(frozen=True, slots=True)
class DecodedEvent:
    """An event as stored or received, with its current-version envelope.

    ``document`` is the structured document exactly as stored or received, in
    the event's stored version; verify hashes over it. ``envelope`` contains the
    data upcast to the current version. Treat ``document`` as read-only.
    """

    document: dict[str, Any]
    envelope: Envelope

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> DecodedEvent:
        """Wrap a current-version envelope with the document it is stored as."""
        return cls(document=to_document(envelope), envelope=envelope)

    @property
    def stored_type(self) -> str:
        """The ``type`` attribute as stored, naming the stored version."""
        return str(self.document["type"])

    @property
    def upcast(self) -> bool:
        """Whether the stored version is older than the current one."""
        return self.stored_type != self.envelope.type


def to_document(envelope: Envelope) -> dict[str, Any]:
    """Return the structured CloudEvents document of an envelope (JSON types)."""
    dumped = envelope.model_dump(mode="json")
    document: dict[str, Any] = {
        "specversion": dumped["specversion"],
        "id": dumped["id"],
        "source": dumped["source"],
        "type": dumped["type"],
        "subject": dumped["subject"],
        "time": dumped["time"],
        "datacontenttype": dumped["datacontenttype"],
        "sequence": dumped["sequence"],
        "recordedtime": dumped["recorded_at"],
        "correlationid": dumped["correlation_id"],
        "causationid": dumped["causation_id"],
        "actoragency": dumped["actor"]["agency"],
        "actorrole": dumped["actor"]["role"],
        "hash": dumped["hash"],
        "data": dumped["data"],
    }
    if dumped["actor"]["unit"] is not None:
        document["actorunit"] = dumped["actor"]["unit"]
    if dumped["previous_hash"] is not None:
        document["prevhash"] = dumped["previous_hash"]
    return document


def attribute_label(attribute: str) -> str:
    """Name an attribute in error messages about structured documents."""
    return f"attribute {attribute!r}"


def from_document(
    document: Mapping[str, Any], *, label: Callable[[str], str] = attribute_label
) -> DecodedEvent:
    """Validate a stored document and upcast its data to the current version.

    ``label`` names an attribute in error messages, so that a decoder of
    another wire form can name its own field (a Kafka header) instead.
    """
    _check_attributes(document, label)
    data = document.get("data")
    if not isinstance(data, dict):
        raise MissingAttributeError(
            f"event {document.get('id')!r} has no data object: "
            "send the event data as a JSON object",
            value=data,
        )
    current = REGISTRY.upcast(document["type"], data)
    fields = {
        "specversion": document["specversion"],
        "id": document["id"],
        "source": document["source"],
        "type": event_type_of(type(current)),
        "subject": document["subject"],
        "time": document["time"],
        "datacontenttype": document["datacontenttype"],
        "sequence": document["sequence"],
        "recorded_at": document["recordedtime"],
        "correlation_id": document["correlationid"],
        "causation_id": document["causationid"],
        "actor": {
            "agency": document["actoragency"],
            "role": document["actorrole"],
            "unit": document.get("actorunit"),
        },
        "previous_hash": document.get("prevhash"),
        "hash": document["hash"],
        "data": current,
    }
    envelope = _validate_envelope(fields, document, label)
    return DecodedEvent(document=dict(document), envelope=envelope)


def _check_attributes(document: Mapping[str, Any], label: Callable[[str], str]) -> None:
    """Check that every required attribute is present, known and JSON-typed."""
    event_id = document.get("id")
    for name in REQUIRED_ATTRIBUTES:
        if name not in document:
            raise MissingAttributeError(
                f"event {event_id!r} has no {label(name)}: every event carries "
                f"{', '.join(REQUIRED_ATTRIBUTES)}",
                value=name,
            )
    for name, value in document.items():
        if name == "data":
            continue
        if name not in ATTRIBUTES:
            raise InvalidAttributeError(
                f"event {event_id!r} has the unknown {label(name)}: the contract "
                f"defines only {', '.join(ATTRIBUTES)} and data",
                value=name,
            )
        expected: type = int if name == "sequence" else str
        if type(value) is not expected:
            raise InvalidAttributeError(
                f"{label(name)} of event {event_id!r} is {value!r}: "
                f"expected a JSON {'integer' if expected is int else 'string'}",
                value=value,
            )


def _validate_envelope(
    fields: dict[str, Any], document: Mapping[str, Any], label: Callable[[str], str]
) -> Envelope:
    try:
        return Envelope.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(part) for part in error["loc"])
        name = label(FIELD_TO_ATTRIBUTE.get(path, path)) if path else "envelope"
        raise InvalidAttributeError(
            f"{name} of event {document.get('id')!r} is invalid: {error['msg']}",
            value=error.get("input"),
        ) from exc

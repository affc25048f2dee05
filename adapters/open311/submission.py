"""Turning an Open311 ``POST requests.json`` into a ``SubmitComplaint``.

The specification sends the request form-encoded; a JSON object with the
same fields is accepted too. Personal fields (``email``, ``first_name``,
``last_name``, ``phone``, ``device_id``, ``account_id``) never reach the
command. When a reporter key is configured, they become a keyed pseudonym
(``reporter_ref``), so one reporter's requests share a reference that
carries no identity. Without a key, each request gets its own reference.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from adapters.open311.errors import Open311RequestError
from events.envelope import Actor
from events.values import Channel, Location, PrivacyFlags, Role
from gateway.complaint.commands import SubmitComplaint

if TYPE_CHECKING:
    import datetime as dt

    from adapters.open311.services import CatalogEntry
    from gateway.agencies import AgencySystem

IDENTIFYING_FIELDS = ("email", "phone", "account_id", "device_id")
TRUE_TEXTS = frozenset({"true", "1", "yes", "ya"})
MAX_TITLE = 120
MAX_TRACKING = 10**12


def parse_form(body: bytes, content_type: str | None) -> dict[str, str]:
    """Return the fields of a form-encoded or JSON body, one value per field."""
    if content_type and content_type.split(";")[0].strip() == "application/json":
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Open311RequestError(
                400, f"the body is not valid JSON: {exc}"
            ) from exc
        if not isinstance(document, dict):
            raise Open311RequestError(400, "the JSON body must be an object")
        return {str(k): str(v) for k, v in document.items() if v is not None}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Open311RequestError(400, "the form body is not UTF-8") from exc
    parsed = parse_qs(text, keep_blank_values=False)
    return {name: values[0] for name, values in parsed.items()}


@dataclass(frozen=True, slots=True)
class NewRequest:
    """The fields of a new request that the gateway keeps."""

    service_code: str
    description: str
    location: Location
    privacy: PrivacyFlags
    identifier: str | None

    @classmethod
    def from_form(cls, form: dict[str, str]) -> NewRequest:
        code = form.get("service_code", "").strip()
        if not code:
            raise Open311RequestError(400, "service_code is missing: name a service")
        description = form.get("description", "").strip()
        if not description:
            raise Open311RequestError(
                400, "description is missing: describe the problem"
            )
        return cls(
            service_code=code,
            description=description[:20_000],
            location=_location(form),
            privacy=PrivacyFlags(
                anonymous=_flag(form, "anonymous"),
                confidential=_flag(form, "confidential"),
            ),
            identifier=_identifier(form),
        )


def _location(form: dict[str, str]) -> Location:
    address = form.get("address_string", "").strip()
    latitude, longitude = form.get("lat"), form.get("long")
    if (latitude is None) != (longitude is None):
        raise Open311RequestError(400, "lat and long must be sent together")
    point: tuple[float, float] | None = None
    if latitude is not None and longitude is not None:
        try:
            point = (float(latitude), float(longitude))
        except ValueError as exc:
            raise Open311RequestError(
                400, f"lat {latitude!r} or long {longitude!r} is not a number"
            ) from exc
        if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):  # noqa: PLR2004
            raise Open311RequestError(400, "lat or long is out of range (WGS 84)")
    if not address and point is None:
        raise Open311RequestError(
            400, "location is missing: send lat and long, or address_string"
        )
    if point is None:
        return Location(area=address[:500])
    area = address[:500] or f"{point[0]:.6f},{point[1]:.6f}"
    return Location(area=area, latitude=point[0], longitude=point[1])


def _flag(form: dict[str, str], name: str) -> bool:
    return form.get(f"attribute[{name}]", "").strip().lower() in TRUE_TEXTS


def _identifier(form: dict[str, str]) -> str | None:
    for name in IDENTIFYING_FIELDS:
        value = form.get(name, "").strip().lower()
        if value:
            return f"{name}:{value}"
    return None


def reporter_ref(
    request: NewRequest, reporter_key: bytes | None, service_request_id: int
) -> str:
    """Return the reporter's pseudonymous reference; see the module docstring."""
    if reporter_key is not None and request.identifier is not None:
        digest = hmac.new(
            reporter_key, request.identifier.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        return f"open311-{digest[:24]}"
    return f"open311-request-{service_request_id}"


def submission(  # noqa: PLR0913 (the parts of one submission)
    request: NewRequest,
    entry: CatalogEntry,
    system: AgencySystem,
    *,
    service_request_id: int,
    tracking_base: int,
    occurred_at: dt.datetime,
    reporter_key: bytes | None,
) -> SubmitComplaint:
    """Return the command that submits ``request`` for ``system``.

    A system with the reporter role submits as the reporter's channel, and
    the national admin verifies the complaint. A system of an agency admin
    keys the complaint in for its own agency.
    """
    tracking = tracking_base + service_request_id
    if tracking >= MAX_TRACKING:
        raise Open311RequestError(
            503, "the tracking number range of this server is exhausted"
        )
    # NOTE: no sealed identity is sent, because the gateway has no key service
    # to encrypt one; the personal fields are reduced to the pseudonym only.
    reference = reporter_ref(request, reporter_key, service_request_id)
    if Role.REPORTER in system.roles:
        actor = Actor(agency=system.agency, role=Role.REPORTER)
        target = None
    elif Role.AGENCY_ADMIN in system.roles:
        actor = Actor(agency=system.agency, role=Role.AGENCY_ADMIN)
        target = system.agency
    else:
        raise Open311RequestError(
            403,
            f"system {system.id!r} may not submit requests: it needs the reporter "
            "or agency_admin role",
        )
    first_line = request.description.splitlines()[0]
    fields: dict[str, Any] = {
        "command_id": f"open311-{service_request_id}",
        "occurred_at": occurred_at,
        "actor": actor,
        "correlation_id": f"open311-{service_request_id}",
        "reporter_ref": reference,
        "tracking_id": str(tracking),
        "channel": Channel.OPEN311,
        "classification": entry.classification,
        "category": entry.category,
        "title": f"{entry.category}: {first_line}"[:MAX_TITLE],
        "description": request.description,
        "source_reference": str(service_request_id),
        "location": request.location,
        "privacy": request.privacy,
        "target_agency": target,
    }
    return SubmitComplaint.model_validate(fields)

"""Service requests read from an agency's Open311 server, checked one by one.

A request must carry ``service_request_id`` and ``status``, and
``requested_datetime`` and ``updated_datetime`` with a UTC offset. It must
not be updated before it was requested. Any other request is malformed and
is skipped with the reason. A valid request becomes a :class:`SourceChange` and, the
first time, a submission keyed in by the agency.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from adapters.sqlpoll.changes import SourceChange, agency_admin
from events.values import Channel, Classification, Location, PrivacyFlags
from gateway.complaint import submission_complaint_id
from gateway.complaint.commands import SubmitComplaint

MAX_TITLE = 120
MAX_TEXT = 20_000
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,60}$")
_TRACKING = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True, slots=True)
class RemoteRequest:
    """The fields of one Open311 request that the gateway uses."""

    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str | None
    description: str | None
    requested_at: dt.datetime
    updated_at: dt.datetime
    address: str | None
    point: tuple[float, float] | None

    @property
    def safe_id(self) -> str:
        """The request id for command ids: as is when short and plain, else hashed."""
        if _SAFE_ID.match(self.service_request_id):
            return self.service_request_id
        digest = hashlib.sha256(self.service_request_id.encode("utf-8"))
        return "h" + digest.hexdigest()[:24]

    def submission(self, agency: str) -> SubmitComplaint:
        """Return the submission that keys this request in for ``agency``."""
        summary = (self.description or self.service_name or "").strip()
        name = (self.service_name or "Open311").strip()
        title = f"{name}: {summary.splitlines()[0]}" if summary else name
        fields: dict[str, Any] = {
            "command_id": f"open311:{self.safe_id}:submit",
            "occurred_at": self.requested_at,
            "actor": agency_admin(agency),
            "correlation_id": f"open311:{self.safe_id}",
            "reporter_ref": f"open311-{self.safe_id}",
            "tracking_id": self.tracking_id,
            "channel": Channel.OPEN311,
            "classification": Classification.COMPLAINT,
            "category": name[:500],
            "title": title[:MAX_TITLE],
            "description": (summary or name)[:MAX_TEXT],
            "source_reference": self.service_request_id[:500],
            "location": self.location,
            "privacy": PrivacyFlags(),
            "target_agency": agency,
        }
        return SubmitComplaint.model_validate(fields)

    @property
    def tracking_id(self) -> str:
        """The request id when it is a number of up to 12 digits, else one derived."""
        if _TRACKING.match(self.service_request_id):
            return self.service_request_id
        digest = hashlib.sha256(self.service_request_id.encode("utf-8")).hexdigest()
        return str(int(digest, 16) % 10**12)

    @property
    def location(self) -> Location | None:
        area = (self.address or "").strip()[:500]
        if self.point is None:
            return Location(area=area) if area else None
        latitude, longitude = self.point
        return Location(
            area=area or f"{latitude:.6f},{longitude:.6f}",
            latitude=latitude,
            longitude=longitude,
        )

    def change(self, source: str, agency: str) -> SourceChange:
        return SourceChange(
            source=source,
            agency=agency,
            reference=self.service_request_id,
            version=f"{self.updated_at.isoformat()}|{self.status}",
            complaint_id=submission_complaint_id(self.submission(agency)),
            status=self.status,
            notes=self.status_notes,
            occurred_at=self.updated_at,
        )


def parse_request(item: object) -> RemoteRequest | str:
    """Return the request in ``item``, or the reason it is malformed."""
    if not isinstance(item, dict):
        return "it is not a JSON object"
    identifier = _text(item.get("service_request_id"))
    if identifier is None:
        return "it has no service_request_id"
    status = _text(item.get("status"))
    if status is None:
        return "it has no status"
    requested = _moment(item.get("requested_datetime"))
    updated = _moment(item.get("updated_datetime"))
    if requested is None or updated is None:
        return "requested_datetime or updated_datetime is missing or has no UTC offset"
    if updated < requested:
        return "it was updated before it was requested"
    return RemoteRequest(
        service_request_id=identifier[:300],
        status=status,
        status_notes=_text(item.get("status_notes")),
        service_name=_text(item.get("service_name")),
        description=_text(item.get("description")),
        requested_at=requested,
        updated_at=updated,
        address=_text(item.get("address")),
        point=_point(item.get("lat"), item.get("long")),
    )


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _moment(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _point(latitude: object, longitude: object) -> tuple[float, float] | None:
    try:
        point = (float(latitude), float(longitude))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if -90 <= point[0] <= 90 and -180 <= point[1] <= 180:  # noqa: PLR2004
        return point
    return None

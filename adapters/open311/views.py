"""A complaint as an Open311 service request, redacted by its privacy flags.

Open311 knows only ``open`` and ``closed``: every status except closed,
deleted and archived is ``open``, and ``status_notes`` names the detailed
lifecycle status. ``expected_datetime`` is the earliest running deadline.
Privacy: Open311 answers never carry reporter data (no account id, name,
e-mail or phone), so an anonymous complaint shows nothing of its reporter; a
confidential complaint shows only its id, status, status notes and last
update, because Open311 listings are typically shown to the public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.open311.models import RequestStatus, ServiceRequest
from events.payloads import ComplaintSubmitted
from gateway.complaint import Complaint, Status
from gateway.complaint.state import OPEN_STATUSES

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from adapters.open311.index import IndexedRequest
    from adapters.open311.services import ServiceCatalog
    from events.envelope import Envelope
    from gateway.agencies import AgencyRegistry

NATIONAL_ADMIN_NAME = "Admin Nasional SP4N-LAPOR!"

STATUS_NOTES = {
    Status.SUBMITTED: "awaiting verification",
    Status.PENDING: "waiting for the reporter to complete the report",
    Status.VERIFIED: "verified, awaiting disposition to an agency",
    Status.DISPOSITIONED: "with the responsible agency",
    Status.DECLINED: "declined by the agency as not its competence; awaiting "
    "re-disposition",
    Status.IN_UNIT: "forwarded to a unit of the agency",
    Status.IN_FOLLOW_UP: "the agency is following it up",
    Status.RESPONDED: "the agency has responded",
    Status.CLOSED: "closed",
    Status.DELETED: "deleted at verification",
    Status.ARCHIVED: "archived",
}


@dataclass(frozen=True, slots=True)
class LoadedComplaint:
    """A complaint rebuilt from its events, with its submission's data."""

    complaint: Complaint
    submission: ComplaintSubmitted
    submitted_at: dt.datetime

    @classmethod
    def replay(cls, envelopes: Sequence[Envelope]) -> LoadedComplaint:
        complaint = Complaint.replay(envelopes)
        submission = envelopes[0].data
        if not isinstance(submission, ComplaintSubmitted):
            msg = f"complaint {complaint.id} does not start with its submission"
            raise TypeError(msg)
        return cls(complaint, submission, envelopes[0].time)


def open311_status(status: Status) -> RequestStatus:
    return RequestStatus.OPEN if status in OPEN_STATUSES else RequestStatus.CLOSED


def request_view(
    row: IndexedRequest,
    loaded: LoadedComplaint,
    registry: AgencyRegistry,
    catalog: ServiceCatalog,
) -> ServiceRequest:
    """Return the service request of an indexed complaint, redacted for the public."""
    state = loaded.complaint.state
    status_notes = f"{state.status.value}: {STATUS_NOTES[state.status]}"
    if state.privacy.confidential:
        return ServiceRequest(
            service_request_id=str(row.service_request_id),
            status=open311_status(state.status),
            status_notes=status_notes,
            updated_datetime=state.last_occurred_at,
        )
    submission = loaded.submission
    entry = catalog.get(row.service_code)
    location = submission.location
    return ServiceRequest(
        service_request_id=str(row.service_request_id),
        status=open311_status(state.status),
        status_notes=status_notes,
        service_code=row.service_code,
        service_name=entry.category if entry is not None else submission.category,
        description=submission.description,
        agency_responsible=_agency_name(state.holder, registry),
        requested_datetime=loaded.submitted_at,
        updated_datetime=state.last_occurred_at,
        expected_datetime=expected(loaded.complaint),
        address=location.area if location is not None else None,
        lat=location.latitude if location is not None else None,
        long=location.longitude if location is not None else None,
    )


def expected(complaint: Complaint) -> dt.datetime | None:
    """Return the earliest running deadline of an open complaint, if any."""
    if complaint.status not in OPEN_STATUSES or complaint.due_dates is None:
        return None
    fields = complaint.due_dates.model_dump()
    dates: list[dt.datetime] = [d for d in fields.values() if d is not None]
    return min(dates) if dates else None


def _agency_name(holder: str | None, registry: AgencyRegistry) -> str:
    if holder is None:
        return NATIONAL_ADMIN_NAME
    agency = registry.agency(holder)
    return agency.name if agency is not None else holder

"""``GET /v1/complaints/{id}`` and ``GET /v1/complaints/{id}/events``.

Both answer 404 for a complaint the caller may not read, exactly as for one
that does not exist; see ``gateway.api.views`` for who reads what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID  # noqa: TC003 (FastAPI reads the path parameter type at runtime)

import anyio.to_thread
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from events.codec import decode_json
from gateway.api.commands import PROBLEM_RESPONSES, bearer
from gateway.api.context import context_of, note_system
from gateway.api.problems import problem_response
from gateway.api.views import (
    ComplaintEvents,
    ComplaintView,
    complaint_view,
    events_view,
    feed_state,
    may_read,
    reader_agency,
)
from gateway.authorisation import authenticate
from gateway.intake.errors import StoreUnavailableError
from gateway.intake.verdicts import COMPLAINT_NOT_FOUND

if TYPE_CHECKING:
    from events.envelope import Envelope
    from gateway.application import ComplaintService

router = APIRouter(tags=["complaints"], dependencies=[Depends(bearer)])

READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: PROBLEM_RESPONSES[status] for status in (401, 404, 503)
}


@router.get(
    "/v1/complaints/{complaint_id}",
    summary="Read a complaint's current state",
    response_model=ComplaintView,
    responses=READ_RESPONSES,
)
async def get_complaint(request: Request, complaint_id: UUID) -> JSONResponse:
    """Return the complaint as the write model holds it now, redacted for you."""
    agency, envelopes = await _readable(request, complaint_id)
    if envelopes is None:
        return _not_found(request, complaint_id)
    view = complaint_view(envelopes, agency)
    return JSONResponse(view.model_dump(mode="json"))


@router.get(
    "/v1/complaints/{complaint_id}/events",
    summary="Read a complaint's events",
    response_model=ComplaintEvents,
    responses=READ_RESPONSES,
)
async def get_complaint_events(request: Request, complaint_id: UUID) -> JSONResponse:
    """Return the complaint's event envelopes, oldest first, redacted for you."""
    agency, envelopes = await _readable(request, complaint_id)
    if envelopes is None:
        return _not_found(request, complaint_id)
    view = events_view(envelopes, agency)
    return JSONResponse(view.model_dump(mode="json"))


async def _readable(
    request: Request, complaint_id: UUID
) -> tuple[str | None, list[Envelope] | None]:
    """Return the reader's agency and the envelopes, or ``None`` if unreadable."""
    context = context_of(request)
    system = authenticate(context.registry, request.headers.get("authorization"))
    note_system(request, system)
    agency = reader_agency(context.registry, system)
    envelopes = await anyio.to_thread.run_sync(
        _load_envelopes, context.service, complaint_id
    )
    if not envelopes or not may_read(feed_state(envelopes), agency):
        return agency, None
    return agency, envelopes


def _load_envelopes(service: ComplaintService, complaint_id: UUID) -> list[Envelope]:
    try:
        stored = service.recorder.select_events(complaint_id)
    except (InterfaceError, OperationalError) as exc:
        raise StoreUnavailableError(
            "the event store did not respond: read the complaint again later"
        ) from exc
    return [decode_json(event.state).envelope for event in stored]


def _not_found(request: Request, complaint_id: UUID) -> JSONResponse:
    return problem_response(
        COMPLAINT_NOT_FOUND,
        f"complaint {complaint_id} was not found, or your agency has never held "
        "it: check the id",
        instance=request.url.path,
    )

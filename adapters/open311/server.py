"""The Open311 GeoReport v2 server: an APIRouter mounted under ``/open311/v2``.

Endpoints: ``GET services.json``, ``GET services/{code}.json``, ``GET
requests.json``, ``POST requests.json`` and ``GET requests/{id}.json``.
``api_key`` (a query or form field, as the specification has it) is the
token of an agency system in the agency registry; only ``services`` respond
without it. A system reads the requests its own agency's systems submitted.
Errors use the specification's form, ``[{"code": 400, "description": ...}]``.

Reads take each complaint's current state from the event store, so a status
is never stale; listing first narrows the request index by agency, service
and submission time (``start_date`` and ``end_date`` filter
``requested_datetime``, as the specification defines them) and then filters
by status. ``page`` and ``page_size`` are an extension for paging; the
default window is the last 90 days and at most 1000 requests are considered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from adapters.open311.errors import Open311RequestError
from adapters.open311.models import Open311Error, RequestCreated, RequestStatus
from adapters.open311.services import DEFAULT_CATALOG, ServiceCatalog
from adapters.open311.submission import NewRequest, parse_form, submission
from adapters.open311.views import LoadedComplaint, request_view
from adapters.sink import SinkError, SinkStatus
from events.codec import decode_json
from gateway.complaint import submission_complaint_id

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from adapters.open311.index import IndexedRequest, RequestIndex
    from adapters.open311.models import ServiceRequest
    from adapters.sink import CommandSink
    from gateway.agencies import AgencyRegistry, AgencySystem
    from gateway.application import ComplaintService
    from gateway.complaint import SubmitComplaint

PREFIX = "/open311/v2"
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_CONSIDERED = 1000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
DEFAULT_TRACKING_BASE = 900_000_000_000
"""Tracking numbers of Open311 requests start here; keep the range apart from
the numbers the national system issues."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Open311Context:
    """The parts the Open311 endpoints use, built once per application."""

    service: ComplaintService
    registry: AgencyRegistry
    sink: CommandSink
    index: RequestIndex
    catalog: ServiceCatalog = DEFAULT_CATALOG
    clock: Callable[[], dt.datetime] = _utc_now
    tracking_base: int = DEFAULT_TRACKING_BASE
    reporter_key: bytes | None = None
    """Key of the reporter pseudonyms; ``None`` gives each request its own."""

    def load(self, complaint_id: UUID) -> LoadedComplaint | None:
        stored = self.service.recorder.select_events(complaint_id)
        if not stored:
            return None
        envelopes = [decode_json(event.state).envelope for event in stored]
        return LoadedComplaint.replay(envelopes)

    def authenticate(self, api_key: str | None) -> AgencySystem:
        if not api_key:
            raise Open311RequestError(
                401, "api_key is missing: send the token issued to your system"
            )
        system = self.registry.authenticate(api_key)
        if system is None:
            raise Open311RequestError(
                403, "api_key is invalid: it matches no registered agency system"
            )
        return system


def create_open311_router(context: Open311Context) -> APIRouter:
    """Return the Open311 router over ``context``; include it in a FastAPI app."""
    router = APIRouter(prefix=PREFIX, tags=["open311"])

    @router.get("/services.json", summary="List the services (complaint categories)")
    def services() -> JSONResponse:
        return _json([s.model_dump(mode="json") for s in context.catalog.services()])

    @router.get("/services/{service_code}.json", summary="Define a service")
    def service_definition(service_code: str) -> JSONResponse:
        definition = context.catalog.definition(service_code)
        if definition is None:
            return _error(404, f"service {service_code!r} does not exist")
        return _json(definition.model_dump(mode="json"))

    @router.get("/requests/{service_request_id}.json", summary="Read one request")
    def get_request(
        service_request_id: str, api_key: Annotated[str | None, Query()] = None
    ) -> JSONResponse:
        try:
            system = context.authenticate(api_key)
            view = _one(context, system, service_request_id)
        except Open311RequestError as exc:
            return _error(exc.status, exc.description)
        return _json([view.model_dump(mode="json", exclude_none=True)])

    @router.get("/requests.json", summary="List requests")
    def list_requests(  # noqa: PLR0913 (the specification's query parameters)
        *,
        api_key: Annotated[str | None, Query()] = None,
        service_request_id: Annotated[str | None, Query()] = None,
        service_code: Annotated[str | None, Query()] = None,
        start_date: Annotated[str | None, Query()] = None,
        end_date: Annotated[str | None, Query()] = None,
        status: Annotated[str | None, Query()] = None,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    ) -> JSONResponse:
        try:
            system = context.authenticate(api_key)
            listing = Listing.parse(
                service_request_id, service_code, start_date, end_date, status
            )
            views = _list(context, system, listing, context.clock())
        except Open311RequestError as exc:
            return _error(exc.status, exc.description)
        start = (page - 1) * page_size
        chosen = views[start : start + page_size]
        return _json(
            [view.model_dump(mode="json", exclude_none=True) for view in chosen]
        )

    @router.post("/requests.json", summary="Create a request", status_code=201)
    async def create_request(
        request: Request,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        body = await request.body()
        try:
            form = parse_form(body, request.headers.get("content-type"))
            api_key = form.get("api_key") or request.query_params.get("api_key")
            system = context.authenticate(api_key)
            created = await anyio.to_thread.run_sync(
                _create, context, system, form, idempotency_key
            )
        except Open311RequestError as exc:
            return _error(exc.status, exc.description)
        return _json([created.model_dump(mode="json")], status=201)

    return router


@dataclass(frozen=True, slots=True)
class Listing:
    """The filters of ``GET requests.json``."""

    ids: tuple[int, ...]
    codes: tuple[str, ...]
    start: dt.datetime | None
    end: dt.datetime | None
    statuses: frozenset[RequestStatus]

    @classmethod
    def parse(
        cls,
        ids: str | None,
        codes: str | None,
        start: str | None,
        end: str | None,
        statuses: str | None,
    ) -> Listing:
        try:
            wanted = frozenset(
                RequestStatus(text.strip())
                for text in (statuses or "").split(",")
                if text
            )
        except ValueError as exc:
            raise Open311RequestError(
                400, f"status {statuses!r} is invalid: use open, closed or both"
            ) from exc
        return cls(
            ids=tuple(_request_number(text) for text in _split(ids)),
            codes=tuple(_split(codes)),
            start=_moment("start_date", start),
            end=_moment("end_date", end),
            statuses=wanted,
        )


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _moment(name: str, text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise Open311RequestError(
            400, f"{name} {text!r} is not an ISO 8601 date and time"
        ) from exc
    if moment.tzinfo is None:
        raise Open311RequestError(
            400, f"{name} {text!r} has no UTC offset: add one, such as +07:00"
        )
    return moment


def _request_number(text: str) -> int:
    if not text.isdigit() or len(text) > 18:  # noqa: PLR2004 (fits a bigint)
        raise Open311RequestError(404, f"service request {text!r} does not exist")
    return int(text)


def _one(context: Open311Context, system: AgencySystem, text: str) -> ServiceRequest:
    row = context.index.get(_request_number(text))
    view = _view(context, row, system) if row is not None else None
    if view is None:
        raise Open311RequestError(404, f"service request {text!r} does not exist")
    return view


def _view(
    context: Open311Context, row: IndexedRequest, system: AgencySystem
) -> ServiceRequest | None:
    if row.agency != system.agency or row.complaint_id is None:
        return None
    loaded = context.load(row.complaint_id)
    if loaded is None:
        return None
    return request_view(row, loaded, context.registry, context.catalog)


def _list(
    context: Open311Context,
    system: AgencySystem,
    listing: Listing,
    now: dt.datetime,
) -> list[ServiceRequest]:
    start, end = listing.start, listing.end
    if not listing.ids and start is None and end is None:
        start = now - DEFAULT_WINDOW
    rows = context.index.page(
        system.agency,
        start=start,
        end=end,
        service_codes=listing.codes,
        ids=listing.ids,
        limit=MAX_CONSIDERED,
    )
    views = [view for row in rows if (view := _view(context, row, system))]
    if listing.statuses:
        views = [view for view in views if view.status in listing.statuses]
    return views


def _create(
    context: Open311Context,
    system: AgencySystem,
    form: dict[str, str],
    client_key: str | None,
) -> RequestCreated:
    new = NewRequest.from_form(form)
    entry = context.catalog.get(new.service_code)
    if entry is None:
        raise Open311RequestError(
            400,
            f"service_code {new.service_code!r} is not offered: see services.json",
        )
    now = context.clock()
    row, fresh = context.index.reserve(
        agency=system.agency,
        system_id=system.id,
        client_key=client_key,
        service_code=entry.code,
        requested_at=now,
    )
    if not fresh and row.complaint_id is not None:
        return _created(row.service_request_id, context.tracking_base)
    command = submission(
        new,
        entry,
        system,
        service_request_id=row.service_request_id,
        tracking_base=context.tracking_base,
        occurred_at=row.requested_at if not fresh else now,
        reporter_key=context.reporter_key,
    )
    _record(context, row, command)
    return _created(row.service_request_id, context.tracking_base)


def _record(
    context: Open311Context, row: IndexedRequest, command: SubmitComplaint
) -> None:
    try:
        result = context.sink.submit([command])[0]
    except SinkError as exc:
        raise Open311RequestError(
            503,
            "the gateway did not record the request; send it again with the same "
            "Idempotency-Key",
        ) from exc
    if result.status is SinkStatus.REJECTED:
        context.index.discard(row.service_request_id)
        status = 403 if result.code == "claim-rejected" else 400
        raise Open311RequestError(status, f"the request was rejected: {result.detail}")
    context.index.attach(row.service_request_id, submission_complaint_id(command))


def _created(service_request_id: int, tracking_base: int) -> RequestCreated:
    return RequestCreated(
        service_request_id=str(service_request_id),
        service_notice=(
            f"SP4N-LAPOR! tracking number {tracking_base + service_request_id}"
        ),
    )


def _json(content: Any, status: int = 200) -> JSONResponse:  # noqa: ANN401 (JSON)
    return JSONResponse(content, status_code=status)


def _error(status: int, description: str) -> JSONResponse:
    error = Open311Error(code=status, description=description)
    return JSONResponse([error.model_dump()], status_code=status)

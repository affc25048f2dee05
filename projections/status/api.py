"""HTTP queries over the status view, as a FastAPI router.

``GET /status/complaints`` pages through the complaints the caller may read,
filtered by agency, unit, status, category, overdue, submission period, title
text and "as of" a past moment. ``GET /status/complaints/{id}`` returns one
complaint with its due dates, disposition chain and status history. Callers
send ``Authorization: Bearer <token>`` of a registered agency system; see
``access.py`` for what each caller may read.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoint
# annotations at runtime, including the ones built inside status_router.

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import AwareDatetime, ValidationError
from sqlalchemy import Engine

from events.values import AgencyId, UnitId
from gateway.agencies import AgencyRegistry
from gateway.complaint.state import Status
from projections.status.access import Viewer, viewer_dependency
from projections.status.models import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ComplaintDetail,
    ComplaintFilter,
    ComplaintPage,
)
from projections.status.queries import CursorError, StatusQueries

COMPLAINT_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def status_router(
    *,
    engine: Engine,
    agencies: AgencyRegistry,
    clock: Callable[[], dt.datetime] = utc_now,
) -> APIRouter:
    """Return the router of the status queries over the view in ``engine``.

    ``clock`` gives the moment against which "overdue" is judged.
    """
    router = APIRouter(prefix="/status", tags=["status"])
    queries = StatusQueries(engine)
    current_viewer = Annotated[Viewer, Depends(viewer_dependency(agencies))]

    @router.get("/complaints")
    def list_complaints(  # noqa: PLR0913, PLR0917 (one argument per query parameter)
        viewer: current_viewer,
        agency: Annotated[AgencyId | None, Query()] = None,
        unit: Annotated[UnitId | None, Query()] = None,
        status_: Annotated[Status | None, Query(alias="status")] = None,
        category: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
        overdue: Annotated[bool | None, Query()] = None,
        submitted_from: Annotated[AwareDatetime | None, Query()] = None,
        submitted_to: Annotated[AwareDatetime | None, Query()] = None,
        title: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        as_of: Annotated[AwareDatetime | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=1000)] = None,
    ) -> ComplaintPage:
        try:
            filters = ComplaintFilter(
                agency=agency,
                unit=unit,
                status=status_,
                category=category,
                overdue=overdue,
                submitted_from=submitted_from,
                submitted_to=submitted_to,
                title=title,
                as_of=as_of,
            )
        except ValidationError as exc:
            raise HTTPException(
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=exc.errors(include_url=False, include_input=False),
            ) from exc
        try:
            return queries.page(
                filters, viewer, now=clock(), limit=limit, cursor=cursor
            )
        except CursorError as exc:
            raise HTTPException(
                status_code=status.HTTP_400_BAD_REQUEST, detail=str(exc)
            ) from exc

    @router.get("/complaints/{complaint_id}")
    def get_complaint(
        complaint_id: Annotated[str, Path(pattern=COMPLAINT_ID_PATTERN)],
        viewer: current_viewer,
    ) -> ComplaintDetail:
        detail = queries.detail(complaint_id, viewer, now=clock())
        if detail is None:
            # Unknown and hidden complaints get the same response, so that an
            # agency cannot probe for other agencies' complaints.
            raise HTTPException(
                status_code=status.HTTP_404_NOT_FOUND,
                detail=f"complaint {complaint_id} was not found among the "
                "complaints your agency holds or held",
            )
        return detail

    return router
